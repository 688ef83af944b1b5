# %% Perceptron
# bug: the error is output - target, so every update moves the weights the wrong way
# feedback: the wrong way
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
        error = self.output - target
        self.weights += lrate * np.outer(error, self.input)
        return float(np.sum(error ** 2))

# %% train_perceptron
# bug: walks through the samples in order (k = i % N) instead of drawing them from rng
# feedback: walks through the samples in order
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    errors = np.empty(iterations)
    for i in range(iterations):
        lrate *= 0.999
        k = i % len(inputs)
        network.propagate_forward(inputs[k])
        errors[i] = network.propagate_backward(targets[k], lrate)
    return errors

# %% two_layer_step
# bug: masks with h_relu < 0, which is never true: the ReLU's derivative is still left out
# feedback: leaves out the ReLU's derivative
def two_layer_step(x, y, w1, w2, learning_rate):
    h = x @ w1
    h_relu = np.maximum(h, 0)
    y_pred = h_relu @ w2
    loss = float(np.sum((y_pred - y) ** 2))
    grad_y_pred = 2 * (y_pred - y)
    grad_w2 = h_relu.T @ grad_y_pred
    grad_h = grad_y_pred @ w2.T
    grad_h[h_relu < 0] = 0
    grad_w1 = x.T @ grad_h
    return loss, w1 - learning_rate * grad_w1, w2 - learning_rate * grad_w2
