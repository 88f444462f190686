"""The one training loop: ``fit`` a model to (X, y), ``predict`` with it, measure ``accuracy``.

    history = fit(model, X, y, lr=0.5, steps=1000, momentum=0.9)
    history.loss[0], history.loss[-1]       # E at the first and at the last step

Each step is the loop of every note: forward, error E, ``zero_grad``, ``backward``, one
gradient-descent update. The demo, the step-through page and the examples all train with
it. ``on_step`` lets a caller look at every step between ``backward`` and the update (the
step-through page records the walk there). ``diagnostics=True`` also records, per step and
layer, the gradient norms, ‖δ‖ and the saturated units (``diagnostics.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .diagnostics import LayerRecorder
from .losses import mse_loss
from .nn import MLP, Network
from .optim import SGD


@dataclass
class Step:
    """What one training step computed, handed to ``on_step`` before the update."""

    number: int  # 0, 1, …
    X: np.ndarray  # the rows this step trained on
    y: np.ndarray
    loss: Any  # the error node, after backward: its gradients are in the parameters
    trace: Any = None  # the recorded walk, when fit(trace=True)


@dataclass
class History:
    """The error after each step's forward pass (before that step's update), and with
    ``fit(diagnostics=True)`` per step a list with one number per layer (layer 1 first):
    ``grad_W_norm`` ‖∂E/∂W‖, ``grad_b_norm`` ‖∂E/∂b‖, ``delta_norm`` ‖δ‖ (δ = ∂E/∂net over
    the batch) and ``saturated`` (the fraction of saturated units). ``np.array(history.
    delta_norm)`` is a (steps, layers) array. They are described in ``diagnostics.py``."""

    loss: list[float] = field(default_factory=list)
    grad_W_norm: list[list[float]] = field(default_factory=list)  # noqa: N815 (the notes' W)
    grad_b_norm: list[list[float]] = field(default_factory=list)
    delta_norm: list[list[float]] = field(default_factory=list)
    saturated: list[list[float]] = field(default_factory=list)


LossFunction = Callable[[Any, np.ndarray, np.ndarray], Any]


def loss_of(model: Any, X: np.ndarray, y: np.ndarray, reduction: str = "mean") -> Any:
    """Squared error of the model on a batch (X, y): one scalar node of the model's engine."""
    return mse_loss(model(X), y, reduction=reduction)


def fit(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    batch_size: int | None = None,
    reduction: str = "mean",
    loss: LossFunction | None = None,
    trace: bool = False,
    on_step: Callable[[Step], None] | None = None,
    progress: bool = False,
    diagnostics: bool = False,
) -> History:
    """Train ``model`` by gradient descent (SGD, optional momentum) for ``steps`` steps.

    ``batch_size`` None trains on all of (X, y) at every step (an epoch a step); otherwise
    step k takes the next ``batch_size`` rows in order, wrapping round (1: sample k mod N).
    ``loss(model, X, y)`` builds the error node (default: :func:`loss_of` with
    ``reduction``). ``trace`` runs ``backward(trace=True)`` and hands the recording to
    ``on_step``. ``progress`` shows a tqdm bar with the loss on stderr. ``diagnostics``
    records the per-layer numbers of :class:`History` (a forward pass that keeps each
    layer's net node; off, the loop is unchanged).
    """
    X, y = np.asarray(X), np.asarray(y)
    build = loss or (lambda m, xb, yb: loss_of(m, xb, yb, reduction))
    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    history = History()
    numbers: Any = range(steps)
    if progress:
        from tqdm import tqdm

        numbers = tqdm(numbers, desc="training", unit="epoch", file=sys.stderr, leave=True)
    for k in numbers:
        rows = _batch(len(X), k, batch_size)
        X_k, y_k = X[rows], y[rows]
        recorder = LayerRecorder(model) if diagnostics else None
        error = build(model if recorder is None else recorder, X_k, y_k)
        optimizer.zero_grad()
        recorded = error.backward(trace=trace) if trace else error.backward()
        history.loss.append(float(error.data))
        if recorder is not None:
            for name, values in recorder.measure().items():
                getattr(history, name).append(values)
        if on_step is not None:
            on_step(Step(k, X_k, y_k, error, recorded))
        optimizer.step()
        # free this step's graph (the recorder holds its nets too) before the next one is
        # built: half the live nodes
        del error, recorder
        if progress and (k % 10 == 0 or k == steps - 1):
            numbers.set_postfix(loss=f"{history.loss[-1]:.5f}", refresh=False)
    if progress:
        numbers.close()
    return history


def _batch(n: int, k: int, batch_size: int | None) -> Any:
    """The rows of step k: all of them, or the k-th run of ``batch_size`` rows, wrapping."""
    if batch_size is None:
        return slice(None)
    return [(k * batch_size + i) % n for i in range(batch_size)]


def predict(model: Any, X: np.ndarray) -> np.ndarray:
    """The model's outputs for a batch, as an (N, out) array, without building a graph."""
    return np.asarray(model.predict(np.asarray(X)))


def predict_fast(model: Any, X: np.ndarray) -> np.ndarray:
    """:func:`predict` for many points (a plot's grid): the model's weights in a tensor MLP.

    Every network has the same weight layout (``get_weights``), so the tensor MLP computes
    the same function, with one array per layer instead of one node per weight and sample.
    """
    return predict(copy_on(model, "tensor"), X)


def copy_on(model: Network, engine: str) -> MLP:
    """A new ``nn.MLP`` on ``engine`` computing the same function as ``model``: the same
    sizes and activations, its weights copied (the model itself is not touched)."""
    weights = model.get_weights()
    acts = model.activations
    hidden = acts[0] if len(acts) > 1 else acts[-1]
    bias = weights[0][1] is not None
    dtype = model.dtype if engine == "tensor" else np.float64  # Values hold Python floats
    twin = MLP(model.sizes, hidden, acts[-1], bias=bias, engine=engine, dtype=dtype)
    twin.set_weights(weights)
    return twin


def accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Share of samples classified right: threshold 0.5 for one output, argmax for many."""
    pred = predict(model, X)
    if y.shape[1] == 1:
        return float(np.mean((pred > 0.5) == (y > 0.5)))
    return float(np.mean(pred.argmax(axis=1) == y.argmax(axis=1)))
