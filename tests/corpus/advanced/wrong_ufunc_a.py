# The typical mistakes of the ufunc section, one per exercise.

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
