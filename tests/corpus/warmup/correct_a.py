# %% random_walk
# style: rng.choice of ±1 steps, leading 0 prepended with np.concatenate before np.cumsum
def random_walk(n, rng):
    steps = rng.choice([-1, 1], size=n)
    return np.concatenate(([0], np.cumsum(steps)))

# %% find_subsequence
# style: sliding_window_view + row-wise all() + np.flatnonzero, explicit guard for a too-long sub
from numpy.lib.stride_tricks import sliding_window_view

def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    if len(sub) > len(seq):
        return np.array([], dtype=int)
    windows = sliding_window_view(seq, len(sub))
    return np.flatnonzero((windows == sub).all(axis=1))

# %% vector_10_to_49
# style: np.arange with an exclusive stop
def vector_10_to_49():
    return np.arange(10, 50)

# %% null_vector
# style: np.zeros then index assignment
def null_vector(size, index):
    Z = np.zeros(size)
    Z[index] = 1
    return Z

# %% reverse
# style: negative-step slice (a view)
def reverse(Z):
    return Z[::-1]

# %% matrix_0_to_8
# style: np.arange + reshape
def matrix_0_to_8():
    return np.arange(9).reshape(3, 3)

# %% identity
# style: np.eye (float dtype)
def identity(n):
    return np.eye(n)

# %% border_ones
# style: np.ones then zero the interior slice
def border_ones(rows, cols):
    Z = np.ones((rows, cols))
    Z[1:-1, 1:-1] = 0
    return Z

# %% negate_between
# style: boolean mask with & and in-place *= -1
def negate_between(Z, low, high):
    Z[(Z > low) & (Z < high)] *= -1

# %% nan_results
# style: literal tuple of Python/NumPy values
nan_results = (np.nan, False, False, np.nan, False)

# %% compute_strides
# style: Python loop over the dimensions accumulating the byte step (not required to be vectorized)
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
# style: np.tile with one repetition per existing axis (fresh buffer, not shared with Z)
def repeat_copy(Z, n):
    return np.tile(Z, (n,) + (1,) * Z.ndim)

# %% repeat_view
# style: np.broadcast_to onto the new leading axis
def repeat_view(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape)

# %% sliding_window
# style: numpy.lib.stride_tricks.sliding_window_view
from numpy.lib.stride_tricks import sliding_window_view

def sliding_window(Z, size):
    return sliding_window_view(Z, size)

# %% heat_equation
# style: preallocated (steps, n) float array, loop over time, slicing over space, ends copied from previous row
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
# style: np.pad with zeros, neighbourhood code 4L+2C+R, bit extracted with (rule >> code) & 1
def cellular_automaton(rule, initial, steps):
    row = np.asarray(initial, dtype=int)
    out = np.zeros((steps, row.size), dtype=int)
    out[:1] = row
    for t in range(1, steps):
        p = np.pad(out[t - 1], 1)
        code = 4 * p[:-2] + 2 * p[1:-1] + p[2:]
        out[t] = (rule >> code) & 1
    return out
