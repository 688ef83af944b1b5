# %% add_to_selected
# bug: works on a copy (fancy indexing reads a copy), so a is never changed; returns the copy
# feedback: leaves a unchanged
def add_to_selected(a, cols, value):
    selected = a[np.arange(len(a)), np.asarray(cols)]
    selected += value
    return selected

# %% row_norms
# bug: norms of the columns (axis=0) instead of the rows
# feedback: norms of the columns
def row_norms(a):
    return np.linalg.norm(a, axis=0, keepdims=True).T

# %% add_row_vector
# bug: v as a column: adds v[i] to row i instead of v[j] to column j (fails unless x is square)
# feedback: v as a column
def add_row_vector(x, v):
    return x + v.reshape(-1, 1)

# %% tint
# bug: rounds to the nearest integer instead of truncating toward zero
# feedback: rounds to the nearest
def tint(img, factors):
    return np.round(np.clip(img * np.asarray(factors), 0, 255)).astype(np.uint8)
