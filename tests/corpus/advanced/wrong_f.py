# %% Perceptron
# bug: the threshold is >= 0, so a weighted sum of exactly 0 gives 1 (the statement's output is 1 only where
# the sum is > 0)
# feedback: exactly 0 as positive
class Perceptron:
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
        self.output[...] = self.weights @ self.input >= 0
        return self.output

    def propagate_backward(self, target, lrate=0.1):
        error = target - self.output
        self.weights += lrate * np.outer(error, self.input)
        return float(np.sum(error ** 2))

# %% train_perceptron
# bug: draws the sample's index from range(len(inputs) - 1): the last sample is never used
# feedback: never draws the last sample
def train_perceptron(network, inputs, targets, iterations=1000, lrate=0.1, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    errors = np.empty(iterations)
    for i in range(iterations):
        lrate *= 0.999
        k = rng.integers(len(inputs) - 1)
        network.propagate_forward(inputs[k])
        errors[i] = network.propagate_backward(targets[k], lrate)
    return errors
