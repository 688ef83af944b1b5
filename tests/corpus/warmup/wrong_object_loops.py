# Right values, computed by loops that C runs over Python objects (map, itertools, functools,
# sum, a list and back): no Python line runs per element, so only the second measure of
# check_vectorized (time spent in built-ins that go through Python objects) can see them.

# %% random_walk
# wrong: the introduction's itertools version, on a list of Python ints
# feedback: is not vectorized
import functools
import itertools
import operator


def random_walk(n, rng):
    steps = rng.choice([-1, 1], size=n).tolist()
    return np.array(list(itertools.accumulate(steps, initial=0)))

# %% find_subsequence
# wrong: a list of window comparisons made by map over Python tuples
# feedback: is not vectorized
def find_subsequence(seq, sub):
    seq, sub = np.asarray(seq), tuple(np.asarray(sub).tolist())
    m = len(sub)
    if m > len(seq):
        return np.array([], dtype=int)
    values = seq.tolist()
    windows = zip(*(values[k:len(values) - m + 1 + k] for k in range(m)))
    return np.flatnonzero(np.fromiter(map(sub.__eq__, windows), dtype=bool, count=len(values) - m + 1))

# %% negate_between
# wrong: to a list and back (the signs are found with NumPy, applied to Python ints by map)
# feedback: is not vectorized
def negate_between(Z, low, high):
    signs = np.where((Z > low) & (Z < high), -1, 1)
    Z[...] = np.array(list(map(operator.mul, Z.tolist(), signs.tolist())))

# %% cellular_automaton
# wrong: each new row made by map over the neighbourhoods, as Python ints
# feedback: is not vectorized
def cellular_automaton(rule, initial, steps):
    out = np.zeros((steps, len(initial)), dtype=int)
    out[0] = initial
    table = [(rule >> code) & 1 for code in range(8)]
    for t in range(1, steps):
        p = [0] + out[t - 1].tolist() + [0]
        codes = map(operator.add, map(operator.mul, p[:-2], itertools.repeat(4)),
                    map(operator.add, map(operator.mul, p[1:-1], itertools.repeat(2)), p[2:]))
        out[t] = np.fromiter(map(table.__getitem__, codes), dtype=int, count=len(initial))
    return out
