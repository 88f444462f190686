"""Exercise 2 (note 01): the δ of a sigmoid output layer.

With the error E = ½ Σ (O − t)² and a sigmoid output O = σ(net), the δ of an output unit is
how much E changes with that unit's net input. The ½ cancels against the 2 that comes
down from the square, which leaves

    δ_output = (O − t) · f′(net)        with the sigmoid's f′(net) = O (1 − O)

Implement ``output_delta(net, O, t)``. All three arrays have shape (N, out): one row per
sample, one column per output unit. δ is per sample, so return shape (N, out) too, with
no sum and no average over the samples.

Check your answer:  tinygrad-edu check 02_output_delta.py
"""

import numpy as np


def output_delta(net: np.ndarray, O: np.ndarray, t: np.ndarray) -> np.ndarray:
    """δ of every output unit for every sample: (O − t) · O (1 − O)."""
    raise NotImplementedError("return (O - t) times the sigmoid's derivative")
