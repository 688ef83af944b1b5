# %% square_dtype
# Bob copies the original course: a list of fields, with NumPy 1's (float, 1) for the scalars.
square_dtype = [("points", float, (4, 2)), ("scale", float, 1),
                ("translate", float, 2), ("rotate", float, 1)]

# %% make_squares
def make_squares(n):
    # Bob's own dtype works, but he fills one square at a time.
    S = np.zeros(n, dtype=[("points", float, (4, 2)), ("scale", float),
                           ("translate", float, (2,)), ("rotate", float)])
    for k in range(n):
        S[k] = ([(-1, -1), (-1, 1), (1, 1), (1, -1)], 0.1, (1, 0), 2 * np.pi * k / n)
    return S

# %% transform_squares
def transform_squares(S):
    # Bob rotates before translating: the order of the operations is wrong.
    cos, sin = np.cos(S["rotate"]), np.sin(S["rotate"])
    x = S["points"][..., 0] * S["scale"][:, None]
    y = S["points"][..., 1] * S["scale"][:, None]
    rx = x * cos[:, None] - y * sin[:, None]
    ry = x * sin[:, None] + y * cos[:, None]
    return np.stack([rx, ry], axis=-1) + S["translate"][:, None, :]

# %% Perceptron
class Perceptron:
    # Bob's perceptron is right.
    def __init__(self, n, m):
        self.input = np.ones(n + 1)
        self.output = np.zeros(m)
        self.weights = np.zeros((m, n + 1))
        self.reset()

    def reset(self, rng=None):
        rng = np.random.default_rng() if rng is None else rng
        self.weights[...] = rng.uniform(-0.5, 0.5, self.weights.shape)

    def propagate_forward(self, data):
        self.input[1:] = data
        self.output[...] = self.weights @ self.input > 0
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = target - self.output
        self.weights += lrate * np.outer(error, self.input)
        return float(np.sum(error ** 2))

# %% train_perceptron
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
def two_layer_step(x, y, w1, w2, learning_rate):
    # Bob leaves out the ReLU's derivative ("zero out errors?").
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    loss = float(np.sum((y_pred - y) ** 2))
    grad_y_pred = 2 * (y_pred - y)
    grad_w1 = x.T @ (grad_y_pred @ w2.T)
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * h_relu.T @ grad_y_pred
