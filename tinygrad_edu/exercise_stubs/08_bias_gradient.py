"""Exercise 8 (note 03): the gradient of a layer's biases over a batch.

Note 03 updates each bias with b(n + 1) = b(n) − η ∂E/∂b, where ∂E/∂b = δ: the bias is
added to the net as it is, so its local derivative is 1. (Note 03 writes the step as
b + η (d − y) for the output: (d − y) is −δ there.)

With a batch, E sums the error over the samples, and a bias is shared by all of them, so
its gradient is the SUM of every sample's δ:

    ∂E/∂b_j = Σ_n δ_nj

Implement ``bias_gradient(delta)``: ``delta`` has shape (N, units), one row per sample.
Return shape (units,).

Check your answer:  tinygrad-edu check 08_bias_gradient.py
"""

import numpy as np


def bias_gradient(delta: np.ndarray) -> np.ndarray:
    """∂E/∂b = Σ over the samples of δ, shape (units,)."""
    raise NotImplementedError("sum delta over the samples (the rows)")
