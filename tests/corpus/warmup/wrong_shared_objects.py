# Right values, from work that C runs over Python objects that already exist: Python's small
# ints (-5 to 256) are shared, so mapping them through a lookup table, or adding them up with
# an object-dtype ufunc, creates next to no object per element. Only the third measure of
# check_vectorized sees it: the whole call's CPU time, unwatched, against the reference's
# (issue 25, class 2).

# %% random_walk
# wrong: the walk accumulated by np.frompyfunc(operator.add, 2, 1) over the steps as Python ints
# (issue 25's own example: a walk built with an object-dtype ufunc)
# feedback: is not vectorized
import operator


def random_walk(n, rng):
    steps = rng.choice(np.array([-1, 1]), size=n).astype(object)
    walk = np.zeros(n + 1, dtype=np.int64)
    walk[1:] = np.frompyfunc(operator.add, 2, 1).accumulate(steps)
    return walk

# %% cellular_automaton
# wrong: the rule table looked up per cell by map over .tolist() (codes 0 to 7, results 0 or 1)
# feedback: is not vectorized
def cellular_automaton(rule, initial, steps):
    table = [(rule >> code) & 1 for code in range(8)]
    Z = np.zeros((steps, len(initial)), dtype=np.int64)
    Z[0] = initial
    for n in range(1, steps):
        row = np.pad(Z[n - 1], 1)
        Z[n] = list(map(table.__getitem__, (4 * row[:-2] + 2 * row[1:-1] + row[2:]).tolist()))
    return Z
