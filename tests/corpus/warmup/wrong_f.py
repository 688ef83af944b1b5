# %% random_walk
# bug: steps biased by 3 % (p=[0.485, 0.515]), the example of the review that used to get full marks
# feedback: do not look like independent, equally likely
def random_walk(n, rng):
    walk = np.zeros(n + 1, dtype=np.int64)
    walk[1:] = np.cumsum(np.where(rng.random(n) < 0.485, -1, 1))
    return walk
