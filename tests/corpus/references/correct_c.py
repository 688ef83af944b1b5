# %% add_to_selected
# style: negative indices made positive with % n, then an explicit read, add and write back
def add_to_selected(a, cols, value):
    m, n = a.shape
    cols = np.asarray(cols) % n
    rows = np.arange(m)
    a[rows, cols] = a[rows, cols] + value

# %% row_norms
# style: np.hypot.reduce along each row, then a new axis
def row_norms(a):
    return np.hypot.reduce(np.asarray(a, dtype=float), axis=1)[:, None]

# %% add_row_vector
# style: a copy of x, then in-place addition of v (broadcast), in the dtype of x + v
def add_row_vector(x, v):
    out = x.astype(np.result_type(x, v), copy=True)
    out += v
    return out

# %% tint
# style: np.floor of the clipped product, reshape of the factors to (1, 1, 3)
def tint(img, factors):
    product = img * np.reshape(np.asarray(factors, dtype=float), (1, 1, 3))
    return np.floor(np.clip(product, 0, 255)).astype(np.uint8)

# %% resize_nearest
# style: take along each axis; the indices are computed with float division of exact integers
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    rows = (np.arange(height) * H / height).astype(np.intp)
    cols = (np.arange(width) * W / width).astype(np.intp)
    return img.take(rows, axis=0).take(cols, axis=1)
