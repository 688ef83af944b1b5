# %% random_walk
# bug: steps biased by 1 % (p=[0.495, 0.505]): reproducible and drawn from rng, but not a fair coin
# feedback: do not look like independent, equally likely
def random_walk(n, rng):
    steps = rng.choice(np.array([-1, 1]), size=n, p=[0.495, 0.505])
    return np.concatenate(([0], np.cumsum(steps)))

# %% repeat_view
# bug: written for the 1-D examples only: shape (n, len(Z)) and strides (0, Z.strides[0]), so a 2-D Z gives n copies of its first column
# feedback: handles only 1-D arrays
from numpy.lib.stride_tricks import as_strided

def repeat_view(Z, n):
    return as_strided(Z, shape=(n, len(Z)), strides=(0, Z.strides[0]), writeable=False)

# %% heat_equation
# bug: follows the hint with sliding_window_view(u, 3) but forgets the short grids: one or two points raise ValueError
# feedback: one point): raised ValueError
def heat_equation(U0, steps, F):
    U = [np.asarray(U0, dtype=float)]
    for _ in range(1, steps):
        u = U[-1]
        left, centre, right = sliding_window_view(u, 3).T
        U.append(np.concatenate(([u[0]], centre + F * (left - 2 * centre + right), [u[-1]])))
    return np.array(U)
