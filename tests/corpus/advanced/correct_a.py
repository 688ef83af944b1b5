# %% square_dtype
# style: the (name, type[, shape]) list of the text, shape 2 for the translation
square_dtype = np.dtype([("points", float, (4, 2)), ("scale", float),
                         ("translate", float, 2), ("rotate", float)])

# %% make_squares
# style: the statement's hints, with np.arange times a step for the angles
def make_squares(n):
    S = np.zeros(n, dtype=square_dtype)
    S["points"] = [(-1, -1), (-1, +1), (+1, +1), (+1, -1)]
    S["scale"] = 0.1
    S["translate"] = (1, 0)
    S["rotate"] = np.arange(n) * (2 * np.pi / n)
    return S

# %% transform_squares
# style: matmul with the transposed stack of rotation matrices (corners as row vectors)
def transform_squares(S):
    moved = S["points"] * S["scale"].reshape(-1, 1, 1) + S["translate"].reshape(-1, 1, 2)
    c, s = np.cos(S["rotate"]), np.sin(S["rotate"])
    R = np.empty((len(S), 2, 2))
    R[:, 0, 0], R[:, 0, 1], R[:, 1, 0], R[:, 1, 1] = c, -s, s, c
    return moved @ R.transpose(0, 2, 1)

# %% Perceptron
# style: rng.random shifted by 0.5, np.where for the threshold, broadcasting for the outer product
class Perceptron:
    def __init__(self, n, m):
        self.input = np.ones(n + 1)
        self.output = np.zeros(m)
        self.weights = np.zeros((m, n + 1))

    def reset(self, rng=None):
        if rng is None:
            rng = np.random.default_rng()
        self.weights = rng.random(self.weights.shape) - 0.5

    def propagate_forward(self, data):
        self.input[1:] = data
        self.output = np.where(np.dot(self.weights, self.input) > 0, 1.0, 0.0)
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = target - self.output
        self.weights = self.weights + lrate * error[:, None] * self.input[None, :]
        return float((error ** 2).sum())

# %% train_perceptron
# style: rng.choice for the sample, learning rate lowered after the update, keyword arguments
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    errors = np.zeros(iterations)
    for i in range(iterations):
        k = rng.choice(len(inputs))
        network.propagate_forward(data=inputs[k])
        errors[i] = network.propagate_backward(target=targets[k], lrate=lrate)
        lrate = lrate * 0.999
    return errors

# %% two_layer_step
# style: the original code completed: .dot, np.square, grad_h as a masked copy
def two_layer_step(x, y, w1, w2, learning_rate):
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    loss = np.square(y_pred - y).sum()
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h_relu = grad_y_pred.dot(w2.T)
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0
    grad_w1 = x.T.dot(grad_h)
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * grad_w2
