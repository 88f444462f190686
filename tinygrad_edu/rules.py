"""The notes by hand: forward pass, δ rules and the gradient-descent update, in plain numpy.

No autograd here: this is backpropagation exactly as the lecture notes write it, so that
``compare`` can put it beside what autograd computes. The conventions:

- ``weights`` is the ``MLP.get_weights()`` list ``[(W, b), …]``, one pair per layer, ``W`` of
  shape (out, in): row j holds the weights *into* unit j, column i the weights *from* input
  i (note 01's W_ij, from i to j, is our ``W[j, i]``). ``b`` has shape (out,) or is None.
- ``activations`` names one activation per layer, e.g. ``["sigmoid", "linear"]``.
- A layer computes  net = W O_prev + b  and  O = f(net);  O_prev of the first layer is x.
- The error is the notes' E = ½ Σ (O − t)², summed over the output units and, for a batch
  ``x`` of shape (N, in), over the samples too. A softmax output layer has its natural error
  instead, cross-entropy E = −Σ t log O (summed likewise; t one-hot or probability rows).

The δ rules (f′ written in terms of the output O, as the notes do):

    δ_output = (O − t) · f′(net)              f′: sigmoid O (1 − O), tanh 1 − O², linear 1
    δ_output = O − t                          softmax output with cross-entropy
    δ_hidden = f′(net) · (Wᵀ δ_next)          W: the next layer's weights, (out, in)
    ∂E/∂W    = δ O_prevᵀ        ∂E/∂b = δ      (summed over the samples of a batch)
    ΔW       = −η ∂E/∂W         Δb = −η ∂E/∂b
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks, ops
from .checks import as_float

Weights = checks.Weights

ACTIVATIONS = ops.ACTIVATIONS  # every activation of one unit in the op table
OUTPUT_ACTIVATIONS = ops.OUTPUT_ACTIVATIONS  # what may end the output layer (softmax too)

# The hint for a weight matrix used the wrong way round, in the notes' layout: the grader
# gives it for a transposed result, compare and the exercises for a shape error raised
# inside a learner's own rules.
TRANSPOSED_HINT = (
    "W has shape (out, in): ∂E/∂W = δ O_prevᵀ has W's own shape, and a hidden δ takes "
    "Wᵀ δ_next (for rows of samples: δ_next @ W), not W δ_next"
)


def shape_hint(error: BaseException) -> str | None:
    """The hint for an exception a learner's own rules raised, when NumPy refused shapes
    (``matmul: … mismatch``, ``operands could not be broadcast``, ``not aligned``): most
    often a W used where Wᵀ belongs. None for any other exception."""
    text = str(error)
    if isinstance(error, ValueError) and any(w in text for w in ("shape", "matmul", "aligned")):
        return f"check the shapes. {TRANSPOSED_HINT}"
    return None


@dataclass(repr=False)
class LayerForward:
    """One layer of the forward pass: ``net = W O_prev + b`` and ``out = f(net)``.

    For one sample (x of shape (in,)) both have shape (out,); for a batch, (N, out).
    """

    net: np.ndarray
    out: np.ndarray

    def __repr__(self) -> str:
        return _record_repr(self, ("net", "out"))


@dataclass(repr=False)
class LayerBackward:
    """One layer of the backward pass.

    ``delta`` = ∂E/∂net, per sample (shape like ``net``); ``dW`` = ∂E/∂W = δ O_prevᵀ of
    shape (out, in) and ``db`` = ∂E/∂b = δ of shape (out,), both summed over the samples
    of a batch (``db`` is None for a layer without bias).
    """

    net: np.ndarray
    out: np.ndarray
    delta: np.ndarray
    dW: np.ndarray  # noqa: N815 (the notes' name)
    db: np.ndarray | None

    def __repr__(self) -> str:
        fields = ("net", "out", "delta", "dW", "db")
        return _record_repr(self, fields)


FOUR: Any = {"float_kind": lambda v: f"{v:.4g}"}  # 4 significant digits


def _record_repr(record: Any, fields: Sequence[str]) -> str:
    """One field a line, numbers to 4 significant digits: readable beside the notes."""
    lines = [f"{type(record).__name__}("]
    for name in fields:
        value = getattr(record, name)
        text = "None" if value is None else np.array2string(value, separator=", ", formatter=FOUR)
        lines.append(f"  {name}=" + text.replace("\n", "\n" + " " * (len(name) + 3)) + ",")
    return "\n".join(lines) + "\n)"


# --- the activations and their derivatives in the notes' output form ---------------------


def activate(name: str, net: np.ndarray) -> np.ndarray:
    """O = f(net) for the activation ``name`` (its row of the op table, ``ops.py``)."""
    forward = ops.activation(name, "rules").forward
    assert forward is not None  # every activation row has one
    return forward(net)


def derivative(name: str, net: np.ndarray, out: np.ndarray) -> np.ndarray:
    """f′(net), written with the output O = f(net) as the notes write it (see ``ops.py``:
    sigmoid O (1 − O), tanh 1 − O², relu [net > 0], linear 1)."""
    f_prime = ops.activation(name, "rules").derivative
    if f_prime is None:  # softmax: each O_k depends on every net_j, a Jacobian
        raise ValueError(f"rules.derivative: {name!r} has no f′ per unit (see output_delta)")
    d = f_prime(net, out)
    return d.astype(out.dtype) if d.dtype == bool else d  # relu's switch, as 1.0 and 0.0


def output_delta(name: str, net: np.ndarray, out: np.ndarray, t: np.ndarray) -> np.ndarray:
    """δ = ∂E/∂net of the output layer, for the natural error of its activation ``name``.

    softmax with cross-entropy E = −Σ_k t_k log O_k:  ∂E/∂O_k = −t_k / O_k and
    ∂O_k/∂net_j = O_k (δ_kj − O_j), so δ_j = Σ_k (−t_k / O_k) O_k (δ_kj − O_j)
    = −t_j + O_j Σ_k t_k = O_j − t_j (the t_k sum to 1):  δ = O − t.
    Any other with E = ½ Σ (O − t)²:  δ = (O − t) f′(net).
    """
    if ops.activation(name, "rules").layer_wide:
        return out - t
    return (out - t) * derivative(name, net, out)


# --- the three steps of the notes: forward, backward (δ), update -------------------------


def forward(
    weights: Sequence[tuple[Any, Any]], activations: Sequence[str], x: Any
) -> list[LayerForward]:
    """Run the network forward: one :class:`LayerForward` (``net``, ``out``) per layer.

    net = W O_prev + b,  O = f(net), starting from O_prev = x. ``x`` is (in,) or (N, in).
    """
    layers = _check_network(weights, activations)
    O_prev = _check_input(x, layers[0][0].shape[1], "rules.forward: x")
    records = []
    for (W, b), name in zip(layers, activations):
        # Samples are rows, so W O_prev for every sample at once is O_prev Wᵀ.
        net = O_prev @ W.T
        if b is not None:
            net = net + b
        out = activate(name, net)
        records.append(LayerForward(net=net, out=out))
        O_prev = out
    return records


def backward(
    weights: Sequence[tuple[Any, Any]], activations: Sequence[str], x: Any, t: Any
) -> list[LayerBackward]:
    """Backpropagation by the δ rules for E = ½ Σ (O − t)² (for a softmax output, E = −Σ t log O):
    one :class:`LayerBackward` per layer.

    ``x`` is (in,) or (N, in); ``t`` has exactly the shape of the output, (out,) or (N, out)
    (for a softmax output also class indices, (N,) integers).
    """
    layers = _check_network(weights, activations)
    x = _check_input(x, layers[0][0].shape[1], "rules.backward: x")
    n_out = layers[-1][0].shape[0]
    out_shape = (*x.shape[:-1], n_out)
    if ops.OPS[activations[-1]].layer_wide:  # softmax: class indices or probability rows
        t = checks.class_targets(t, out_shape, "rules.backward: t")
    t = checks.real_array(t, "rules.backward: t")
    if t.shape != out_shape:
        raise ValueError(
            f"rules.backward: t has shape {t.shape}, but the network's output for x of shape "
            f"{x.shape} has shape {out_shape}; they must match exactly"
        )
    fwd = forward(layers, activations, x)
    inputs = [x] + [record.out for record in fwd[:-1]]  # O_prev of every layer

    # Walk the layers from the output back to the first one.
    records: list[LayerBackward] = []
    delta_next: np.ndarray | None = None
    W_next: np.ndarray | None = None
    for (W, b), name, record, O_prev in reversed(list(zip(layers, activations, fwd, inputs))):
        if delta_next is None or W_next is None:
            # output layer: δ = (O − t) f′(net); softmax with cross-entropy: δ = O − t
            delta = output_delta(name, record.net, record.out, t)
        else:
            # hidden layer: δ = f′(net) · (Wᵀ δ_next), W the next layer's (out, in) weights;
            # samples are rows, so Wᵀ δ_next for every sample is δ_next W
            delta = derivative(name, record.net, record.out) * (delta_next @ W_next)
        records.append(
            LayerBackward(
                net=record.net,
                out=record.out,
                delta=delta,
                dW=weight_gradient(delta, O_prev),
                db=None if b is None else bias_gradient(delta),
            )
        )
        delta_next, W_next = delta, W
    records.reverse()
    return records


def weight_gradient(delta: np.ndarray, O_prev: np.ndarray) -> np.ndarray:
    """∂E/∂W = δ O_prevᵀ: entry [j, i] is δ_j O_i (note 01's ∂E/∂W_ij = O_i δ_j).

    For a batch (rows are samples) δᵀ O_prev sums δ_j O_i over the samples.
    """
    if delta.ndim == 1:
        return np.outer(delta, O_prev)
    return delta.T @ O_prev


def bias_gradient(delta: np.ndarray) -> np.ndarray:
    """∂E/∂b = δ (a bias is a weight on a constant input 1), summed over a batch."""
    return delta.copy() if delta.ndim == 1 else delta.sum(axis=0)


def gradients(records: Sequence[LayerBackward]) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """The ``(dW, db)`` pairs of ``backward``'s records, as ``sgd_step`` takes them."""
    return [(record.dW, record.db) for record in records]


def sgd_step(weights: Sequence[tuple[Any, Any]], grads: Sequence[Any], lr: float) -> Weights:
    """One step of gradient descent: W ← W + ΔW with ΔW = −η ∂E/∂W (and b likewise).

    ``grads`` is a list of ``(dW, db)`` pairs (or ``backward``'s records). Returns a new
    weights list; ``weights`` and ``grads`` are not changed.
    """
    layers = checks.weight_pairs(weights, "rules.sgd_step")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)):
        raise TypeError(f"rules.sgd_step: lr must be a number, got {type(lr).__name__}")
    lr = as_float(lr, "rules.sgd_step: lr")
    if not isinstance(grads, (list, tuple)) or len(grads) != len(layers):
        got = len(grads) if isinstance(grads, (list, tuple)) else type(grads).__name__
        raise ValueError(
            f"rules.sgd_step: expected {len(layers)} (dW, db) pairs, one per layer, got {got}"
        )
    new_weights: Weights = []
    for l, ((W, b), grad) in enumerate(zip(layers, grads), 1):
        dW, db = (grad.dW, grad.db) if isinstance(grad, LayerBackward) else _pair(grad, l)
        dW = checks.real_array(dW, f"rules.sgd_step: dW of layer {l}")
        if dW.shape != W.shape:
            raise ValueError(
                f"rules.sgd_step: dW of layer {l} has shape {dW.shape}, W has {W.shape}"
            )
        if (b is None) != (db is None):
            raise ValueError(
                f"rules.sgd_step: layer {l} has {'no ' if b is None else ''}bias, "
                f"but db is {'given' if db is not None else 'None'}"
            )
        new_b = None
        if b is not None:
            db = checks.real_array(db, f"rules.sgd_step: db of layer {l}")
            if db.shape != b.shape:
                raise ValueError(
                    f"rules.sgd_step: db of layer {l} has shape {db.shape}, b has {b.shape}"
                )
            new_b = b - lr * db  # Δb = −η ∂E/∂b
        new_weights.append((W - lr * dW, new_b))  # ΔW = −η ∂E/∂W
    return new_weights


# --- checking the input, with errors that say what is wrong ------------------------------


def _pair(grad: Any, layer: int) -> tuple[Any, Any]:
    if not isinstance(grad, (list, tuple)) or len(grad) != 2:
        raise ValueError(f"rules.sgd_step: layer {layer} needs a (dW, db) pair, got {grad!r}")
    return grad[0], grad[1]


def _layer_wide(name: Any) -> bool:
    op = ops.OPS.get(name) if isinstance(name, str) else None
    return op is not None and op.layer_wide


def _check_network(weights: Any, activations: Any) -> Weights:
    layers = checks.weight_pairs(weights, "rules")
    if isinstance(activations, str) or not isinstance(activations, (list, tuple)):
        raise TypeError(
            f"rules: activations must be a list of names, one per layer, got {activations!r}"
        )
    if len(activations) != len(layers):
        raise ValueError(
            f"rules: {len(layers)} layers but {len(activations)} activations "
            f"{list(activations)}; give one activation per layer"
        )
    for name in activations[:-1]:
        if name not in ACTIVATIONS:
            hint = " (it reads a whole layer: only the output may use it)" * _layer_wide(name)
            raise ValueError(
                f"rules: unknown hidden activation {name!r}, expected one of {ACTIVATIONS}{hint}"
            )
    if activations[-1] not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"rules: unknown activation {activations[-1]!r}, expected one of {OUTPUT_ACTIVATIONS}"
        )
    return layers


def _check_input(x: Any, n_in: int, what: str) -> np.ndarray:
    x = checks.real_array(x, what)
    if x.ndim not in (1, 2) or x.shape[-1] != n_in:
        raise ValueError(f"{what} must have shape ({n_in},) or (N, {n_in}), got {x.shape}")
    return x
