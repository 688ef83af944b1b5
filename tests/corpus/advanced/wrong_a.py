# %% square_dtype
# bug: the original NumPy 1 spelling: ("scale", float, 1) is a field of shape (1,) under NumPy 2
# feedback: without a shape
square_dtype = np.dtype([("points", float, (4, 2)), ("scale", float, 1),
                         ("translate", float, 2), ("rotate", float, 1)])

# %% make_squares
# bug: linspace includes 2π, so the last square repeats the first and the angles are spaced by 2π/(n-1)
# feedback: includes 2π
def make_squares(n):
    S = np.zeros(n, dtype=[("points", float, (4, 2)), ("scale", float),
                           ("translate", float, (2,)), ("rotate", float)])
    S["points"] = [(-1, -1), (-1, +1), (+1, +1), (+1, -1)]
    S["scale"] = 0.1
    S["translate"] = (1, 0)
    S["rotate"] = np.linspace(0, 2 * np.pi, n)
    return S

# %% transform_squares
# bug: rotates before translating
# feedback: before it translates
def transform_squares(S):
    cos, sin = np.cos(S["rotate"])[:, None], np.sin(S["rotate"])[:, None]
    x = S["points"][..., 0] * S["scale"][:, None]
    y = S["points"][..., 1] * S["scale"][:, None]
    rotated = np.stack([x * cos - y * sin, x * sin + y * cos], axis=-1)
    return rotated + S["translate"][:, None, :]

# %% Perceptron
# bug: forgets the bias input: input has n values and weights n columns
# feedback: bias input
class Perceptron:
    def __init__(self, n, m):
        self.input = np.ones(n)
        self.output = np.zeros(m)
        self.weights = np.zeros((m, n))

    def reset(self, rng=None):
        rng = np.random.default_rng() if rng is None else rng
        self.weights[...] = rng.uniform(-0.5, 0.5, self.weights.shape)

    def propagate_forward(self, data):
        self.input[:] = data
        self.output[...] = self.weights @ self.input > 0
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = target - self.output
        self.weights += lrate * np.outer(error, self.input)
        return float(np.sum(error ** 2))

# %% two_layer_step
# bug: the ReLU's derivative is left out ("zero out errors?"): the gradient flows through switched-off units
# feedback: leaves out the ReLU's derivative
def two_layer_step(x, y, w1, w2, learning_rate):
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    loss = float(np.sum((y_pred - y) ** 2))
    grad_y_pred = 2 * (y_pred - y)
    grad_w2 = h_relu.T @ grad_y_pred
    grad_h = grad_y_pred @ w2.T
    grad_w1 = x.T @ grad_h
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * grad_w2
