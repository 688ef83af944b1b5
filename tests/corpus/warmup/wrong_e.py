# %% random_walk
# bug: steps biased by 1 % (p=[0.495, 0.505]): reproducible and drawn from rng, but not a fair coin
def random_walk(n, rng):
    steps = rng.choice(np.array([-1, 1]), size=n, p=[0.495, 0.505])
    return np.concatenate(([0], np.cumsum(steps)))

# %% heat_equation
# bug: follows the hint with sliding_window_view(u, 3) but forgets the short grids: one or two points raise ValueError
def heat_equation(U0, steps, F):
    U = [np.asarray(U0, dtype=float)]
    for _ in range(1, steps):
        u = U[-1]
        left, centre, right = sliding_window_view(u, 3).T
        U.append(np.concatenate(([u[0]], centre + F * (left - 2 * centre + right), [u[-1]])))
    return np.array(U)
