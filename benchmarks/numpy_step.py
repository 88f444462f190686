"""The floor: one training step of an MLP written by hand in numpy with the notes' δ rules.

No graph and no Python object per op: the forward pass, the δ of each layer and the update,
each one numpy expression. Any autograd engine built on numpy does at least this work, so
the time of this step is the limit an engine is measured against.

``tinygrad_edu.rules`` is the same mathematics written to be read beside the notes (it
checks its inputs, computes in float64 and returns new arrays); this one is written to be
fast: it keeps the dtype (float32 stays float32) and updates the weights in place.

For E = ½ Σ (O − t)² and a batch of row vectors (samples are rows):

    forward     net = O_prev Wᵀ + b,   O = f(net)
    output δ    δ = (O − t) · f′(net)
    hidden δ    δ = f′(net) · (δ_next W_next)       (Wᵀ δ_next for every sample)
    gradients   ∂E/∂W = δᵀ O_prev,   ∂E/∂b = Σ_samples δ
    update      W ← W − η ∂E/∂W,     b ← b − η ∂E/∂b
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def activate(name: str, net: np.ndarray) -> np.ndarray:
    """O = f(net); sigmoid in the stable two-branch form the engines use."""
    if name == "sigmoid":
        e = np.exp(-np.abs(net))  # exp of a non-positive number only: never overflows
        d = 1 + e
        return np.where(net >= 0, 1 / d, e / d)
    if name == "tanh":
        return np.tanh(net)
    if name == "relu":
        return np.maximum(net, 0)
    if name == "linear":
        return net
    raise ValueError(f"numpy_step: unknown activation {name!r}")


def derivative(name: str, out: np.ndarray) -> np.ndarray | None:
    """f′(net) written with the output O, as the notes do; None for linear (f′ = 1)."""
    if name == "sigmoid":
        return out * (1 - out)
    if name == "tanh":
        return 1 - out * out
    if name == "relu":
        return out > 0
    return None


class HandMLP:
    """An MLP as a list of (W, b) arrays, trained by :meth:`step`."""

    def __init__(
        self,
        weights: Sequence[tuple[np.ndarray, np.ndarray]],
        activations: Sequence[str],
        dtype: type = np.float64,
    ) -> None:
        # Our own copies, in the requested dtype, W of shape (out, in) as nn.Linear.
        self.weights: list[tuple[np.ndarray, np.ndarray]] = [
            (np.array(W, dtype=dtype), np.array(b, dtype=dtype)) for W, b in weights
        ]
        self.activations = list(activations)

    def step(self, x: np.ndarray, t: np.ndarray, lr: float) -> float:
        """One step of gradient descent on E = ½ Σ (O − t)²; returns E before the update."""
        outs = [x]  # O of each layer, outs[0] = the input
        for (W, b), name in zip(self.weights, self.activations):
            outs.append(activate(name, outs[-1] @ W.T + b))
        error = outs[-1] - t
        loss = 0.5 * float(np.sum(error * error))

        f_prime = derivative(self.activations[-1], outs[-1])
        delta = error if f_prime is None else error * f_prime  # output δ = (O − t) f′(net)
        for layer in reversed(range(len(self.weights))):
            W, b = self.weights[layer]
            O_prev = outs[layer]
            dW = delta.T @ O_prev  # ∂E/∂W = δᵀ O_prev, summed over the samples
            db = delta.sum(axis=0)  # ∂E/∂b = Σ δ
            if layer > 0:  # hidden δ, with W before its update
                delta = delta @ W
                f_prime = derivative(self.activations[layer - 1], O_prev)
                if f_prime is not None:
                    delta *= f_prime
            W -= lr * dW
            b -= lr * db
        return loss
