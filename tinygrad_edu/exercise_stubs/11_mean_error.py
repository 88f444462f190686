"""Exercise 11 (beyond the notes): the δ of the MEAN squared error.

The notes use the half-sum E = ½ Σ (O − t)², whose ½ cancels the 2 of the square. PyTorch's
MSELoss takes the mean instead, over all n = N × out entries of O (N samples, out units):

    E = (1/n) Σ (O − t)²

Two things change in δ = ∂E/∂net: no ½ cancels the 2, and every entry counts 1/n:

    δ_output = (2/n) · (O − t) · f′(net)        sigmoid: f′(net) = O (1 − O)

Implement ``mean_output_delta(net, O, t)`` for a sigmoid output layer. The three arrays
have shape (N, out); return δ of shape (N, out).

Check your answer:  tinygrad-edu check 11_mean_error.py
"""

import numpy as np


def mean_output_delta(net: np.ndarray, O: np.ndarray, t: np.ndarray) -> np.ndarray:
    """δ of a sigmoid output layer for E = mean of (O − t)² over all entries."""
    raise NotImplementedError("(2 / O.size) times the notes' (O - t) * O * (1 - O)")
