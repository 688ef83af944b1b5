# %% square_dtype
# style: the dict form with names and formats strings
square_dtype = np.dtype({"names": ["points", "scale", "translate", "rotate"],
                         "formats": [("f8", (4, 2)), "f8", ("f8", (2,)), "f8"]})

# %% make_squares
# style: np.empty, every field set by broadcasting, linspace over n + 1 points without the last
def make_squares(n):
    S = np.empty(n, dtype=square_dtype)
    S["points"] = np.array([[-1, -1], [-1, 1], [1, 1], [1, -1]], dtype=float)
    S["scale"] = np.full(n, 0.1)
    S["translate"] = np.array([1.0, 0.0])
    S["rotate"] = np.linspace(0, 2 * np.pi, n + 1)[:-1]
    return S

# %% transform_squares
# style: complex numbers, a rotation is a multiplication by exp(i theta)
def transform_squares(S):
    z = S["points"][..., 0] + 1j * S["points"][..., 1]
    t = S["translate"][:, 0] + 1j * S["translate"][:, 1]
    z = (z * S["scale"][:, None] + t[:, None]) * np.exp(1j * S["rotate"])[:, None]
    return np.stack([z.real, z.imag], axis=-1)

# %% Perceptron
# style: the input rebuilt by concatenation, einsum for the outer product, error @ error
class Perceptron:
    def __init__(self, n, m):
        self.input = np.concatenate([[1.0], np.zeros(n)])
        self.output = np.zeros(m, dtype=float)
        self.weights = np.random.default_rng(0).uniform(-0.5, 0.5, (m, n + 1))

    def reset(self, rng=None):
        rng = rng if rng is not None else np.random.default_rng()
        self.weights = rng.uniform(low=-0.5, high=0.5, size=(len(self.output), len(self.input)))

    def propagate_forward(self, data):
        self.input = np.concatenate([[1.0], np.asarray(data, dtype=float)])
        self.output = (self.weights @ self.input > 0).astype(float)
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = np.asarray(target, dtype=float) - self.output
        self.weights += lrate * np.einsum("i,j->ij", error, self.input)
        return float(error @ error)

# %% train_perceptron
# style: every index drawn up front, the learning rate of iteration i computed as a power
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    picks = rng.integers(0, len(inputs), size=iterations)
    rates = lrate * 0.999 ** np.arange(1, iterations + 1)
    errors = []
    for k, rate in zip(picks, rates):
        network.propagate_forward(inputs[k])
        errors.append(network.propagate_backward(targets[k], rate))
    return np.array(errors, dtype=float)

# %% two_layer_step
# style: einsum for the products, np.where for the ReLU and its derivative (taken as 1 at 0)
def two_layer_step(x, y, w1, w2, learning_rate):
    h = np.einsum("nd,dh->nh", x, w1)
    active = h >= 0
    h_relu = np.where(active, h, 0.0)
    diff = h_relu @ w2 - y
    grad_w2 = np.einsum("nh,nk->hk", h_relu, 2 * diff)
    grad_h = np.where(active, 2 * diff @ w2.T, 0.0)
    grad_w1 = np.einsum("nd,nh->dh", x, grad_h)
    new_w1 = w1.copy()
    new_w1 -= learning_rate * grad_w1
    return float(np.sum(diff * diff)), new_w1, w2 - learning_rate * grad_w2
