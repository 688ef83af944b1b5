# %% random_walk
# style: rng.choice with the probabilities spelled out, p=[0.5, 0.5]; the walk built with np.cumsum(initial-less) and np.pad
def random_walk(n, rng):
    steps = rng.choice(np.array([-1, 1]), size=n, p=[0.5, 0.5])
    return np.pad(np.cumsum(steps), (1, 0))

# %% heat_equation
# style: follows the statement's hint, sliding_window_view(u, 3) for the neighbours, with grids shorter than 3 as their own case
def heat_equation(U0, steps, F):
    u = np.asarray(U0, dtype=float)
    U = np.empty((steps, len(u)))
    U[0] = u
    for n in range(1, steps):
        U[n] = U[n - 1]
        if len(u) >= 3:
            left, centre, right = sliding_window_view(U[n - 1], 3).T
            U[n, 1:-1] = centre + F * (left - 2 * centre + right)
    return U
