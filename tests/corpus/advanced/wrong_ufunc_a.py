# The typical mistakes of the ufunc section, one per exercise.

# %% valid_means
# bug: the invalid entries become 0 but still count in the mean's denominator
# feedback: divides by the number of all the entries
def valid_means(x, valid):
    return np.where(valid, x, 0.0).mean(axis=1)

# %% sum_by_label
# bug: fancy-index += keeps one value per repeated label (the last written), not their sum
# feedback: keeps only one value of a repeated label
def sum_by_label(values, labels, n):
    totals = np.zeros(n)
    totals[labels] += values
    return totals

# %% drawdown
# bug: np.maximum.accumulate's default axis is 0: the running maximum runs down the columns, across assets
# feedback: down the columns
def drawdown(prices):
    return np.maximum.accumulate(prices) - prices
