# %% random_walk
# fault: the function reads address 0 (segmentation fault)
import ctypes
def random_walk(n, rng):
    ctypes.string_at(0)

# %% vector_10_to_49
# fault: the answer cell aborts the process (os.abort) before defining anything
import os
os.abort()
def vector_10_to_49():
    return np.arange(10, 50)

# %% reverse
# fault: unbounded recursion through C calls with the recursion limit lifted (C stack overflow)
import sys
sys.setrecursionlimit(10**8)
def reverse(Z):
    return reverse.__call__(Z)

# %% identity
# fault: the function ends its process (os._exit)
import os
def identity(n):
    os._exit(3)

# %% negate_between
# fault: the function closes every inherited file descriptor, the grading pipes included
import os
def negate_between(Z, low, high):
    os.closerange(3, 1024)
    Z[(Z > low) & (Z < high)] *= -1

# %% repeat_view
# fault: a thread started by the function crashes the process (segfault) while the function waits
import ctypes, threading
def repeat_view(Z, n):
    crash = threading.Thread(target=ctypes.string_at, args=(0,))
    crash.start()
    crash.join()
    return np.broadcast_to(Z, (n,) + Z.shape)
