"""Reference solution of the stub tinygrad_edu/exercise_stubs/03_hidden_delta.py."""

import numpy as np


def hidden_delta(
    net: np.ndarray, O: np.ndarray, W_next: np.ndarray, delta_next: np.ndarray
) -> np.ndarray:
    # Σ_k δ_k W[k, j] for each hidden unit j, one sample at a time, written as loops.
    back = np.zeros_like(O)
    for n in range(O.shape[0]):
        for j in range(O.shape[1]):
            back[n, j] = sum(delta_next[n, k] * W_next[k, j] for k in range(W_next.shape[0]))
    return O * (1.0 - O) * back
