# %% transform_squares
def transform_squares(S):
    # Bob rotates before translating: the order of the operations is wrong.
    cos, sin = np.cos(S["rotate"]), np.sin(S["rotate"])
    x = S["points"][..., 0] * S["scale"][:, None]
    y = S["points"][..., 1] * S["scale"][:, None]
    rx = x * cos[:, None] - y * sin[:, None]
    ry = x * sin[:, None] + y * cos[:, None]
    return np.stack([rx, ry], axis=-1) + S["translate"][:, None, :]
