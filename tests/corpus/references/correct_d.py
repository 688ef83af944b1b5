# %% resize_nearest
# style: the hint (broadcast row column and column row), two-step indexing for the columns
def resize_nearest(img, height, width):
    rows = np.arange(height) * img.shape[0] // height
    cols = np.arange(width) * img.shape[1] // width
    return img[rows][:, cols]

# %% tint
# style: the notebook's hint with a tuple of factors as given; the product is float64
def tint(img, factors):
    return np.clip(img * factors, 0, 255).astype(np.uint8)

# %% add_row_vector
# style: np.add
def add_row_vector(x, v):
    return np.add(x, v)
