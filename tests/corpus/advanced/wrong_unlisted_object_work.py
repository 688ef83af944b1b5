# Right values, from object-dtype ufuncs (np.frompyfunc over a built-in): C calls a Python
# function once per element, where no Python line runs and no listed built-in takes the
# time. The fourth measure of check_vectorized (the Python objects a call creates,
# counted through what tracing them costs) sees them (issue 25, class 2).

# %% valid_means
# wrong: the row totals reduced by np.frompyfunc(operator.add, 2, 1) over an object array
# feedback: is not vectorized
import operator


def valid_means(x, valid):
    adding = np.frompyfunc(operator.add, 2, 1)
    totals = adding.reduce(np.where(valid, x, 0.0).astype(object), axis=1).astype(float)
    counts = np.count_nonzero(valid, axis=1)
    return np.divide(totals, counts, out=np.full(len(x), np.nan), where=counts > 0)

# %% sum_by_label
# wrong: np.frompyfunc(operator.add, 2, 1).at: unbuffered like np.add.at, but over Python floats
# feedback: is not vectorized
def sum_by_label(values, labels, n):
    totals = np.zeros(n, dtype=object)
    np.frompyfunc(operator.add, 2, 1).at(totals, labels, values.astype(object))
    return totals.astype(float)

# %% drawdown
# wrong: the running peak accumulated by np.frompyfunc(max, 2, 1) over Python floats
# feedback: is not vectorized
def drawdown(prices):
    peaks = np.frompyfunc(max, 2, 1).accumulate(prices.astype(object), axis=1)
    return peaks.astype(float) - prices
