# Right values, but a copy of v per row (what the statement forbids): the vectorization
# test measures the memory the call holds and takes the point.

# %% add_row_vector
# wrong: np.tile makes the (rows, columns) copy of v that broadcasting avoids
# feedback: no copy of v per row
def add_row_vector(x, v):
    return x + np.tile(v, (x.shape[0], 1))
