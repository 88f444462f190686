"""Reference solution of the stub tinygrad_edu/exercise_stubs/04_sample_gradients.py."""

import numpy as np


def sample_gradients(delta, O_prev):
    # ∂E/∂W[j, i] = δ_j O_i, entry by entry; ∂E/∂b_j = δ_j
    dW = np.array([[d * o for o in O_prev] for d in delta])
    return dW, np.array(delta, dtype=float)
