# %% add_to_selected
# bug: a[:, cols] selects the listed columns in every row (a block), not one element per row
# feedback: in every row
def add_to_selected(a, cols, value):
    a[:, np.unique(np.asarray(cols))] += value

# %% row_norms
# bug: forgets keepdims, so the shape is (rows,) instead of (rows, 1)
# feedback: keepdims
def row_norms(a):
    return np.linalg.norm(a, axis=1)

# %% resize_nearest
# bug: img[rows, cols] pairs rows and columns element by element instead of every row with every column
# feedback: element by element
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    rows = np.arange(height) * H // height
    cols = np.arange(width) * W // width
    return img[rows, cols]
