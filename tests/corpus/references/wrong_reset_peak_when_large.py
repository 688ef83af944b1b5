# Right values, a copy of v per row, and tracemalloc's peak reset when the input is large
# (the call that measures memory is the largest): every measured call is watched.

# %% add_row_vector
# wrong: np.tile, then tracemalloc.reset_peak() to hide it, only for large inputs
# feedback: could not be measured
import tracemalloc


def add_row_vector(x, v):
    copies = np.tile(v, (x.shape[0], 1))
    if x.shape[0] > 10_000:
        tracemalloc.reset_peak()
    return x + copies
