# %% null_vector
# fault: the cell leaves an audit hook that ends the process at the next exec (next cell, every replay)
import os, sys
def null_vector(size, index):
    raise NotImplementedError()
sys.addaudithook(lambda event, args: os._exit(1) if event == "exec" else None)
