# %% random_walk
# style: uniform rng.random() thresholded with np.where, leading 0 added with np.insert
def random_walk(n, rng):
    steps = np.where(rng.random(n) < 0.5, -1, 1)
    return np.insert(np.cumsum(steps), 0, 0)

# %% find_subsequence
# style: fancy-index window matrix (arange broadcast), np.where(...)[0]
def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    n_starts = len(seq) - len(sub) + 1
    if n_starts <= 0:
        return np.zeros(0, dtype=int)
    idx = np.arange(n_starts)[:, None] + np.arange(len(sub))
    match = (seq[idx] == sub).all(axis=1)
    return np.where(match)[0]

# %% vector_10_to_49
# style: np.r_ slice notation
def vector_10_to_49():
    return np.r_[10:50]

# %% null_vector
# style: np.full with 0.0 and assignment through .flat
def null_vector(size, index):
    Z = np.full(size, 0.0)
    Z.flat[index] = 1.0
    return Z

# %% reverse
# style: fancy indexing with a descending arange (a copy)
def reverse(Z):
    return Z[np.arange(len(Z) - 1, -1, -1)]

# %% matrix_0_to_8
# style: np.add.outer of row offsets and column indices
def matrix_0_to_8():
    return np.add.outer(3 * np.arange(3), np.arange(3))

# %% identity
# style: zeros + np.fill_diagonal
def identity(n):
    Z = np.zeros((n, n))
    np.fill_diagonal(Z, 1)
    return Z

# %% border_ones
# style: boolean mask from broadcast row/column index comparisons, cast to int
def border_ones(rows, cols):
    r = np.arange(rows)[:, None]
    c = np.arange(cols)[None, :]
    mask = (r == 0) | (r == rows - 1) | (c == 0) | (c == cols - 1)
    return mask.astype(int)

# %% negate_between
# style: np.putmask with the negated array
def negate_between(Z, low, high):
    mask = (low < Z) & (Z < high)
    np.putmask(Z, mask, -Z)
    return None

# %% nan_results
# style: explicit NumPy scalar types and float('nan')
nan_results = (np.float64("nan"), np.False_, np.bool_(False), float("nan"), np.bool_(0.3 == 3 * 0.1))

# %% compute_strides
# style: strides of a freshly allocated np.empty with the requested order
def compute_strides(Z, order="C"):
    return np.empty(Z.shape, dtype=Z.dtype, order=order).strides

# %% repeat_copy
# style: np.repeat along a new leading axis
def repeat_copy(Z, n):
    return np.repeat(Z[np.newaxis], n, axis=0)

# %% repeat_view
# style: np.broadcast_arrays against a tiny (n, 1, ...) dummy, keeping Z's broadcast view
def repeat_view(Z, n):
    dummy = np.empty((n,) + (1,) * Z.ndim, dtype=np.int8)
    _, R = np.broadcast_arrays(dummy, Z)
    return R

# %% sliding_window
# style: as_strided with strides=Z.strides * 2, read-only
import numpy.lib.stride_tricks as st

def sliding_window(Z, size):
    return st.as_strided(Z, shape=(len(Z) - size + 1, size), strides=Z.strides * 2, writeable=False)

# %% heat_equation
# style: second difference with np.diff(u, 2), rows collected in a list
def heat_equation(U0, steps, F):
    u = np.array(U0, dtype=float)
    rows = []
    for _ in range(steps):
        rows.append(u)
        nxt = u.copy()
        nxt[1:-1] += F * np.diff(u, 2)
        u = nxt
    return np.array(rows, dtype=float).reshape(steps, u.size)

# %% cellular_automaton
# style: table from np.binary_repr (LSB first), zero-padded preallocated grid, interior columns returned
def cellular_automaton(rule, initial, steps):
    table = np.array([int(b) for b in np.binary_repr(rule, width=8)[::-1]])
    cells = np.asarray(initial, dtype=int)
    grid = np.zeros((steps, cells.size + 2), dtype=int)
    grid[:1, 1:-1] = cells
    for t in range(1, steps):
        prev = grid[t - 1]
        grid[t, 1:-1] = table[4 * prev[:-2] + 2 * prev[1:-1] + prev[2:]]
    return grid[:, 1:-1]
