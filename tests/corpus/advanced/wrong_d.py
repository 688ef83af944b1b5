# %% square_dtype
# bug: single precision (float32) fields
# feedback: float32
square_dtype = np.dtype([("points", np.float32, (4, 2)), ("scale", np.float32),
                         ("translate", np.float32, (2,)), ("rotate", np.float32)])

# %% make_squares
# bug: the angles in degrees instead of radians
# feedback: in degrees
def make_squares(n):
    S = np.zeros(n, dtype=[("points", float, (4, 2)), ("scale", float),
                           ("translate", float, (2,)), ("rotate", float)])
    S["points"] = [(-1, -1), (-1, +1), (+1, +1), (+1, -1)]
    S["scale"] = 0.1
    S["translate"] = (1, 0)
    S["rotate"] = np.linspace(0, 360, n, endpoint=False)
    return S

# %% transform_squares
# bug: scales and translates S["points"] in place, so the caller's squares change
# feedback: modified its first argument
def transform_squares(S):
    S["points"] *= S["scale"][:, None, None]
    S["points"] += S["translate"][:, None, :]
    c, s = np.cos(S["rotate"])[:, None], np.sin(S["rotate"])[:, None]
    x, y = S["points"][..., 0], S["points"][..., 1]
    return np.stack([c * x - s * y, s * x + c * y], axis=-1)

# %% Perceptron
# bug: returns the sum of the errors, not of their squares
# feedback: sum of the errors
class Perceptron:
    def __init__(self, n, m):
        self.input = np.ones(n + 1)
        self.output = np.zeros(m)
        self.weights = np.zeros((m, n + 1))

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
        return float(np.sum(error))

# %% train_perceptron
# bug: the target is drawn separately from the input, so samples and targets do not match
# feedback: the target of another sample
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    errors = np.empty(iterations)
    for i in range(iterations):
        lrate *= 0.999
        network.propagate_forward(inputs[rng.integers(len(inputs))])
        errors[i] = network.propagate_backward(targets[rng.integers(len(targets))], lrate)
    return errors

# %% two_layer_step
# bug: the mean squared error instead of the sum (loss and gradients too small by a factor N * D_out)
# feedback: the mean of the squared errors
def two_layer_step(x, y, w1, w2, learning_rate):
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    loss = float(np.mean((y_pred - y) ** 2))
    grad_y_pred = 2 * (y_pred - y) / y.size
    grad_w2 = h_relu.T @ grad_y_pred
    grad_w1 = x.T @ ((grad_y_pred @ w2.T) * (h > 0))
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * grad_w2
