# %% add_to_selected
# fault: the function kills its own process
import os
def add_to_selected(a, cols, value):
    os.kill(os.getpid(), 9)

# %% row_norms
# correct
def row_norms(a):
    return np.linalg.norm(a, axis=1)[:, None]
