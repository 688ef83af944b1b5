# %% add_to_selected
# style: take_along_axis / put_along_axis with a column of indices
def add_to_selected(a, cols, value):
    index = np.asarray(cols).reshape(-1, 1)
    np.put_along_axis(a, index, np.take_along_axis(a, index, axis=1) + value, axis=1)

# %% row_norms
# style: einsum for the row-wise dot products, then reshape to a column
def row_norms(a):
    a = np.asarray(a, dtype=float)
    return np.sqrt(np.einsum("ij,ij->i", a, a)).reshape(-1, 1)

# %% add_row_vector
# style: np.add into a new array of the promoted dtype, v as a broadcast_to view (no copy)
def add_row_vector(x, v):
    out = np.empty(x.shape, dtype=np.result_type(x, v))
    np.add(x, np.broadcast_to(v, x.shape), out=out)
    return out

# %% tint
# style: float32 arithmetic in place on a copy, then np.minimum (factors are non-negative) and astype
def tint(img, factors):
    scaled = img.astype(np.float32)
    scaled *= np.asarray(factors, dtype=np.float32)
    np.minimum(scaled, 255, out=scaled)
    return scaled.astype(np.uint8)

# %% resize_nearest
# style: np.repeat of each input row and column as many times as it is used (np.bincount)
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    row_counts = np.bincount(np.arange(height) * H // height, minlength=H)
    col_counts = np.bincount(np.arange(width) * W // width, minlength=W)
    return np.repeat(np.repeat(img, row_counts, axis=0), col_counts, axis=1)
