# %% random_walk
# style: 2*rng.integers(0, 2)-1 steps, cumsum written into a preallocated int array via out=
def random_walk(n, rng):
    walk = np.zeros(n + 1, dtype=int)
    steps = 2 * rng.integers(0, 2, size=n) - 1
    np.cumsum(steps, out=walk[1:])
    return walk

# %% find_subsequence
# style: as_strided windows built from seq.strides[0], np.all, np.nonzero(...)[0]
from numpy.lib.stride_tricks import as_strided

def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    n, m = len(seq), len(sub)
    if m > n:
        return np.empty(0, dtype=np.intp)
    s = seq.strides[0]
    windows = as_strided(seq, shape=(n - m + 1, m), strides=(s, s), writeable=False)
    return np.nonzero(np.all(windows == sub, axis=1))[0]

# %% vector_10_to_49
# style: np.arange(40) shifted by 10
def vector_10_to_49():
    return np.arange(40) + 10

# %% null_vector
# style: explicit float64 zeros and np.put
def null_vector(size, index):
    Z = np.zeros(size, dtype=np.float64)
    np.put(Z, index, 1.0)
    return Z

# %% reverse
# style: np.flip
def reverse(Z):
    return np.flip(Z)

# %% matrix_0_to_8
# style: literal nested list
def matrix_0_to_8():
    return np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])

# %% identity
# style: np.identity with int dtype
def identity(n):
    return np.identity(n, dtype=int)

# %% border_ones
# style: int zeros then set the four edges with (never-failing) slices
def border_ones(rows, cols):
    Z = np.zeros((rows, cols), dtype=int)
    Z[:1, :] = 1
    Z[-1:, :] = 1
    Z[:, :1] = 1
    Z[:, -1:] = 1
    return Z

# %% negate_between
# style: ufunc np.negative with out=Z and where=mask
def negate_between(Z, low, high):
    np.negative(Z, out=Z, where=(low < Z) & (Z < high))

# %% nan_results
# style: list computed from the very expressions
nan_results = [0 * np.nan, np.nan == np.nan, np.inf > np.nan, np.nan - np.nan, 0.3 == 3 * 0.1]

# %% compute_strides
# style: np.cumprod of the (reversed for C) shape, sliced to ndim, times itemsize
def compute_strides(Z, order="C"):
    dims = Z.shape if order == "F" else Z.shape[::-1]
    steps = np.cumprod((1,) + dims)[: Z.ndim] * Z.itemsize
    strides = [int(s) for s in steps]
    return tuple(strides if order == "F" else strides[::-1])

# %% repeat_copy
# style: np.broadcast_to(...).copy()
def repeat_copy(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape).copy()

# %% repeat_view
# style: as_strided with stride 0 on the new axis
from numpy.lib.stride_tricks import as_strided

def repeat_view(Z, n):
    return as_strided(Z, shape=(n,) + Z.shape, strides=(0,) + Z.strides)

# %% sliding_window
# style: as_strided with both strides equal to Z.strides[0] (works for any 1-D view)
from numpy.lib.stride_tricks import as_strided

def sliding_window(Z, size):
    s = Z.strides[0]
    return as_strided(Z, shape=(Z.shape[0] - size + 1, size), strides=(s, s))

# %% heat_equation
# style: np.roll for the neighbours, then the two ends restored; rows stacked at the end
def heat_equation(U0, steps, F):
    u = np.array(U0, dtype=float)
    U = np.zeros((steps, u.size))
    for t in range(steps):
        U[t] = u
        new = u + F * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
        new[0], new[-1] = u[0], u[-1]
        u = new
    return U

# %% cellular_automaton
# style: 8-entry lookup table from np.unpackbits(bitorder="little"), neighbours by concatenate-with-0
def cellular_automaton(rule, initial, steps):
    table = np.unpackbits(np.array([rule], dtype=np.uint8), bitorder="little").astype(int)
    row = np.array(initial, dtype=int)
    out = np.empty((steps, row.size), dtype=int)
    for t in range(steps):
        out[t] = row
        left = np.concatenate(([0], row[:-1]))
        right = np.concatenate((row[1:], [0]))
        row = table[4 * left + 2 * row + right]
    return out
