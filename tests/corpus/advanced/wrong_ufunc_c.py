# %% valid_means
# bug: np.maximum(counts, 1) avoids the division by zero, and gives 0.0 for an empty row instead of NaN
# feedback: gives 0.0 for a row without any valid measurement
def valid_means(x, valid):
    counts = valid.sum(axis=1)
    return np.add.reduce(x, axis=1, where=valid) / np.maximum(counts, 1)

# %% sum_by_label
# bug: np.bincount without minlength stops at the largest label that occurs
# feedback: stops at the largest label
def sum_by_label(values, labels, n):
    return np.bincount(labels, weights=values)

# %% drawdown
# bug: subtracts the other way round: the price minus the peak, never positive
# feedback: the peak minus the price
def drawdown(prices):
    return prices - np.maximum.accumulate(prices, axis=1)
