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
