"""Exercise 13 (beyond the notes): the δ of a softmax output with cross-entropy.

For classes the output layer is a softmax, O_k = e^(net_k) / Σ_j e^(net_j) (every row sums
to 1), and the error is the cross-entropy E = −Σ_k t_k log O_k, with t a one-hot row or a row
of probabilities. Work it out on paper: ∂E/∂O_k = −t_k / O_k, and the softmax's derivative
∂O_k/∂net_j = O_k (δ_kj − O_j) (δ_kj = 1 if k = j, else 0). Multiplied and summed over k,
almost everything cancels, because Σ_k t_k = 1:

    δ_output = ∂E/∂net = O − t

Implement ``softmax_delta(net, O, t)``: ``O = softmax(net)`` row by row; the three arrays
have shape (N, classes), one row per sample. Return δ of shape (N, classes), per sample.

Check your answer:  tinygrad-edu check 13_softmax_cross_entropy.py
"""

import numpy as np


def softmax_delta(net: np.ndarray, O: np.ndarray, t: np.ndarray) -> np.ndarray:
    """δ of a softmax output layer with cross-entropy, for every sample."""
    raise NotImplementedError("what is left after the softmax's derivative cancels?")
