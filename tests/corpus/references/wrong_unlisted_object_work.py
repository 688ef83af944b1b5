# Right values, from map over built-ins (math.hypot, operator.add) fed the rows of the array
# one by one, the list assigned into a new array: no Python line runs per row and no listed
# built-in takes the time. The fourth measure of check_vectorized (the Python objects a
# call creates, counted through what tracing them costs) sees them (issue 25, class 2).

# %% row_norms
# wrong: math.hypot mapped over the columns, one row at a time, assigned into a column
# feedback: is not vectorized
import itertools
import math
import operator


def row_norms(a):
    out = np.empty((len(a), 1))
    out[:, 0] = list(map(math.hypot, *np.asarray(a, dtype=float).T))
    return out

# %% add_row_vector
# wrong: v added to each row by map(operator.add, ...), the list of rows assigned into the result
# feedback: is not vectorized
def add_row_vector(x, v):
    out = np.empty(x.shape, dtype=np.result_type(x, v))
    out[:] = list(map(operator.add, x, itertools.repeat(v)))
    return out
