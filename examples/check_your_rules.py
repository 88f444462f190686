"""Check your own δ rules: write backpropagation yourself and let compare grade it.

You derive the rules from the notes and write them as a plain numpy function in the layout
of ``rules.backward``: ``my_backward(weights, activations, x, t)`` returns one
``(delta, dW, db)`` per layer, first layer first (W of shape (out, in), rows of x are
samples, E = ½ Σ (O − t)² summed over the samples). ``compare(..., rules=my_backward)``
puts your gradients beside autograd and finite differences, and when they disagree it
names the first place your backward pass goes wrong (layer, unit, expected, got) with a
hint read from the pattern of the difference.

Here a first attempt forgets the sigmoid's derivative in the hidden layer; the report
points at it, and the corrected version agrees everywhere.

Usage: python examples/check_your_rules.py [OUT_DIR]   (writes nothing)
"""

import numpy as np

from tinygrad_edu.compare import compare
from tinygrad_edu.nn import MLP


def sigmoid(net):
    return 1.0 / (1.0 + np.exp(-net))


def backward_with(hidden_f_prime):
    """A learner's backward pass for sigmoid hidden layers and a linear output."""

    def my_backward(weights, activations, x, t):
        outs, nets = [x], []
        for (W, b), name in zip(weights, activations):
            nets.append(outs[-1] @ W.T + b)  # net = W O_prev + b, for every row at once
            outs.append(sigmoid(nets[-1]) if name == "sigmoid" else nets[-1])
        result = []
        delta = outs[-1] - t  # linear output: δ = (O − t) · 1
        for l in range(len(weights) - 1, -1, -1):
            result.append((delta, delta.T @ outs[l], delta.sum(axis=0)))  # dW = δ O_prevᵀ
            if l > 0:
                back = delta @ weights[l][0]  # Wᵀ δ_next for every sample
                delta = back * outs[l] * (1 - outs[l]) if hidden_f_prime else back
        return result[::-1]

    return my_backward


model = MLP([2, 3, 1], hidden="sigmoid", output="linear", seed=0)
X = np.random.default_rng(1).normal(size=(4, 2))
T = np.random.default_rng(2).normal(size=(4, 1))

first = compare(model, X, T, rules=backward_with(hidden_f_prime=False))
print("First attempt:")
print(first.table(max_entries=2))
assert not first.ok and first.finding is not None and first.finding.label == "missing f′"

fixed = compare(model, X, T, rules=backward_with(hidden_f_prime=True))
print("\nWith f′ = O (1 − O) in the hidden layer:")
print(fixed.table(max_entries=2))
assert fixed.ok
