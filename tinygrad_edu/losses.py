"""The squared-error loss, one "mse" node for both engines.

With O the outputs, t the targets and n the number of elements:

- ``"half_sum"``: E = ½ Σ (O − t)²   (the notes' error),  ∂E/∂O = O − t
- ``"sum"``:      E = Σ (O − t)²,                          ∂E/∂O = 2 (O − t)
- ``"mean"``:     E = (1/n) Σ (O − t)²  (PyTorch's default), ∂E/∂O = (2/n) (O − t)

and ∂E/∂t = −∂E/∂O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from . import checks
from .tensor import Tensor
from .value import Value

REDUCTIONS = ("mean", "sum", "half_sum")


def _scale(reduction: str, n: int) -> float:
    """The factor c in E = c Σ (O − t)², so that ∂E/∂O = 2c (O − t)."""
    if reduction == "half_sum":
        return 0.5
    if reduction == "sum":
        return 1.0
    if reduction == "mean":
        return 1.0 / max(n, 1)
    raise ValueError(f"mse_loss: unknown reduction {reduction!r}, expected one of {REDUCTIONS}")


@overload
def mse_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor: ...
@overload
def mse_loss(pred: Value | Sequence[Any], target: Any, reduction: str = "mean") -> Value: ...


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor | Value:
    """Squared error between ``pred`` and ``target`` as a single "mse" node.

    ``pred`` is a Tensor (``target`` an array or Tensor of exactly the same shape; an
    array is cast to pred's dtype, a Tensor must have it), or what a value-engine model
    returns: a list of Values, or a list of such lists for a batch. Its ``target`` has the
    same shape: a NumPy array, or (nested) lists of numbers or Values. So
    ``mse_loss(model(X), y)`` takes the same ``y`` on both engines.
    """
    if isinstance(pred, Tensor):
        return _mse_tensor(pred, target, reduction)
    if isinstance(pred, Value):
        pred = [pred]
        target = target if isinstance(target, (list, tuple, np.ndarray)) else [target]
    values = _values_and_shape(pred)
    if values is None:
        raise TypeError(
            "mse_loss: pred must be a Tensor, a list of Values or a list of lists of Values, "
            f"got {type(pred).__name__}"
        )
    return _mse_values(*values, target, reduction)


def _values_and_shape(pred: Any) -> tuple[list[Value], tuple[int, ...]] | None:
    """The Values of a list (n,) or of a list of equal-length lists (N, k), and that shape;
    None when ``pred`` is neither."""
    if not isinstance(pred, (list, tuple)):
        return None
    if all(isinstance(o, Value) for o in pred):
        return list(pred), (len(pred),)
    if not all(isinstance(row, (list, tuple)) for row in pred):
        return None
    if not all(isinstance(o, Value) for row in pred for o in row):
        return None
    lengths = [len(row) for row in pred]
    if len(set(lengths)) != 1:
        raise ValueError(f"mse_loss: the rows of pred have different lengths {lengths}")
    return [o for row in pred for o in row], (len(pred), lengths[0])


def _mse_tensor(pred: Tensor, target: Any, reduction: str) -> Tensor:
    if not isinstance(target, Tensor):  # a plain array target takes pred's dtype; "t" in drawings
        target = Tensor(checks.float_array(target, "mse_loss target").astype(pred.dtype), label="t")
    elif target.data.dtype != pred.data.dtype:  # a Tensor's dtype is its own: never recast
        raise ValueError(
            f"mse_loss: pred has dtype {pred.data.dtype} and the target Tensor has dtype "
            f"{target.data.dtype}; they must match (a plain array target is cast to pred's)"
        )
    if pred.data.shape != target.data.shape:
        raise ValueError(
            f"mse_loss: pred has shape {pred.shape} and target has shape {target.shape}; "
            "they must match exactly (no broadcasting)"
        )
    c = _scale(reduction, pred.size)
    diff = np.asarray(pred.data - target.data)  # O − t (asarray: 0-d inputs give a scalar)
    diff.flags.writeable = False  # it may be handed out as ∂E/∂O below: keep it unchanged
    loss = np.asarray(c * (diff * diff).sum(), dtype=diff.dtype)

    # g, the gradient of the scalar loss, as a Python number: one array op instead of three
    def grad_pred(g: np.ndarray) -> np.ndarray:
        k = 2 * c * float(g)  # ∂E/∂O = 2c (O − t)
        # The notes' E = ½ Σ (O − t)² seeded with 1 (k = 1): ∂E/∂O is O − t itself
        return diff if k == 1.0 else k * diff

    def grad_target(g: np.ndarray) -> np.ndarray:
        return (-2 * c * float(g)) * diff  # ∂E/∂t = −2c (O − t)

    return Tensor.from_op(loss, (pred, target), "mse", grad_pred, grad_target)


def _mse_values(pred: list[Value], shape: tuple[int, ...], target: Any, reduction: str) -> Value:
    if isinstance(target, Tensor) or not isinstance(target, (list, tuple, np.ndarray)):
        raise TypeError(
            "mse_loss: the target of Values must be a NumPy array or a list of numbers or "
            f"Values, got {type(target).__name__}"
        )
    try:  # dtype=object keeps Values as they are
        array = target if isinstance(target, np.ndarray) else np.array(target, dtype=object)
    except ValueError:  # a ragged list
        raise ValueError(
            f"mse_loss: the target's rows have different lengths: {target!r}"
        ) from None
    if array.shape != shape:
        raise ValueError(
            f"mse_loss: pred has shape {shape} and target has shape {array.shape}; "
            "they must match exactly (no broadcasting)"
        )
    try:
        t = [Value.lift(v, "mse_loss target") for v in array.reshape(-1).tolist()]
    except OverflowError:  # a Python int beyond float range, e.g. 10**400
        raise ValueError("mse_loss target: a number is too large for a float") from None
    for name, t_k, given in zip(_target_labels(shape), t, array.reshape(-1).tolist()):
        if not isinstance(given, Value):  # a number made a constant: named as in the notes
            t_k.label = name
    c = _scale(reduction, len(pred))
    diffs = [o.data - tk.data for o, tk in zip(pred, t)]  # O_k − t_k
    loss = c * sum(d * d for d in diffs)
    local = tuple([2 * c * d for d in diffs] + [-2 * c * d for d in diffs])
    return Value.from_op(loss, (*pred, *t), "mse", local)


def _target_labels(shape: tuple[int, ...]) -> list[str]:
    """Names for the targets drawn in a graph: "t" for one, "t1", "t2", … for one per sample
    or per output, "t{n}_{k}" (sample n, output k) for a batch of several outputs."""
    if math.prod(shape) == 1:
        return ["t"]
    if len(shape) == 1 or shape[1] == 1:
        return [f"t{k}" for k in range(1, math.prod(shape) + 1)]
    return [f"t{n}_{k}" for n in range(1, shape[0] + 1) for k in range(1, shape[1] + 1)]
