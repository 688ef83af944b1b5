# The legacy global random state, seeded from the Generator given: reproducible, so only the
# check that a call leaves np.random's global state untouched can see it.

# %% random_walk
# wrong: np.random.seed from rng, then np.random.choice (the statement forbids np.random.*)
# feedback: used NumPy's legacy global random state
def random_walk(n, rng):
    np.random.seed(int(rng.integers(2**31)))
    return np.concatenate(([0], np.cumsum(np.random.choice([-1, 1], size=n))))
