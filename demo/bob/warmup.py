# %% random_walk
# style: 2*rng.integers(0, 2)-1 steps, cumsum written into a preallocated int array via out=
def random_walk(n, rng):
    walk = np.zeros(n + 1, dtype=int)
    steps = 2 * rng.integers(0, 2, size=n) - 1
    np.cumsum(steps, out=walk[1:])
    return walk

# %% find_subsequence
# bug: the seed's off-by-one ported to arange(len(seq) - len(sub)): a match ending on the last element is missed
def find_subsequence(seq, sub):
    seq = np.asarray(seq)
    sub = np.asarray(sub)
    n_starts = len(seq) - len(sub)
    if n_starts <= 0:
        return np.zeros(0, dtype=int)
    idx = np.arange(n_starts)[:, None] + np.arange(len(sub))
    return np.flatnonzero((seq[idx] == sub).all(axis=1))

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
# bug: shape (rows, rows): wrong for non-square requests
def border_ones(rows, cols):
    Z = np.ones((rows, rows))
    Z[1:-1, 1:-1] = 0
    return Z

# %% negate_between
# bug: Python loop over the elements (right result, not vectorized)
def negate_between(Z, low, high):
    for i in range(len(Z)):
        if low < Z[i] < high:
            Z[i] = -Z[i]

# %% nan_results
# bug: claims np.nan == np.nan is True
nan_results = (np.nan, True, False, np.nan, False)

# %% compute_strides
# bug: returns Z.strides, which is wrong for views and for the other order
def compute_strides(Z, order="C"):
    return Z.strides

# %% repeat_copy
# style: np.broadcast_to(...).copy()
def repeat_copy(Z, n):
    return np.broadcast_to(Z, (n,) + Z.shape).copy()

# %% repeat_view
# bug: np.tile copies the data instead of returning a view
def repeat_view(Z, n):
    return np.tile(Z, (n,) + (1,) * Z.ndim)

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

