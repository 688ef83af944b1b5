# bob's answers in the demo class (named in course/demo.py): his typical mistakes,
# each explained in the answer itself, as his notebook in submitted/ shows it.

# %% square_dtype
# Bob copies the original course: a list of fields, with NumPy 1's (float, 1) for the scalars.
# feedback: not a np.dtype: np.dtype(...) makes one of a list of fields; the list also declares the scalar fields with shape 1
square_dtype = [("points", float, (4, 2)), ("scale", float, 1),
                ("translate", float, 2), ("rotate", float, 1)]

# %% make_squares
# feedback: is not vectorized
def make_squares(n):
    # Bob's own dtype works, but he fills one square at a time.
    S = np.zeros(n, dtype=[("points", float, (4, 2)), ("scale", float),
                           ("translate", float, (2,)), ("rotate", float)])
    for k in range(n):
        S[k] = ([(-1, -1), (-1, 1), (1, 1), (1, -1)], 0.1, (1, 0), 2 * np.pi * k / n)
    return S

# %% transform_squares
# feedback: before it translates
def transform_squares(S):
    # Bob rotates before translating: the order of the operations is wrong.
    cos, sin = np.cos(S["rotate"]), np.sin(S["rotate"])
    x = S["points"][..., 0] * S["scale"][:, None]
    y = S["points"][..., 1] * S["scale"][:, None]
    rx = x * cos[:, None] - y * sin[:, None]
    ry = x * sin[:, None] + y * cos[:, None]
    return np.stack([rx, ry], axis=-1) + S["translate"][:, None, :]

# %% train_perceptron
# feedback: legacy global random state
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    # Bob keeps the original np.random.randint: rng is never used, runs cannot be repeated.
    errors = np.empty(iterations)
    for i in range(iterations):
        lrate *= 0.999
        k = np.random.randint(len(inputs))
        network.propagate_forward(inputs[k])
        errors[i] = network.propagate_backward(targets[k], lrate)
    return errors

# %% two_layer_step
# feedback: leaves out the ReLU's derivative
def two_layer_step(x, y, w1, w2, learning_rate):
    # Bob leaves out the ReLU's derivative ("zero out errors?").
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    loss = float(np.sum((y_pred - y) ** 2))
    grad_y_pred = 2 * (y_pred - y)
    grad_w1 = x.T @ (grad_y_pred @ w2.T)
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * h_relu.T @ grad_y_pred
