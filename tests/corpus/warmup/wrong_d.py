# %% random_walk
# bug: forgets the leading 0, shape (n,) instead of (n + 1,)
# feedback: leaves out the starting position
def random_walk(n, rng):
    return np.cumsum(rng.choice([-1, 1], size=n))

# %% find_subsequence
# bug: no guard, sliding_window_view raises ValueError when sub is longer than seq
# feedback: sub longer than seq): raised ValueError
from numpy.lib.stride_tricks import sliding_window_view

def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    windows = sliding_window_view(seq, len(sub))
    return np.flatnonzero((windows == sub).all(axis=1))

# %% vector_10_to_49
# bug: starts at 11
# feedback: starts at 11
def vector_10_to_49():
    return np.arange(11, 50)

# %% null_vector
# bug: builds the vector but forgets to return it
# feedback: returns nothing
def null_vector(size, index):
    Z = np.zeros(size)
    Z[index] = 1

# %% reverse
# bug: Z[:-1:-1] is an empty slice
# feedback: returns an empty array
def reverse(Z):
    return Z[:-1:-1]

# %% matrix_0_to_8
# bug: outer sum without the row factor 3: [[0,1,2],[1,2,3],[2,3,4]]
# feedback: starts each row only one above the previous one
def matrix_0_to_8():
    return np.arange(3) + np.arange(3)[:, None]

# %% identity
# bug: np.eye with k=1 puts the ones on the superdiagonal
# feedback: above the main diagonal
def identity(n):
    return np.eye(n, k=1)

# %% border_ones
# bug: zeroes Z[1:, 1:], so only the top row and left column are 1
# feedback: only the first row and column
def border_ones(rows, cols):
    Z = np.ones((rows, cols))
    Z[1:, 1:] = 0
    return Z

# %% negate_between
# bug: | instead of &, so practically every element is negated
# feedback: above low or below high
def negate_between(Z, low, high):
    Z[(Z > low) | (Z < high)] *= -1

# %% nan_results
# bug: claims np.inf > np.nan is True
# feedback: np.inf > np.nan
nan_results = (np.nan, False, True, np.nan, False)

# %% compute_strides
# bug: takes the itemsize from Z.strides[-1], wrong for F-ordered arrays and strided views
# feedback: takes the item size from Z's strides
def compute_strides(Z, order="C"):
    itemsize = abs(Z.strides[-1])
    dims = Z.shape if order == "F" else Z.shape[::-1]
    strides = []
    step = itemsize
    for dim in dims:
        strides.append(step)
        step *= dim
    if order != "F":
        strides.reverse()
    return tuple(strides)

# %% repeat_copy
# bug: slicing a broadcast view with [:] is still a view sharing Z's memory, not a copy
# feedback: it must be a new array
def repeat_copy(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape)[:]

# %% repeat_view
# bug: ndarray.repeat on a new axis allocates a copy (no shared memory, stride != 0)
# feedback: returned a copy; it must be a view
def repeat_view(Z, n):
    return Z[np.newaxis].repeat(n, axis=0)

# %% sliding_window
# bug: fancy indexing with a broadcast index matrix gives the right values but a copy, not a view
# feedback: returned a copy; it must be a view
def sliding_window(Z, size):
    idx = np.arange(len(Z) - size + 1)[:, None] + np.arange(size)
    return Z[idx]

# %% heat_equation
# bug: appends the same array object every step, so every row ends up equal to the last state
# feedback: the same array in every row
def heat_equation(U0, steps, F):
    u = np.array(U0, dtype=float)
    rows = [u]
    for _ in range(1, steps):
        u[1:-1] = u[1:-1] + F * (u[:-2] - 2 * u[1:-1] + u[2:])
        rows.append(u)
    return np.array(rows)

# %% cellular_automaton
# bug: table from np.binary_repr read MSB first, so code k picks bit 7 - k of the rule
# feedback: rule's bits in the wrong order
def cellular_automaton(rule, initial, steps):
    table = np.array([int(b) for b in np.binary_repr(rule, width=8)])
    row = np.asarray(initial, dtype=int)
    out = np.zeros((steps, row.size), dtype=int)
    out[0] = row
    for t in range(1, steps):
        p = np.pad(out[t - 1], 1)
        out[t] = table[4 * p[:-2] + 2 * p[1:-1] + p[2:]]
    return out
