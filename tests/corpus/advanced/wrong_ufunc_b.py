# %% valid_means
# bug: multiplies by the mask to drop the invalid entries, but NaN * 0 is NaN
# feedback: NaN times 0 is NaN
def valid_means(x, valid):
    return (x * valid).sum(axis=1) / valid.sum(axis=1)

# %% sum_by_label
# bug: np.bincount without weights counts the labels instead of adding the values
# feedback: counts the labels
def sum_by_label(values, labels, n):
    return np.bincount(labels, minlength=n)

# %% drawdown
# bug: the peak is the highest price of the whole row, later days included
# feedback: later days included
def drawdown(prices):
    return prices.max(axis=1, keepdims=True) - prices
