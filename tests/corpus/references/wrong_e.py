# %% tint
# bug: scales by the factors as integers (uint8), so 0.95 becomes 0 and 1.5 becomes 1
# feedback: factors to integers
def tint(img, factors):
    return np.clip(img * np.asarray(factors).astype(np.uint8), 0, 255).astype(np.uint8)

# %% resize_nearest
# bug: assumes three channels (H, W, C = img.shape), so gray (H, W) images fail
# feedback: gray float32 (H, W), shrinking by non-integer factors): raised ValueError
def resize_nearest(img, height, width):
    H, W, C = img.shape
    return img[np.ix_(np.arange(height) * H // height, np.arange(width) * W // width, np.arange(C))]

# %% add_row_vector
# bug: returns a read-only broadcast view of the sum of the first row only
# feedback: first row
def add_row_vector(x, v):
    return np.broadcast_to(x[0] + v, x.shape)

# %% row_norms
# bug: the norm of the whole array (a scalar) broadcast to a column
# feedback: one norm for the whole array
def row_norms(a):
    return np.full((len(a), 1), np.linalg.norm(a))
