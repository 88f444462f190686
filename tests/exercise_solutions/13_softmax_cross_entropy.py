"""Reference solution of the stub tinygrad_edu/exercise_stubs/13_softmax_cross_entropy.py."""

import numpy as np


def softmax_delta(net, O, t):
    # the chain rule written out: δ_j = Σ_k ∂E/∂O_k · ∂O_k/∂net_j, with ∂E/∂O_k = −t_k / O_k
    # and ∂O_k/∂net_j = O_k (δ_kj − O_j); it comes out as O − t, but here it is computed
    delta = np.zeros_like(O)
    for n in range(O.shape[0]):
        for j in range(O.shape[1]):
            delta[n, j] = sum(
                -t[n, k] / O[n, k] * O[n, k] * ((k == j) - O[n, j]) for k in range(O.shape[1])
            )
    return delta
