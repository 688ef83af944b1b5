# Right values, but a copy of v per row (what the statement forbids), made with np.repeat.

# %% add_row_vector
# wrong: np.repeat of v as a row, once per row of x
# feedback: no copy of v per row
def add_row_vector(x, v):
    rows = np.repeat(v[np.newaxis, :], len(x), axis=0)
    return x + rows
