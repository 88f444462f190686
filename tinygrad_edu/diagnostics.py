"""Training diagnostics: per layer, how big the gradients and the δ are, how many units saturate.

``fit(..., diagnostics=True)`` measures, at every step (after ``backward``, before the
update), for every layer l of the network:

- ``grad_W_norm``: ‖∂E/∂W_l‖, the Euclidean (Frobenius) norm of the weight gradient;
- ``grad_b_norm``: ‖∂E/∂b_l‖ (nan for a layer without bias);
- ``delta_norm``: ‖δ_l‖, the norm of the notes' δ = ∂E/∂net of the layer, taken over every
  unit and every sample of the batch (the (N, units) matrix of δs). E is the error the
  step trained on, so with the default ``reduction="mean"`` it carries the 1/N of the mean;
  with ``"half_sum"`` it is exactly the notes' δ (``rules.backward``);
- ``saturated``: the fraction of the layer's units that are saturated (:func:`saturation`).

The δ comes from autograd, not from a second computation: the step's forward pass runs
through ``model.forward_layers`` (the Network protocol), which keeps each layer's ``net``
node, and after ``backward`` each net's gradient *is* δ. Without ``diagnostics=True`` the
training loop calls ``model(X)`` as before and pays nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops

SATURATION_TOLERANCE = 1e-3


def saturation(activation: str, out: Any, tolerance: float = SATURATION_TOLERANCE) -> float:
    """The fraction of a layer's units that are saturated, for outputs ``out`` of shape
    (N, units) (or (units,) for one sample). The activation's row of the op table (``ops.py``)
    gives its ``bounds``, the outputs f approaches where f′ → 0:

    - most activations (sigmoid (0, 1), tanh (−1, 1), softplus 0): the share of (sample,
      unit) pairs whose output lies within ``tolerance`` of a bound. For the sigmoid and
      tanh f′ = O (1 − O) or 1 − O² is then below about ``2·tolerance``: δ = f′ · (…) is
      nearly cut. (A row whose f′ → 0 where O → 0 from below, such as silu, also counts a
      net within about ±2·tolerance of 0, where f′ is about ½: rare among a layer's nets.)
    - a switch (relu, f′ 1 or 0): the share of *dead* units, whose output is at the bound
      for every sample of the batch: f′ = 0 for all of them, so no gradient passes and the
      unit cannot learn from it.
    - no bounds (linear, leaky relu, softmax's output with cross-entropy, δ = O − t): 0.0,
      since f′ never comes near 0.
    """
    op = ops.activation(activation, "saturation")
    if op.bounds is None:
        return 0.0
    out = np.atleast_2d(np.asarray(out, dtype=float))
    low, high = op.bounds
    if op.chain is ops.Chain.SWITCH:
        dead = np.all((out == low) | (out == high), axis=0)  # per unit: for every sample
        return float(dead.mean())
    near = (out <= low + tolerance) | (out >= high - tolerance)
    return float(near.mean())


def what_saturation_counts(activation: str) -> str:
    """What :func:`saturation` counts for ``activation``, in the words a plot shows."""
    op = ops.activation(activation, "what_saturation_counts")  # its row of the op table
    if op.bounds is None:
        return f"none ({activation} never saturates)"
    if op.chain is ops.Chain.SWITCH:
        return f"dead ({activation}: {op.bounds[0]:g} for every sample)"
    return f"saturated ({activation}: within {SATURATION_TOLERANCE:g} of a bound)"


def _array(nodes: Any, attribute: str) -> np.ndarray:
    """``.data`` or ``.grad`` of a layer's nodes as one array: a Tensor holds it already, the
    value engine has one Value per unit (and per sample). A gradient never reached: 0."""
    if isinstance(nodes, (list, tuple)):
        return np.array([_array(node, attribute) for node in nodes], dtype=float)
    value = getattr(nodes, attribute)
    if value is None:
        return np.zeros(np.shape(nodes.data))
    return np.asarray(value, dtype=float)


# What a model must offer to be measured (part of the Network protocol, nn/mlp.py).
NEEDED = ("forward_layers", "get_gradients", "activations")


class LayerRecorder:
    """Stands in for a model during one training step: ``recorder(X)`` runs the model's
    ``forward_layers`` and keeps each layer's (net, out) nodes; everything else is the
    model's own (``recorder.sizes`` is ``model.sizes``), so any loss function works."""

    def __init__(self, model: Any) -> None:
        missing = [name for name in NEEDED if not hasattr(model, name)]
        if missing:
            raise TypeError(
                f"fit(diagnostics=True): {type(model).__name__} has no {', '.join(missing)}; "
                "the diagnostics need a network of the Network protocol (an nn.MLP)"
            )
        self.model = model
        self.layers: list[tuple[Any, Any]] = []

    def __call__(self, X: Any) -> Any:
        self.layers = self.model.forward_layers(X)
        return self.layers[-1][1]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def measure(self) -> dict[str, list[float]]:
        """After ``backward``: per layer the four numbers of the module docstring."""
        if not self.layers:
            raise ValueError(
                "fit(diagnostics=True): the loss function never called the model, so no "
                "layer was recorded (a loss given to fit must compute model(X))"
            )
        return layer_stats(self.model.get_gradients(), self.layers, self.model.activations)


def layer_stats(
    gradients: Sequence[tuple[np.ndarray, np.ndarray | None]],
    layers: Sequence[tuple[Any, Any]],
    activations: Sequence[str],
) -> dict[str, list[float]]:
    """Per layer ‖∂E/∂W‖, ‖∂E/∂b‖, ‖δ‖ and the saturated fraction, from the model's
    ``get_gradients()`` and the (net, out) nodes of ``forward_layers`` after ``backward``."""
    stats: dict[str, list[float]] = {
        "grad_W_norm": [],
        "grad_b_norm": [],
        "delta_norm": [],
        "saturated": [],
    }
    for (dW, db), (net, out), name in zip(gradients, layers, activations):
        stats["grad_W_norm"].append(float(np.linalg.norm(dW)))
        stats["grad_b_norm"].append(float("nan") if db is None else float(np.linalg.norm(db)))
        stats["delta_norm"].append(float(np.linalg.norm(_array(net, "grad"))))
        stats["saturated"].append(saturation(name, _array(out, "data")))
    return stats
