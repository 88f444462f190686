"""Reference solution of the stub tinygrad_edu/exercise_stubs/01_sigmoid_derivative.py."""

import numpy as np


def sigmoid_derivative(net: np.ndarray) -> np.ndarray:
    O = 1.0 / (1.0 + np.exp(-net))
    return O * (1.0 - O)
