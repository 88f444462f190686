"""Exercise 10 (note 05): one full gradient-descent step of note 05's network.

Note 05 trains a network whose every unit is linear (O = net, so f′ = 1) and has no
bias: two inputs, two hidden units h1, h2, one output ŷ. One iteration is

    forward:   h = W1 x,   ŷ = W2 h                 (W of shape (out, in))
    error:     E = ½ Σ (ŷ − t)²
    backward:  δ_output = ŷ − t;   δ_hidden = W2ᵀ δ_output       (f′ = 1 everywhere)
    gradient:  ∂E/∂W = δ O_prevᵀ    (O_prev: x for the first layer, h for the second)
    update:    W ← W − η ∂E/∂W      for both layers, computed from the OLD weights

With note 05's numbers (x = (2, 3), t = 1, w1..w6 = 0.11, 0.12, 0.21, 0.08, 0.14, 0.15,
η = 0.05) the output is 0.191, and w5 grows from 0.14 to about 0.174. Row j of a W holds
the weights INTO unit j, and in the note w1, w3 go into h1 while w2, w4 go into h2 (w2
connects x1 to h2):

    W1 = [[w1, w3], [w2, w4]]       W2 = [[w5, w6]]

(Filled row by row, [[w1, w2], [w3, w4]], the same numbers give ŷ = 0.1802, not 0.191.)

Implement ``one_update(weights, x, t, lr)`` for any number of linear layers: ``weights`` is
a list of W matrices, first layer first; ``x`` has shape (in,) and ``t`` shape (out,), one
sample. Return the list of NEW matrices (same shapes) and leave the old ones as they
were: `weights[l] -= …` would write into the caller's matrices, and the grader checks that
they are unchanged.

Check your answer:  tinygrad-edu check 10_one_update.py
"""

import numpy as np


def one_update(
    weights: list[np.ndarray], x: np.ndarray, t: np.ndarray, lr: float
) -> list[np.ndarray]:
    """The weights after one step W ← W − η ∂E/∂W of a linear network without biases."""
    raise NotImplementedError("forward, δ from the output back, then W - lr * dW per layer")
