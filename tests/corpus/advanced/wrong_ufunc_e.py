# %% valid_means
# bug: np.mean's axis=0 averages each column (each hour) over the sensors, not each row
# feedback: averages down the columns
def valid_means(x, valid):
    return np.mean(x, axis=0, where=valid)

# %% drawdown
# bug: right, but a Python loop over the days carries the peak along
# feedback: not vectorized
def drawdown(prices):
    result = np.empty(prices.shape)
    peak = prices[:, 0].copy()
    for t in range(prices.shape[1]):
        peak = np.maximum(peak, prices[:, t])
        result[:, t] = peak - prices[:, t]
    return result
