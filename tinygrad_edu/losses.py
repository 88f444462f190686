"""The squared-error loss, one "mse" node for both engines.

With O the outputs, t the targets and n the number of elements:

- ``"half_sum"``: E = ½ Σ (O − t)²   (the notes' error),  ∂E/∂O = O − t
- ``"sum"``:      E = Σ (O − t)²,                          ∂E/∂O = 2 (O − t)
- ``"mean"``:     E = (1/n) Σ (O − t)²  (PyTorch's default), ∂E/∂O = (2/n) (O − t)

and ∂E/∂t = −∂E/∂O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from .tensor import Tensor, _as_array
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
def mse_loss(pred: Sequence[Value], target: Any, reduction: str = "mean") -> Value: ...


def mse_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor | Value:
    """Squared error between ``pred`` and ``target`` as a single "mse" node.

    ``pred`` is a Tensor (``target`` an array or Tensor of exactly the same shape; an
    array is cast to pred's dtype, a Tensor must have it), or a list of Values (``target``
    numbers or Values, same length).
    """
    if isinstance(pred, Tensor):
        return _mse_tensor(pred, target, reduction)
    if isinstance(pred, Value):
        pred = [pred]
        target = target if isinstance(target, (list, tuple)) else [target]
    if isinstance(pred, (list, tuple)) and all(isinstance(o, Value) for o in pred):
        return _mse_values(list(pred), target, reduction)
    raise TypeError(
        f"mse_loss: pred must be a Tensor or a list of Values, got {type(pred).__name__}"
    )


def _mse_tensor(pred: Tensor, target: Any, reduction: str) -> Tensor:
    if not isinstance(target, Tensor):  # a plain array target takes pred's dtype
        target = Tensor(_as_array(target, "mse_loss target").astype(pred.dtype))
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

    return Tensor._result(loss, (pred, target), "mse", grad_pred, grad_target)


def _mse_values(pred: list[Value], target: Any, reduction: str) -> Value:
    if not isinstance(target, (list, tuple)):
        raise TypeError(f"mse_loss: target for a list of Values must be a list, got {target!r}")
    if len(pred) != len(target):
        raise ValueError(
            f"mse_loss: pred has {len(pred)} values and target has {len(target)}; "
            "they must have the same length"
        )
    try:
        t = [Value._lift(v, "mse_loss target") for v in target]
    except OverflowError:  # a Python int beyond float range, e.g. 10**400
        raise ValueError("mse_loss target: a number is too large for a float") from None
    c = _scale(reduction, len(pred))
    diffs = [o.data - tk.data for o, tk in zip(pred, t)]  # O_k − t_k
    loss = c * sum(d * d for d in diffs)
    local = tuple([2 * c * d for d in diffs] + [-2 * c * d for d in diffs])
    return Value._result(loss, (*pred, *t), "mse", local)
