# Correct answers written as Python loops, whose code objects were rebuilt without line
# numbers (``code.replace(co_linetable=...)``, every entry "no location") so that they run no line events: each
# must still lose its vectorization point (course.grading.probe flags such code).
# `_unlined`, defined in the first answer cell, serves the later ones (one namespace).

# %% random_walk
# wrong: a Python loop with its line numbers removed
# feedback: could not be measured
def _unlined(function):
    """The same function, its code object rebuilt so that no instruction has a line number."""
    units, table = len(function.__code__.co_code) // 2, bytearray()
    while units:
        run = min(units, 8)
        table.append(0x80 | (15 << 3) | (run - 1))  # a "no location" entry for `run` code units
        units -= run
    function.__code__ = function.__code__.replace(co_linetable=bytes(table))
    return function


@_unlined
def random_walk(n, rng):
    steps = rng.choice(np.array([-1, 1]), size=n)
    walk = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        walk[i + 1] = walk[i] + steps[i]
    return walk


# %% find_subsequence
# wrong: a Python loop with its line numbers removed
# feedback: could not be measured
@_unlined
def find_subsequence(seq, sub):
    seq, sub = list(seq), list(sub)
    found = []
    for i in range(len(seq) - len(sub) + 1):
        j = 0
        while j < len(sub) and seq[i + j] == sub[j]:
            j += 1
        if j == len(sub):
            found.append(i)
    return np.array(found, dtype=np.int64)


# %% negate_between
# wrong: a Python loop with its line numbers removed
# feedback: could not be measured
@_unlined
def negate_between(Z, low, high):
    for i in range(len(Z)):
        if low < Z[i] < high:
            Z[i] = -Z[i]

