"""Exercise 6 (note 02): the bias as a weight on a constant input.

Note 02 treats each bias as one more weight: w_0 multiplies an extra input x_0 that is
always +1. A layer's W (out, in) and b (out,) then become one matrix W̃ = [b | W] of shape
(out, in + 1), whose column 0 holds the biases, and the input becomes x̃ = (1, O_prev):

    net = W̃ x̃ = b · 1 + W O_prev

The gradient of W̃ follows from the usual rule ∂E/∂W̃ = δ x̃ᵀ: its column 0 is δ · 1 = δ
(the bias's gradient) and the other columns are ∂E/∂W. Over a batch, E sums the samples,
so the gradient is summed too.

Implement ``augmented_gradient(delta, O_prev)``: ``delta`` has shape (N, out), ``O_prev``
shape (N, in), one row per sample. Return ∂E/∂W̃ of shape (out, in + 1), column 0 the bias.

Check your answer:  tinygrad-edu check 06_bias_as_weight.py
"""

import numpy as np


def augmented_gradient(delta: np.ndarray, O_prev: np.ndarray) -> np.ndarray:
    """∂E/∂W̃ of the layer with the bias as column 0, summed over the samples."""
    raise NotImplementedError("put a column of ones in front of O_prev, then sum delta x̃ᵀ")
