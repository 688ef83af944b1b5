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
