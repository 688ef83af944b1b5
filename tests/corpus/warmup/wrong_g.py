# %% random_walk
# bug: the pattern +1, +1, -1, -1 from a random phase: the mean step is 0 and half the steps change sign,
# as for fair coin flips, but each step follows from the ones before it
# feedback: do not look like independent
def random_walk(n, rng):
    phase = rng.integers(4)
    steps = np.array([1, 1, -1, -1])[(np.arange(n) + phase) % 4]
    return np.concatenate(([0], np.cumsum(steps)))
