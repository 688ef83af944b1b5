# %% add_to_selected
# bug: a[:, cols] selects the listed columns in every row (a block), not one element per row
def add_to_selected(a, cols, value):
    a[:, np.unique(np.asarray(cols))] += value

# %% row_norms
# bug: forgets keepdims, so the shape is (rows,) instead of (rows, 1)
def row_norms(a):
    return np.linalg.norm(a, axis=1)

# %% add_row_vector
# bug: adds in place and returns x itself: x is modified and the result is not a new array
def add_row_vector(x, v):
    x += v
    return x

# %% tint
# bug: converts to uint8 without clipping, so values above 255 wrap around (the cheat sheet's np.uint8)
def tint(img, factors):
    return np.uint8(img * np.asarray(factors))

# %% resize_nearest
# bug: img[rows, cols] pairs rows and columns element by element instead of every row with every column
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    rows = np.arange(height) * H // height
    cols = np.arange(width) * W // width
    return img[rows, cols]
