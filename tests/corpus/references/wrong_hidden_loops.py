# Correct answers written as Python loops, whose code objects were rebuilt without line
# numbers (``code.replace(co_linetable=...)``, every entry "no location") so that they run no line events: each
# must still lose its vectorization point (course.grading.probe flags such code).
# `_unlined`, defined in the first answer cell, serves the later ones (one namespace).

# %% add_to_selected
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
def add_to_selected(a, cols, value):
    for i in range(a.shape[0]):
        a[i, cols[i]] += value


# %% row_norms
# wrong: a Python loop with its line numbers removed
# feedback: could not be measured
import math


@_unlined
def row_norms(a):
    out = np.empty((a.shape[0], 1))
    for i in range(a.shape[0]):
        out[i, 0] = math.sqrt(a[i] @ a[i])  # no NumPy function written in Python: no line events
    return out

