# %% random_walk
# fault: a top-level infinite loop in the answer cell
while True:
    pass

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
# fault: the function never returns
def vector_10_to_49():
    while True:
        pass

# %% null_vector
# correct
def null_vector(size, index):
    Z = np.zeros(size)
    Z[index] = 1
    return Z

# %% reverse
# fault: the answer cell sleeps far beyond the cell time limit
import time
time.sleep(60)
def reverse(Z):
    return Z[::-1]

# %% matrix_0_to_8
# correct
def matrix_0_to_8():
    return np.arange(9).reshape(3, 3)

# %% identity
# fault: the function asks for input
def identity(n):
    return np.eye(int(input("n? ")))

# %% border_ones
# correct
def border_ones(rows, cols):
    Z = np.ones((rows, cols))
    Z[1:-1, 1:-1] = 0
    return Z

# %% negate_between
# fault: the function prints 300,000 lines, then asks for input
def negate_between(Z, low, high):
    for i in range(300_000):
        print(i)
    if input("really? ") == "yes":
        Z[(Z > low) & (Z < high)] *= -1

# %% nan_results
# fault: the cell prints 300,000 lines, closes stdout, stderr and stdin, and sets no value
import os, sys
for i in range(300_000):
    print("line", i)
for stream in (sys.stdout, sys.stderr, sys.stdin, sys.__stdout__, sys.__stderr__, sys.__stdin__):
    stream.close()
for fd in (0, 1, 2):
    os.close(fd)

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
# fault: the function allocates 10 GiB
def repeat_copy(Z, n):
    big = np.ones(10 * 2**30 // 8)
    return np.tile(Z, (n,) + (1,) * Z.ndim) + big[0] - 1

# %% repeat_view
# correct
def repeat_view(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape)

# %% sliding_window
# fault: the function holds the GIL for ever in a C loop (sum over a huge range)
def sliding_window(Z, size):
    sum(range(10**18))
    return np.lib.stride_tricks.sliding_window_view(Z, size)

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
