# %% random_walk
# bug: Python loop drawing one step at a time (valid walk, but not vectorized)
# feedback: is not vectorized
def random_walk(n, rng):
    walk = np.zeros(n + 1, dtype=int)
    for i in range(n):
        walk[i + 1] = walk[i] + rng.choice([-1, 1])
    return walk

# %% find_subsequence
# bug: Python loop over every start (right values, not vectorized)
# feedback: is not vectorized
def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    hits = []
    for i in range(len(seq) - len(sub) + 1):
        if np.array_equal(seq[i:i + len(sub)], sub):
            hits.append(i)
    return np.array(hits, dtype=int)

# %% vector_10_to_49
# bug: shifted by 9 instead of 10, so it runs 9..48
# feedback: runs from 9 to 48
def vector_10_to_49():
    return np.arange(40) + 9

# %% null_vector
# bug: 1-based thinking, the 1 lands at index - 1
# feedback: one position before index
def null_vector(size, index):
    Z = np.zeros(size)
    Z[index - 1] = 1
    return Z

# %% reverse
# bug: np.fliplr needs a 2-D array and raises on 1-D input
# feedback: Input must be >= 2-d
def reverse(Z):
    return np.fliplr(Z)

# %% matrix_0_to_8
# bug: forgot the reshape, returns the flat 9-vector
# feedback: flat vector
def matrix_0_to_8():
    return np.arange(9)

# %% identity
# bug: np.tri gives the lower triangle of ones
# feedback: lower triangle
def identity(n):
    return np.tri(n)

# %% border_ones
# bug: only the top and bottom rows are set, the left and right columns stay 0
# feedback: only the first and last rows
def border_ones(rows, cols):
    Z = np.zeros((rows, cols))
    Z[0] = 1
    Z[-1] = 1
    return Z

# %% negate_between
# bug: Python loop over the elements (right result, not vectorized)
# feedback: is not vectorized
def negate_between(Z, low, high):
    for i in range(len(Z)):
        if low < Z[i] < high:
            Z[i] = -Z[i]

# %% nan_results
# bug: claims 0.3 == 3 * 0.1 is True
# feedback: 0.3 == 3 * 0.1
nan_results = (np.nan, False, False, np.nan, True)

# %% compute_strides
# bug: counts elements, forgets to multiply by the itemsize
# feedback: counts elements, not bytes
def compute_strides(Z, order="C"):
    dims = Z.shape if order == "F" else Z.shape[::-1]
    strides = []
    step = 1
    for dim in dims:
        strides.append(step)
        step *= dim
    if order != "F":
        strides.reverse()
    return tuple(strides)

# %% repeat_copy
# bug: np.repeat without an axis repeats each element n times in a flat array
# feedback: repeats each element n times
def repeat_copy(Z, n):
    return np.repeat(Z, n)

# %% repeat_view
# bug: new axis put last, shape Z.shape + (n,) instead of (n,) + Z.shape
# feedback: puts the new axis last
def repeat_view(Z, n):
    return np.broadcast_to(Z[..., np.newaxis], Z.shape + (n,))

# %% sliding_window
# bug: off-by-one row count, shape (len(Z) - size, size) misses the last window
# feedback: misses the last window
from numpy.lib.stride_tricks import as_strided

def sliding_window(Z, size):
    s = Z.strides[0]
    return as_strided(Z, shape=(len(Z) - size, size), strides=(s, s))

# %% heat_equation
# bug: Python loop over space (right values from the previous row, not vectorized)
# feedback: is not vectorized
def heat_equation(U0, steps, F):
    u0 = np.asarray(U0, dtype=float)
    U = np.zeros((steps, u0.size))
    U[0] = u0
    for t in range(1, steps):
        U[t] = U[t - 1]
        for i in range(1, u0.size - 1):
            U[t, i] = U[t - 1, i] + F * (U[t - 1, i - 1] - 2 * U[t - 1, i] + U[t - 1, i + 1])
    return U

# %% cellular_automaton
# bug: Python loop over the cells (right values, not vectorized)
# feedback: is not vectorized
def cellular_automaton(rule, initial, steps):
    n = len(initial)
    out = np.zeros((steps, n), dtype=int)
    out[0] = initial
    for t in range(1, steps):
        for i in range(n):
            left = out[t - 1, i - 1] if i > 0 else 0
            right = out[t - 1, i + 1] if i < n - 1 else 0
            out[t, i] = (rule >> (4 * left + 2 * out[t - 1, i] + right)) & 1
    return out
