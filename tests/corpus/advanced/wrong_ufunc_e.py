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
