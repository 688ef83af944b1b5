# Right values, from work that C runs over Python objects through functions no list names
# (map over a built-in, itertools, a list assigned into an array slice), or in a fixed number
# of chunks too short for the second measure: no Python line runs per element and no listed
# built-in takes long. The fourth measure of check_vectorized (the Python objects a call
# creates, counted through what tracing them costs) sees them (issue 25, class 2).

# %% random_walk
# wrong: the walk accumulated by itertools.accumulate over the NumPy scalars of the steps, assigned as a list
# feedback: is not vectorized
import itertools
import operator


def random_walk(n, rng):
    steps = rng.choice(np.array([-1, 1]), size=n)
    walk = np.zeros(n + 1, dtype=np.int64)
    walk[1:] = list(itertools.accumulate(steps))
    return walk

# %% find_subsequence
# wrong: each comparison made by map(operator.eq, ...) over the NumPy scalars of seq, assigned back as a list
# feedback: is not vectorized
def find_subsequence(seq, sub):
    seq, sub = np.asarray(seq), np.asarray(sub)
    n, m = len(seq), len(sub)
    if m > n:
        return np.empty(0, dtype=np.intp)
    match = np.ones(n - m + 1, dtype=bool)
    for k in range(m):
        match &= list(map(operator.eq, seq[k:k + n - m + 1], itertools.repeat(sub[k])))
    return np.flatnonzero(match)

# %% negate_between
# wrong: to lists and back in 64 chunks whatever the size, each too short for the second measure
# feedback: is not vectorized
def negate_between(Z, low, high):
    signs = np.where((low < Z) & (Z < high), -1, 1)
    step = len(Z) // 64 + 1
    for start in range(0, len(Z), step):
        part = slice(start, start + step)
        Z[part] = list(map(operator.mul, Z[part].tolist(), signs[part].tolist()))

# %% heat_equation
# wrong: each interior point updated by map over NumPy scalars, the list assigned into the row
# feedback: is not vectorized
def heat_equation(U0, steps, F):
    U = np.empty((steps, len(U0)))
    U[0] = U0
    for n in range(1, steps):
        u = U[n - 1]
        U[n] = u
        change = map(operator.mul, itertools.repeat(F), u[:-2] - 2 * u[1:-1] + u[2:])
        U[n, 1:-1] = list(map(operator.add, u[1:-1], change))
    return U

# %% cellular_automaton
# wrong: the rule table looked up once per cell by map(table.__getitem__, ...), assigned as a list
# feedback: is not vectorized
def cellular_automaton(rule, initial, steps):
    table = [(rule >> code) & 1 for code in range(8)]
    Z = np.zeros((steps, len(initial)), dtype=np.int64)
    Z[0] = initial
    for n in range(1, steps):
        row = np.pad(Z[n - 1], 1)
        Z[n] = list(map(table.__getitem__, 4 * row[:-2] + 2 * row[1:-1] + row[2:]))
    return Z
