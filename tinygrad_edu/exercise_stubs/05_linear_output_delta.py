"""Exercise 5 (note 02): the δ of a linear output unit.

Note 02's network ends in one LINEAR unit: ŷ = Σ_h v_h z_h + v_0, with no squashing, so the
output equals its net input and f′(net) = 1. With E = ½ Σ (O − t)² the output δ keeps only
the error term:

    δ_output = (O − t) · f′(net) = O − t        (linear: f′ = 1)

Note 02 writes its updates as Δv_h = η (y − ŷ) z_h: the (y − ŷ) there is −δ, and the + of
the update carries the minus of gradient descent. Both ways give the same step.

Implement ``linear_output_delta(net, O, t)``. All three arrays have shape (N, out), one row
per sample; return δ of shape (N, out), per sample (no sum, no mean).

Check your answer:  tinygrad-edu check 05_linear_output_delta.py
"""

import numpy as np


def linear_output_delta(net: np.ndarray, O: np.ndarray, t: np.ndarray) -> np.ndarray:
    """δ of every linear output unit for every sample."""
    raise NotImplementedError("what is left of (O - t) * f'(net) when f' = 1?")
