"""Exercise 9 (note 04): the gradient of a layer's weights, summed over a batch.

The weight from input i into unit j multiplies O_i (the input's value) on its way into
net_j, so its share of the error gradient is that input times the unit's δ:

    ∂E/∂W[j, i] = δ_j · O_prev,i        as matrices: ∂E/∂W = δ O_prevᵀ

W has shape (out, in), and so has its gradient. E sums the error over the samples of a
batch, so the gradient is the SUM of every sample's δ O_prevᵀ (not the mean).

Implement ``weight_gradient(delta, O_prev)``: ``delta`` has shape (N, out) and ``O_prev``
(the layer's inputs) shape (N, in), one row per sample. Return shape (out, in).

Check your answer:  tinygrad-edu check 09_weight_gradient.py
"""

import numpy as np


def weight_gradient(delta: np.ndarray, O_prev: np.ndarray) -> np.ndarray:
    """∂E/∂W = Σ over samples of δ O_prevᵀ, shape (out, in)."""
    raise NotImplementedError("sum delta_j * O_prev_i over the samples, for every j and i")
