# %% add_row_vector
# style: v tiled into the result, then x added in place: one array of x's size, as broadcasting holds
def add_row_vector(x, v):
    result = np.tile(v.astype(np.result_type(x, v)), (x.shape[0], 1))
    result += x
    return result
