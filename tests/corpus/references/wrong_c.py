# %% add_to_selected
# bug: flat indices row * n + col into a.ravel(): wrong for negative columns, and lost on a
# non-contiguous array, where ravel returns a copy
# feedback: flat positions
def add_to_selected(a, cols, value):
    m, n = a.shape
    flat = a.ravel()
    flat[np.arange(m) * n + np.asarray(cols)] += value

# %% row_norms
# bug: a Python loop over the rows (right values, not vectorized)
# feedback: is not vectorized
def row_norms(a):
    out = np.empty((len(a), 1))
    for i, row in enumerate(a):
        out[i, 0] = np.sqrt(np.sum(row.astype(float) ** 2))
    return out

# %% add_row_vector
# bug: a Python loop over the rows (right values, not vectorized)
# feedback: is not vectorized
def add_row_vector(x, v):
    out = np.empty(x.shape, dtype=np.result_type(x, v))
    for i in range(x.shape[0]):
        out[i] = x[i] + v
    return out

# %% tint
# bug: tints img in place (and fails on a read-only image), then returns img itself
# feedback: modified its first argument
def tint(img, factors):
    img[...] = np.clip(img * np.asarray(factors), 0, 255)
    return img

# %% resize_nearest
# bug: builds the output with np.zeros, whose dtype is float64 whatever the input's dtype
# feedback: input's dtype
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    out = np.zeros((height, width) + img.shape[2:])
    out[...] = img[(np.arange(height) * H // height)[:, None], np.arange(width) * W // width]
    return out
