# %% valid_means
# bug: right, but a Python loop over the rows
# feedback: not vectorized
def valid_means(x, valid):
    means = np.full(len(x), np.nan)
    for i in range(len(x)):
        if valid[i].any():
            means[i] = x[i][valid[i]].mean()
    return means

# %% sum_by_label
# bug: right, but a Python loop over the values: it loses the vectorization point
# feedback: not vectorized
def sum_by_label(values, labels, n):
    totals = np.zeros(n)
    for value, label in zip(values, labels):
        totals[label] += value
    return totals

# %% drawdown
# bug: right values, but out=prices writes them into the caller's array
# feedback: must leave its input unchanged
def drawdown(prices):
    return np.subtract(np.maximum.accumulate(prices, axis=1), prices, out=prices)
