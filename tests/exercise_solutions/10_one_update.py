"""Reference solution of the stub tinygrad_edu/exercise_stubs/10_one_update.py."""

import numpy as np


def one_update(
    weights: list[np.ndarray], x: np.ndarray, t: np.ndarray, lr: float
) -> list[np.ndarray]:
    outputs = [x]
    for W in weights:  # linear units: O = net = W O_prev
        outputs.append(W @ outputs[-1])
    delta = outputs[-1] - t  # f′ = 1
    new = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        new[l] = weights[l] - lr * np.outer(delta, outputs[l])
        delta = weights[l].T @ delta  # the old weights send δ back
    return new
