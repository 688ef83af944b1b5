# %% random_walk
# bug: steps are drawn from {0, 1} instead of {-1, +1}
# feedback: moves by 0 or +1
def random_walk(n, rng):
    steps = rng.integers(0, 2, size=n)
    return np.concatenate(([0], np.cumsum(steps)))

# %% find_subsequence
# bug: returns the boolean match mask instead of the start indices
# feedback: boolean mask
from numpy.lib.stride_tricks import sliding_window_view

def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    if len(sub) > len(seq):
        return np.zeros(0, dtype=bool)
    return (sliding_window_view(seq, len(sub)) == sub).all(axis=1)

# %% vector_10_to_49
# bug: np.linspace defaults to 50 points, so the values are not 10, 11, ..., 49
# feedback: np.linspace
def vector_10_to_49():
    return np.linspace(10, 49)

# %% null_vector
# bug: integer zeros instead of float
# feedback: floating-point dtype
def null_vector(size, index):
    Z = np.zeros(size, dtype=int)
    Z[index] = 1
    return Z

# %% reverse
# bug: slice stop 0 is exclusive, so the first element is dropped
# feedback: leaves out the first element
def reverse(Z):
    return Z[-1:0:-1]

# %% matrix_0_to_8
# bug: values 1..9 instead of 0..8
# feedback: holds 1 to 9
def matrix_0_to_8():
    return np.arange(1, 10).reshape(3, 3)

# %% identity
# bug: anti-diagonal (np.fliplr of the identity)
# feedback: anti-diagonal
def identity(n):
    return np.fliplr(np.eye(n))

# %% border_ones
# bug: interior slice 1:-2 leaves a two-cell-thick border at the bottom and right
# feedback: two cells thick
def border_ones(rows, cols):
    Z = np.ones((rows, cols))
    Z[1:-2, 1:-2] = 0
    return Z

# %% negate_between
# bug: returns a new array with np.where and leaves Z unchanged
# feedback: leaves Z unchanged
def negate_between(Z, low, high):
    return np.where((Z > low) & (Z < high), -Z, Z)

# %% nan_results
# bug: claims 0 * np.nan is 0
# feedback: 0 * np.nan
nan_results = (0.0, False, False, np.nan, False)

# %% compute_strides
# bug: C and F swapped
# feedback: swaps the orders
def compute_strides(Z, order="C"):
    other = "F" if order == "C" else "C"
    return np.empty(Z.shape, dtype=Z.dtype, order=other).strides

# %% repeat_copy
# bug: np.tile(Z, n) concatenates along Z's own axis: shape (n*len(Z),) for 1-D Z
# feedback: joins the copies end to end
def repeat_copy(Z, n):
    return np.tile(Z, n)

# %% repeat_view
# bug: Python loop building a stacked copy (no shared memory, not vectorized)
# feedback: returned a copy; it must be a view
def repeat_view(Z, n):
    return np.stack([Z for _ in range(n)])

# %% sliding_window
# bug: list of slices turned into a new array: a copy built by a Python loop
# feedback: returned a copy; it must be a view
def sliding_window(Z, size):
    return np.array([Z[i:i + size] for i in range(len(Z) - size + 1)])

# %% heat_equation
# bug: np.roll wraps around, and the two end values are not kept
# feedback: wraps around at the ends
def heat_equation(U0, steps, F):
    u = np.array(U0, dtype=float)
    U = np.zeros((steps, u.size))
    for t in range(steps):
        U[t] = u
        u = u + F * (np.roll(u, 1) - 2 * u + np.roll(u, -1))
    return U

# %% cellular_automaton
# bug: np.roll wraps around at the edges instead of treating outside cells as 0
# feedback: wraps around at the edges
def cellular_automaton(rule, initial, steps):
    table = np.array([(rule >> k) & 1 for k in range(8)])
    row = np.array(initial, dtype=int)
    out = np.zeros((steps, row.size), dtype=int)
    for t in range(steps):
        out[t] = row
        row = table[4 * np.roll(row, 1) + 2 * row + np.roll(row, -1)]
    return out
