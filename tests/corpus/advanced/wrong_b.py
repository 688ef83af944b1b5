# %% square_dtype
# bug: the fields in another order (translate before scale)
# feedback: in this order
square_dtype = np.dtype([("points", float, (4, 2)), ("translate", float, (2,)),
                         ("scale", float), ("rotate", float)])

# %% make_squares
# bug: the corners go round the other way: (-1, -1), (+1, -1), (+1, +1), (-1, +1)
# feedback: corners in another order
def make_squares(n):
    S = np.zeros(n, dtype=[("points", float, (4, 2)), ("scale", float),
                           ("translate", float, (2,)), ("rotate", float)])
    S["points"] = [(-1, -1), (+1, -1), (+1, +1), (-1, +1)]
    S["scale"] = 0.1
    S["translate"] = (1, 0)
    S["rotate"] = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return S

# %% transform_squares
# bug: rotates clockwise (the sign of sin is flipped)
# feedback: rotates clockwise
def transform_squares(S):
    moved = S["points"] * S["scale"][:, None, None] + S["translate"][:, None, :]
    c, s = np.cos(S["rotate"]), np.sin(S["rotate"])
    R = np.stack([np.stack([c, s], axis=-1), np.stack([-s, c], axis=-1)], axis=-2)
    return np.einsum("kij,kpj->kpi", R, moved)

# %% Perceptron
# bug: reset draws from the global np.random state and ignores rng
# feedback: legacy global random state
class Perceptron:
    def __init__(self, n, m):
        self.input = np.ones(n + 1)
        self.output = np.zeros(m)
        self.weights = np.zeros((m, n + 1))

    def reset(self, rng=None):
        self.weights[...] = np.random.uniform(-0.5, 0.5, self.weights.shape)

    def propagate_forward(self, data):
        self.input[1:] = data
        self.output[...] = self.weights @ self.input > 0
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = target - self.output
        self.weights += lrate * np.outer(error, self.input)
        return float(np.sum(error ** 2))

# %% train_perceptron
# bug: the learning rate is never lowered
# feedback: multiplied by 0.999
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    errors = np.empty(iterations)
    for i in range(iterations):
        k = rng.integers(len(inputs))
        network.propagate_forward(inputs[k])
        errors[i] = network.propagate_backward(targets[k], lrate)
    return errors

# %% two_layer_step
# bug: updates the weights in place with -=, as the original training loop did: the caller's arrays change
# feedback: modified its third argument
def two_layer_step(x, y, w1, w2, learning_rate):
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    loss = float(np.sum((y_pred - y) ** 2))
    grad_y_pred = 2 * (y_pred - y)
    grad_w2 = h_relu.T @ grad_y_pred
    grad_w1 = x.T @ ((grad_y_pred @ w2.T) * (h > 0))
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2
    return loss, w1, w2
