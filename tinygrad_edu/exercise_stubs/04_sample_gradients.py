"""Exercise 4 (note 01): ∂E/∂W and ∂E/∂b of one layer for one sample.

A weight W[j, i] carries the input O_i into unit j's net, net_j = Σ_i W[j, i] O_i + b_j.
So once δ_j = ∂E/∂net_j is known, the chain rule gives each weight's gradient as that
input times the unit's δ, and the bias (added as it is) gets δ itself:

    ∂E/∂W[j, i] = δ_j · O_i        ∂E/∂b_j = δ_j

Note 01 writes the weight from unit i to unit j as W_ij; here W has shape (out, in), so row
j holds the weights INTO unit j and the same weight is W[j, i]. As matrices, ∂E/∂W = δ O_prevᵀ
(an outer product).

Implement ``sample_gradients(delta, O_prev)`` for ONE sample: ``delta`` has shape (out,),
``O_prev`` (the layer's inputs) shape (in,). Return the pair ``(dW, db)`` with dW of shape
(out, in) and db of shape (out,).

Check your answer:  tinygrad-edu check 04_sample_gradients.py
"""

import numpy as np


def sample_gradients(delta: np.ndarray, O_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂E/∂W, ∂E/∂b) of one layer for one sample."""
    raise NotImplementedError("dW[j, i] = delta[j] * O_prev[i]; db = delta")
