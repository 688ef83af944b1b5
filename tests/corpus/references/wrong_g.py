# %% resize_nearest
# bug: a shortcut that returns img itself when the size does not change: the caller's image and the
# "resized" one are then the same array (a view, not a new array)
# feedback: it must be a new array
def resize_nearest(img, height, width):
    H, W = img.shape[:2]
    if (height, width) == (H, W):
        return img
    return img[(np.arange(height) * H // height)[:, None], np.arange(width) * W // width]

# %% tint
# bug: a shortcut that returns img itself when every factor is 1 (not a new array)
# feedback: it must be a new array
def tint(img, factors):
    if np.all(np.asarray(factors) == 1):
        return img
    return np.clip(img * np.asarray(factors), 0, 255).astype(np.uint8)

# %% row_norms
# bug: computes in single precision (float32) and casts back: about 7 significant digits, not 16
# feedback: 7 significant digits only
def row_norms(a):
    return np.linalg.norm(np.asarray(a, dtype=np.float32), axis=1, keepdims=True).astype(np.float64)
