# %% add_to_selected
def add_to_selected(a, cols, value):
    # Bob's loop gives the right values but is not vectorized.
    for i, j in enumerate(cols):
        a[i, j] += value

# %% row_norms
def row_norms(a):
    # Bob forgets keepdims: shape (m,) instead of (m, 1).
    return np.sqrt((a ** 2).sum(axis=1))
