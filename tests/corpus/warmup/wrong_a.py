# %% random_walk
# bug: draws the steps from the global np.random state, ignoring the given rng (equal rng states give different walks)
# feedback: used NumPy's legacy global random state
def random_walk(n, rng):
    steps = np.random.choice([-1, 1], size=n)
    return np.concatenate(([0], np.cumsum(steps)))

# %% find_subsequence
# bug: the seed's off-by-one ported to arange(len(seq) - len(sub)): a match ending on the last element is missed
# feedback: misses a match that ends on the last element
def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    n_starts = len(seq) - len(sub)
    if n_starts <= 0:
        return np.zeros(0, dtype=int)
    idx = np.arange(n_starts)[:, None] + np.arange(len(sub))
    return np.flatnonzero((seq[idx] == sub).all(axis=1))

# %% vector_10_to_49
# bug: arange's stop is exclusive, so 49 is missing
# feedback: leaves out 49
def vector_10_to_49():
    return np.arange(10, 49)

# %% null_vector
# bug: the 1 is put at index + 1
# feedback: one position after index
def null_vector(size, index):
    Z = np.zeros(size)
    Z[index + 1] = 1
    return Z

# %% reverse
# bug: sorts in descending order instead of reversing
# feedback: sorts the values in descending order
def reverse(Z):
    return np.sort(Z)[::-1]

# %% matrix_0_to_8
# bug: transposed (filled column by column)
# feedback: is transposed
def matrix_0_to_8():
    return np.arange(9).reshape(3, 3).T

# %% identity
# bug: all ones instead of ones on the diagonal
# feedback: fills every entry with 1
def identity(n):
    return np.ones((n, n))

# %% border_ones
# bug: shape (rows, rows): wrong for non-square requests
# feedback: square of side rows
def border_ones(rows, cols):
    Z = np.ones((rows, rows))
    Z[1:-1, 1:-1] = 0
    return Z

# %% negate_between
# bug: uses <= / >=, so the bounds themselves are negated too
# feedback: equal to low or high
def negate_between(Z, low, high):
    Z[(Z >= low) & (Z <= high)] *= -1

# %% nan_results
# bug: claims np.nan == np.nan is True
# feedback: np.nan == np.nan
nan_results = (np.nan, True, False, np.nan, False)

# %% compute_strides
# bug: returns Z.strides, which is wrong for views and for the other order
# feedback: returns Z's own strides
def compute_strides(Z, order="C"):
    return Z.strides

# %% repeat_copy
# bug: np.broadcast_to returns a read-only view of Z, not a copy
# feedback: it must be a new array
def repeat_copy(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape)

# %% repeat_view
# bug: np.tile copies the data instead of returning a view
# feedback: returned a copy; it must be a view
def repeat_view(Z, n):
    return np.tile(Z, (n,) + (1,) * Z.ndim)

# %% sliding_window
# bug: strides computed from itemsize, only right for contiguous Z
# feedback: steps through memory by the item size
from numpy.lib.stride_tricks import as_strided

def sliding_window(Z, size):
    return as_strided(Z, shape=(len(Z) - size + 1, size), strides=(Z.itemsize, Z.itemsize))

# %% heat_equation
# bug: Gauss-Seidel style: updates the row in place cell by cell, so u[i-1] is already the new value (also a loop over space)
# feedback: already the new value
def heat_equation(U0, steps, F):
    u = np.array(U0, dtype=float)
    U = np.zeros((steps, u.size))
    U[0] = u
    for t in range(1, steps):
        for i in range(1, u.size - 1):
            u[i] = u[i] + F * (u[i - 1] - 2 * u[i] + u[i + 1])
        U[t] = u
    return U

# %% cellular_automaton
# bug: mirrored bit order: code = left + 2*centre + 4*right
# feedback: reads the neighbourhood mirrored
def cellular_automaton(rule, initial, steps):
    row = np.asarray(initial, dtype=int)
    out = np.zeros((steps, row.size), dtype=int)
    out[0] = row
    for t in range(1, steps):
        p = np.pad(out[t - 1], 1)
        code = p[:-2] + 2 * p[1:-1] + 4 * p[2:]
        out[t] = (rule >> code) & 1
    return out
