"""The floor: one training step of an MLP written by hand in numpy with the notes' δ rules.

No graph and no Python object per op: the forward pass, the δ of each layer and the update,
written as the fastest correct numpy we know. Any autograd engine built on numpy does at
least this work, so the time of this step is the limit an engine is measured against.

``tinygrad_edu.rules`` is the same mathematics written to be read beside the notes (it
checks its inputs, computes in float64 and returns new arrays); this one is written to be
fast. Every choice below was measured (instruction counts and interleaved timings,
docs/performance.md tells how), and each is something a careful numpy programmer does:

- every array the step writes is allocated once, on the first step with a given batch size,
  and every numpy call writes into one of them (``out=``, ``*=``): no temporaries;
- matrix products with ``np.dot`` (less overhead per call than the ``@`` ufunc);
- the stable sigmoid ½ tanh(½ z) + ½: no branch, no overflow, four in-place calls;
- the loss as one BLAS dot product, ``np.vdot(e, e)``, instead of ``sum(e * e)``;
- η folded into the output δ once: the δ rules are linear in δ, so every layer's δ, and
  with it each ∂E/∂W and ∂E/∂b, comes out already multiplied by η, and the update is one
  subtraction per array;
- ∂E/∂b = Σ_samples δ as the product 1ᵀ δ with a stored vector of ones (one BLAS call,
  cheaper than numpy's reduction over the first axis at every size here);
- the constants ½, 1 and η as 0-d arrays of the step's dtype, made once: numpy works out
  a Python number's dtype anew at every call (the engine does the same, ``ops.like``).

For E = ½ Σ (O − t)² and a batch of row vectors (samples are rows):

    forward     net = O_prev Wᵀ + b,   O = f(net)
    output δ    δ = (O − t) · f′(net)
    hidden δ    δ = f′(net) · (δ_next W_next)       (Wᵀ δ_next for every sample)
    gradients   ∂E/∂W = δᵀ O_prev,   ∂E/∂b = Σ_samples δ
    update      W ← W − η ∂E/∂W,     b ← b − η ∂E/∂b
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")


def activate(name: str, net: np.ndarray, half: np.ndarray, in_place: bool = False) -> np.ndarray:
    """O = f(net): written over ``net`` (``in_place``) or as a new array; sigmoid as
    ½ tanh(½ net) + ½ (no branch, no overflow). ``half`` is ½ as a 0-d array of net's
    dtype."""
    if name == "sigmoid":
        if in_place:
            net *= half
            o = net
        else:
            o = net * half
        np.tanh(o, out=o)
        o *= half
        o += half
        return o
    out = net if in_place else None
    if name == "tanh":
        return np.tanh(net, out=out)
    if name == "relu":
        return np.maximum(net, 0, out=out)
    return net  # linear


def derivative(name: str, out: np.ndarray, one: np.ndarray, scratch: Any = None) -> np.ndarray:
    """f′(net), written with the output O as the notes do, into ``scratch`` (None: a new
    array). ``one`` is 1 as a 0-d array of the dtype."""
    if name == "sigmoid":  # f′ = O (1 − O)
        d = np.subtract(one, out, out=scratch)
        d *= out
        return d
    if name == "tanh":  # f′ = 1 − O²
        d = np.multiply(out, out, out=scratch)
        np.subtract(one, d, out=d)
        return d
    return out > 0  # relu: f′ = 1 where O > 0, else 0


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
        for name in self.activations:
            if name not in ACTIVATIONS:
                raise ValueError(f"numpy_step: unknown activation {name!r}")
        self.dtype = np.dtype(dtype)
        self.half, self.one = np.array(0.5, self.dtype), np.array(1.0, self.dtype)
        self.lr = (None, self.one)  # η as given and as a 0-d array, made again when η changes
        self.batch = -1  # the buffers below fit this batch size

    def _allocate(self, batch: int) -> None:
        """Every array a step writes, for ``batch`` samples: allocated once, reused."""
        dtype = self.dtype
        widths = [W.shape[0] for W, _ in self.weights]  # the output width of each layer
        self.outs = [np.empty((batch, n), dtype) for n in widths]  # O of each layer
        # δ of the layer below, and a scratch array for its f′, per layer (unused for layer 0)
        self.deltas = [np.empty((batch, W.shape[1]), dtype) for W, _ in self.weights]
        self.scratch = [np.empty((batch, W.shape[1]), dtype) for W, _ in self.weights]
        self.error = np.empty((batch, widths[-1]), dtype)
        self.scratch_out = np.empty_like(self.error)
        self.dW = [np.empty_like(W) for W, _ in self.weights]
        self.db = [np.empty_like(b) for _, b in self.weights]
        self.ones = np.ones(batch, dtype)
        self.batch = batch

    def step(self, x: np.ndarray, t: np.ndarray, lr: float) -> float:
        """One step of gradient descent on E = ½ Σ (O − t)²; returns E before the update."""
        if x.shape[0] != self.batch:
            self._allocate(x.shape[0])
        O = x
        for (W, b), name, net in zip(self.weights, self.activations, self.outs):
            np.dot(O, W.T, out=net)
            net += b
            activate(name, net, self.half, in_place=True)
            O = net
        error = self.error
        np.subtract(O, t, out=error)
        loss = 0.5 * float(np.vdot(error, error))

        if self.lr[0] != lr:
            self.lr = (lr, np.array(lr, self.dtype))
        delta = error  # η δ from here on: the output δ = (O − t) f′(net), times η
        delta *= self.lr[1]
        if self.activations[-1] != "linear":  # (linear: f′ = 1)
            delta *= derivative(self.activations[-1], O, self.one, self.scratch_out)
        for layer in reversed(range(len(self.weights))):
            W, b = self.weights[layer]
            O_prev = self.outs[layer - 1] if layer > 0 else x
            if layer > 0:  # the hidden δ below, with W before its update
                below = self.deltas[layer]
                np.dot(delta, W, out=below)
            dW, db = self.dW[layer], self.db[layer]
            np.dot(delta.T, O_prev, out=dW)  # η ∂E/∂W = (η δ)ᵀ O_prev
            np.dot(self.ones, delta, out=db)  # η ∂E/∂b = 1ᵀ (η δ)
            W -= dW
            b -= db
            if layer > 0:
                name = self.activations[layer - 1]
                if name != "linear":
                    below *= derivative(name, O_prev, self.one, self.scratch[layer])
                delta = below
        return loss

    def step_fresh(self, x: np.ndarray, t: np.ndarray, lr: float) -> float:
        """The same step with every result a new array and true (unscaled) gradients.

        The least a define-by-run engine on numpy must do: it cannot write into an array
        its graph still holds, and a parameter's ``.grad`` must be ∂E/∂W itself, so η is
        applied in the update (``W -= η ∂E/∂W``, two numpy calls per array). Otherwise the
        same fastest numpy as :meth:`step` (``np.dot``, the tanh sigmoid, 0-d constants,
        1ᵀ δ). An engine's time over this step is its own bookkeeping; this step's time over
        :meth:`step` is the price of new arrays.
        """
        if x.shape[0] != self.batch:  # (of its buffers only the vector of ones is used here)
            self._allocate(x.shape[0])
        outs = [x]  # O of each layer, x first
        for (W, b), name in zip(self.weights, self.activations):
            net = np.dot(outs[-1], W.T)
            net += b
            outs.append(activate(name, net, self.half))
        delta = outs[-1] - t
        loss = 0.5 * float(np.vdot(delta, delta))
        grads = []
        for layer in reversed(range(len(self.weights))):
            name = self.activations[layer]
            if name != "linear":  # δ = (∂E/∂O) · f′(net)
                delta *= derivative(name, outs[layer + 1], self.one)  # (delta is new)
            grads.append((np.dot(delta.T, outs[layer]), np.dot(self.ones, delta)))
            if layer > 0:  # ∂E/∂O of the layer below, with W before its update
                delta = np.dot(delta, self.weights[layer][0])
        if self.lr[0] != lr:
            self.lr = (lr, np.array(lr, self.dtype))
        eta = self.lr[1]
        for (W, b), (dW, db) in zip(self.weights, reversed(grads)):
            W -= eta * dW
            b -= eta * db
        return loss
