# %% add_to_selected
# fault: the function kills its own process
import os
def add_to_selected(a, cols, value):
    os.kill(os.getpid(), 9)
