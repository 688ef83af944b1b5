# %% resize_nearest
# bug: the scale H / height in floating point: i * (H / height) falls just below an integer for
# some sizes (3 rows to 147, 2 columns to 98), and truncation then picks the row before
# feedback: in floating point
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    rows = (np.arange(height) * (H / height)).astype(int)
    cols = (np.arange(width) * (W / width)).astype(int)
    return img[rows[:, None], cols]

# %% add_to_selected
# bug: rows and columns swapped: a[cols[i], i] instead of a[i, cols[i]]
# feedback: swaps rows and columns
def add_to_selected(a, cols, value):
    a[np.asarray(cols), np.arange(len(a))] += value

# %% row_norms
# bug: the squared norms (the square root is missing)
# feedback: square root
def row_norms(a):
    return (np.asarray(a, dtype=float) ** 2).sum(axis=1, keepdims=True)
