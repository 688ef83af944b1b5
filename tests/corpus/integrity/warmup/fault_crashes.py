# %% random_walk
# fault: the function reads address 0 (segmentation fault)
import ctypes
def random_walk(n, rng):
    ctypes.string_at(0)

# %% find_subsequence
# correct
from numpy.lib.stride_tricks import sliding_window_view

def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    if len(sub) > len(seq):
        return np.array([], dtype=int)
    windows = sliding_window_view(seq, len(sub))
    return np.flatnonzero((windows == sub).all(axis=1))

# %% vector_10_to_49
# fault: the answer cell aborts the process (os.abort) before defining anything
import os
os.abort()
def vector_10_to_49():
    return np.arange(10, 50)

# %% null_vector
# correct
def null_vector(size, index):
    Z = np.zeros(size)
    Z[index] = 1
    return Z

# %% reverse
# fault: unbounded recursion through C calls with the recursion limit lifted (C stack overflow)
import sys
sys.setrecursionlimit(10**8)
def reverse(Z):
    return reverse.__call__(Z)

# %% matrix_0_to_8
# correct
def matrix_0_to_8():
    return np.arange(9).reshape(3, 3)

# %% identity
# fault: the function ends its process (os._exit)
import os
def identity(n):
    os._exit(3)

# %% border_ones
# correct
def border_ones(rows, cols):
    Z = np.ones((rows, cols))
    Z[1:-1, 1:-1] = 0
    return Z

# %% negate_between
# fault: the function closes every inherited file descriptor, the grading pipes included
import os
def negate_between(Z, low, high):
    os.closerange(3, 1024)
    Z[(Z > low) & (Z < high)] *= -1

# %% nan_results
# correct
nan_results = (np.nan, False, False, np.nan, False)

# %% compute_strides
# correct
def compute_strides(Z, order="C"):
    dims = Z.shape if order == "F" else Z.shape[::-1]
    strides = []
    step = Z.itemsize
    for dim in dims:
        strides.append(step)
        step *= dim
    if order != "F":
        strides.reverse()
    return tuple(strides)

# %% repeat_copy
# correct
def repeat_copy(Z, n):
    return np.tile(Z, (n,) + (1,) * Z.ndim)

# %% repeat_view
# fault: a thread started by the function crashes the process (segfault) while the function waits
import ctypes, threading
def repeat_view(Z, n):
    crash = threading.Thread(target=ctypes.string_at, args=(0,))
    crash.start()
    crash.join()
    return np.broadcast_to(Z, (n,) + Z.shape)

# %% sliding_window
# correct
from numpy.lib.stride_tricks import sliding_window_view

def sliding_window(Z, size):
    return sliding_window_view(Z, size)

# %% heat_equation
# correct
def heat_equation(U0, steps, F):
    u0 = np.asarray(U0, dtype=float)
    U = np.empty((steps, u0.size))
    U[:1] = u0
    for t in range(1, steps):
        prev = U[t - 1]
        U[t] = prev
        U[t, 1:-1] = prev[1:-1] + F * (prev[:-2] - 2 * prev[1:-1] + prev[2:])
    return U

# %% cellular_automaton
# correct
def cellular_automaton(rule, initial, steps):
    row = np.asarray(initial, dtype=int)
    out = np.zeros((steps, row.size), dtype=int)
    out[:1] = row
    for t in range(1, steps):
        p = np.pad(out[t - 1], 1)
        code = 4 * p[:-2] + 2 * p[1:-1] + p[2:]
        out[t] = (rule >> code) & 1
    return out
