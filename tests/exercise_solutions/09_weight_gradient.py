"""Reference solution of the stub tinygrad_edu/exercise_stubs/09_weight_gradient.py."""

import numpy as np


def weight_gradient(delta: np.ndarray, O_prev: np.ndarray) -> np.ndarray:
    # ∂E/∂W[j, i] = Σ over samples of δ_j O_i, as an explicit sum of outer products.
    return sum(np.outer(d, o) for d, o in zip(delta, O_prev))
