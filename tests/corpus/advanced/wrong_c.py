# %% square_dtype
# bug: a list of fields, as the original wrote it: np.zeros accepts it, but it is not a np.dtype
# feedback: not a np.dtype
square_dtype = [("points", float, (4, 2)), ("scale", float), ("translate", float, (2,)), ("rotate", float)]

# %% make_squares
# bug: right values, but one Python iteration per square (loses the vectorization point)
# feedback: is not vectorized
def make_squares(n):
    S = np.zeros(n, dtype=np.dtype([("points", float, (4, 2)), ("scale", float),
                                    ("translate", float, (2,)), ("rotate", float)]))
    for k in range(n):
        S[k] = ([(-1, -1), (-1, 1), (1, 1), (1, -1)], 0.1, (1, 0), 2 * np.pi * k / n)
    return S

# %% transform_squares
# bug: right values, but the original two loops (loses the vectorization point)
# feedback: is not vectorized
def transform_squares(S):
    P = np.zeros((len(S), 4, 2))
    for i in range(len(S)):
        for j in range(4):
            x, y = S[i]["points"][j]
            tx, ty = S[i]["translate"]
            x, y = tx + x * S[i]["scale"], ty + y * S[i]["scale"]
            theta = S[i]["rotate"]
            P[i, j] = x * np.cos(theta) - y * np.sin(theta), x * np.sin(theta) + y * np.cos(theta)
    return P

# %% Perceptron
# bug: the threshold's boolean is returned as the output (the original's f = lambda x: x > 0)
# feedback: booleans
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
        self.output = self.weights @ self.input > 0
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = target - self.output
        self.weights += lrate * np.outer(error, self.input)
        return float(np.sum(error ** 2))

# %% train_perceptron
# bug: trains a copy of the network, so the network passed in is left untrained
# feedback: made a copy of the Perceptron it was given
import copy

def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    network = copy.deepcopy(network)
    errors = np.empty(iterations)
    for i in range(iterations):
        lrate *= 0.999
        k = rng.integers(len(inputs))
        network.propagate_forward(inputs[k])
        errors[i] = network.propagate_backward(targets[k], lrate)
    return errors

# %% two_layer_step
# bug: right values, but one Python iteration per sample (loses the vectorization point)
# feedback: is not vectorized
def two_layer_step(x, y, w1, w2, learning_rate):
    loss, grad_w1, grad_w2 = 0.0, np.zeros_like(w1), np.zeros_like(w2)
    for xi, yi in zip(x, y):
        h = xi @ w1
        h_relu = np.maximum(h, 0)
        d = h_relu @ w2 - yi
        loss += d @ d
        grad_w2 += np.outer(h_relu, 2 * d)
        grad_w1 += np.outer(xi, (w2 @ (2 * d)) * (h > 0))
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * grad_w2
