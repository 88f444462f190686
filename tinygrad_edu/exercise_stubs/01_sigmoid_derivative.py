"""Exercise 1 (note 01): the derivative of the sigmoid, from its output.

The sigmoid squashes a unit's net input into (0, 1):

    O = σ(net) = 1 / (1 + e^(−net))

Its derivative can be written with the output alone, which is how the notes use it in
every δ rule:

    σ′(net) = O · (1 − O)

Implement ``sigmoid_derivative(net)``: compute O from net first, then σ′. ``net`` is a numpy
array of any shape; return an array of the same shape.

Check your answer:  tinygrad-edu check 01_sigmoid_derivative.py
"""

import numpy as np


def sigmoid_derivative(net: np.ndarray) -> np.ndarray:
    """σ′(net) = O (1 − O) with O = σ(net), element by element."""
    raise NotImplementedError("compute O = 1 / (1 + exp(-net)), then O * (1 - O)")
