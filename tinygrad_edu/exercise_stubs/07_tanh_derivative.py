"""Exercise 7 (note 03): the derivative of tanh, from its output.

Note 03 derives the derivative of tanh = sinh / cosh with the quotient rule and finds that,
like the sigmoid's, it can be written with the output alone:

    O = tanh(net)        tanh′(net) = 1 − O²

Implement ``tanh_derivative(net)``: compute O from net first, then tanh′. ``net`` is a
numpy array of any shape; return an array of the same shape.

Check your answer:  tinygrad-edu check 07_tanh_derivative.py
"""

import numpy as np


def tanh_derivative(net: np.ndarray) -> np.ndarray:
    """tanh′(net) = 1 − O² with O = tanh(net), element by element."""
    raise NotImplementedError("compute O = np.tanh(net), then 1 - O**2")
