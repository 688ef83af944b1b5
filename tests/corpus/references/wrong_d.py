# %% row_norms
# bug: the L1 norm (sum of absolute values) instead of the Euclidean norm
# feedback: absolute values
def row_norms(a):
    return np.abs(a).sum(axis=1, keepdims=True).astype(float)

# %% add_row_vector
# bug: casts the result back to the dtype of x, so int x plus float v is truncated
# feedback: casts the sum back
def add_row_vector(x, v):
    return (x + v).astype(x.dtype)

# %% tint
# bug: a Python loop over the pixels (right values, not vectorized)
# feedback: is not vectorized
def tint(img, factors):
    out = np.empty(img.shape, dtype=np.uint8)
    for i in range(img.shape[0]):
        for j in range(img.shape[1]):
            out[i, j] = np.clip(img[i, j] * np.asarray(factors), 0, 255).astype(np.uint8)
    return out

# %% resize_nearest
# bug: a Python loop over the output rows (right values, not vectorized)
# feedback: is not vectorized
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    cols = np.arange(width) * W // width
    out = np.empty((height, width) + img.shape[2:], dtype=img.dtype)
    for i in range(height):
        out[i] = img[i * H // height][cols]
    return out
