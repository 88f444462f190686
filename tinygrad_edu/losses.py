"""The losses, one node each for both engines: squared error ("mse") and cross-entropy.

Squared error, with O the outputs, t the targets and n the number of elements:

- ``"half_sum"``: E = ½ Σ (O − t)²   (the notes' error),  ∂E/∂O = O − t
- ``"sum"``:      E = Σ (O − t)²,                          ∂E/∂O = 2 (O − t)
- ``"mean"``:     E = (1/n) Σ (O − t)²  (PyTorch's default), ∂E/∂O = (2/n) (O − t)

and ∂E/∂t = −∂E/∂O.

Cross-entropy of a classifier (:func:`cross_entropy_loss`), with O = softmax(net) per
sample, N samples and t one-hot (or probability) rows:

- ``"mean"``: E = −(1/N) Σ_n Σ_k t_nk log O_nk  (PyTorch's default),  δ = ∂E/∂net = (O − t)/N
- ``"sum"``:  E = −Σ_n Σ_k t_nk log O_nk,                              δ = ∂E/∂net = O − t
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from . import checks, ops
from .tensor import Scatter, Tensor
from .value import Value, softmax_class

REDUCTIONS = ("mean", "sum", "half_sum")
CROSS_ENTROPY_REDUCTIONS = ("mean", "sum")


def _mean_factor(n: int) -> float:
    """1/n, the factor of a mean over n terms; the mean of none is 0/0: NaN, with NumPy's
    warning (as ``Tensor.mean``, NumPy and PyTorch)."""
    if n == 0:
        warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=5)
        return math.nan
    return 1.0 / n


def _scale(reduction: str, n: int) -> float:
    """The factor c in E = c Σ (O − t)², so that ∂E/∂O = 2c (O − t)."""
    if reduction == "half_sum":
        return 0.5
    if reduction == "sum":
        return 1.0
    if reduction == "mean":
        return _mean_factor(n)
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


def _values_and_shape(
    pred: Any, where: str = "mse_loss"
) -> tuple[list[Value], tuple[int, ...]] | None:
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
        raise ValueError(f"{where}: the rows of pred have different lengths {lengths}")
    return [o for row in pred for o in row], (len(pred), lengths[0])


def _mse_tensor(pred: Tensor, target: Any, reduction: str) -> Tensor:
    if not isinstance(target, Tensor):  # a plain array target takes pred's dtype; "t" in drawings
        target = Tensor(checks.float_array(target, "mse_loss target").astype(pred.dtype), label="t")
    # a Tensor's dtype is its own: never recast ("is not" first: one dtype object per type)
    elif target.data.dtype is not pred.data.dtype and target.data.dtype != pred.data.dtype:
        raise ValueError(
            f"mse_loss: pred has dtype {pred.data.dtype} and the target Tensor has dtype "
            f"{target.data.dtype}; they must match (a plain array target is cast to pred's)"
        )
    if pred.data.shape != target.data.shape:
        raise ValueError(
            f"mse_loss: pred has shape {pred.shape} and target has shape {target.shape}; "
            "they must match exactly (no broadcasting)"
        )
    c = _scale(reduction, pred.data.size)
    diff = pred.data - target.data  # O − t
    if type(diff) is not np.ndarray:  # 0-d inputs give a NumPy scalar
        diff = np.asarray(diff)
    # it may be handed out as ∂E/∂O below: keep it unchanged (setflags: `.flags.writeable =`
    # makes a flags object that calls setflags by name, 1.2 k instructions more)
    diff.setflags(write=False)
    loss = np.asarray(_scaled_squares(c, diff), dtype=diff.dtype)

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
    loss = float(_scaled_squares(c, np.array(diffs)))
    local = tuple([2 * c * d for d in diffs] + [-2 * c * d for d in diffs])
    return Value.from_op(loss, (*pred, *t), "mse", local)


def _scaled_squares(c: float, diff: np.ndarray) -> Any:
    """c Σ (O − t)², Σ as one BLAS call. A mean (c < 1) whose Σ overflows may be finite
    (O − t = 2e154, 0, 0, 0: Σ = 4e308 is beyond the floats, the mean 1e308 is not): then
    it is Σ (√c (O − t))², which is finite when the mean is."""
    total = c * np.vdot(diff, diff)
    if c < 1 and math.isinf(total):  # (math: a NumPy scalar's isinf costs a ufunc call)
        scaled = math.sqrt(c) * diff
        total = np.vdot(scaled, scaled)
    return total


def _target_labels(shape: tuple[int, ...]) -> list[str]:
    """Names for the targets drawn in a graph: "t" for one, "t1", "t2", … for one per sample
    or per output, "t{n}_{k}" (sample n, output k) for a batch of several outputs."""
    if math.prod(shape) == 1:
        return ["t"]
    if len(shape) == 1 or shape[1] == 1:
        return [f"t{k}" for k in range(1, math.prod(shape) + 1)]
    return [f"t{n}_{k}" for n in range(1, shape[0] + 1) for k in range(1, shape[1] + 1)]


# --- cross-entropy ------------------------------------------------------------------------


@overload
def cross_entropy_loss(pred: Tensor, target: Any, reduction: str = "mean") -> Tensor: ...
@overload
def cross_entropy_loss(pred: Sequence[Any], target: Any, reduction: str = "mean") -> Value: ...


def cross_entropy_loss(pred: Any, target: Any, reduction: str = "mean") -> Tensor | Value:
    """Cross-entropy E = −c Σ t log O with O = softmax(net), as one "cross_entropy" node.

    ``pred`` takes one of three forms (never guessed from its numbers):

    - the nets (logits) of the output layer, as PyTorch's ``cross_entropy`` takes them:
      whatever is not one of the next two;
    - the output O of a softmax itself: the Tensor ``Tensor.softmax`` (or an MLP with
      ``output="softmax"``) returns, or on the Value engine rows that are each the outputs
      of one ``value.softmax`` call (in any order). The loss then hangs from the nets that
      softmax was computed from, so softmax and cross-entropy make one step whose δ is the
      notes' O − t;
    - whole rows (samples) selected from such a Tensor, ``P[:1]``, ``P[mask]``,
      ``P[[2, 0]]``: the loss hangs from the same rows of the nets.

    Anything else made from a softmax's output by indexing, reshaping or transposing (some
    classes cut off or reordered, outputs of one softmax repeated) is a ValueError naming
    these forms, as is a selection whose graph was not kept and whose rows sum to 1 (then
    the nets and the probabilities cannot be told apart).

    On the Tensor engine ``pred`` is (N, C) or (C,); on the Value engine a list of C Values
    or a list of N such lists (``[]``: no samples). ``target`` is class indices ((N,)
    integers in 0 … C−1, or one int) or probabilities of pred's shape (one-hot rows, each
    row summing to 1). ``reduction``: "mean" (c = 1/N, N the number of samples, as
    PyTorch; NaN for N = 0) or "sum" (c = 1).

    ∂E/∂net = c (O − t): the δ of the output layer. The log-probabilities come from
    log-sum-exp (``ops.log_softmax``), so nets of ±1e4 give a finite loss and gradient, and
    a class with t = 0 adds nothing (also where its net is −inf). Given softmax outputs
    whose nets were not kept (made under ``no_grad``) the loss reads log O itself, a
    probability that underflowed to 0 counting as the smallest float (so at most about 708
    per sample), and its derivative is ∂E/∂O = −c t / O.
    """
    where = "cross_entropy_loss"
    if reduction not in CROSS_ENTROPY_REDUCTIONS:
        raise ValueError(
            f"{where}: unknown reduction {reduction!r}, expected one of {CROSS_ENTROPY_REDUCTIONS}"
        )
    if isinstance(pred, Tensor):
        return _cross_entropy_tensor(pred, target, reduction)
    values = _values_and_shape(pred, where)
    if values is None:
        raise TypeError(
            f"{where}: pred must be a Tensor, a list of Values (one sample) or a list of "
            f"lists of Values (a batch), got {type(pred).__name__}"
        )
    if values[1] == (0,) and _is_empty_batch(target):  # what a model gives for 0 samples
        loss = 0.0 if reduction == "sum" else _mean_factor(0)  # the mean of none: NaN
        return Value.from_op(loss, (), "cross_entropy", ())
    if values[1][-1] == 0:
        raise ValueError(f"{where}: pred has no outputs (shape {values[1]}): nothing to classify")
    return _cross_entropy_values(pred, values[1], target, reduction)


def _is_empty_batch(target: Any) -> bool:
    """Whether ``target`` holds no samples: an empty list or an array of length 0."""
    return (
        isinstance(target, (list, tuple, np.ndarray)) and np.ndim(target) > 0 and len(target) == 0
    )


def _cross_entropy(
    z: np.ndarray, target: Any, reduction: str, probabilities: bool
) -> tuple[float, np.ndarray]:
    """E and ∂E/∂(the input) for the input ``z``: the nets, or (``probabilities``) O itself.

    On the nets: log O = net − log Σ e^net (log-sum-exp) and ∂E/∂net = c (O − t).
    On probabilities: log O with O ≥ the smallest float, and ∂E/∂O = −c t / O.
    """
    if z.ndim not in (1, 2) or z.shape[-1] < 1:
        raise ValueError(f"cross_entropy_loss: pred must have shape (N, C) or (C,), got {z.shape}")
    t = checks.class_targets(target, z.shape, "cross_entropy_loss").astype(z.dtype)
    c = 1.0 if reduction == "sum" or z.ndim == 1 else _mean_factor(z.shape[0])
    if probabilities:
        O = np.maximum(z, np.finfo(z.dtype).tiny)
        log_O, local = np.log(O), -c * t / O  # ∂E/∂O = −c t / O
    else:
        log_O = ops.log_softmax(z)
        local = c * (np.exp(log_O) - t)  # δ = ∂E/∂net = c (O − t)
    # Σ t log O over the classes with t > 0 only: a class of t = 0 adds nothing, also where
    # its net is −inf (log O = −inf, and 0 · −inf would be NaN); "0.0 −" makes a loss of
    # exactly 0 +0.0
    terms = np.multiply(t, log_O, out=np.zeros_like(log_O), where=t != 0)
    return 0.0 - c * float(np.sum(terms)), local


def _cross_entropy_tensor(pred: Tensor, target: Any, reduction: str) -> Tensor:
    source, probabilities = _tensor_source(pred)
    z = source.data
    loss, local = _cross_entropy(z, target, reduction, probabilities)
    local = local.astype(z.dtype, copy=False)
    local.flags.writeable = False  # it may be handed out as the gradient itself

    def grad(g: np.ndarray) -> np.ndarray:
        k = float(g)
        return local if k == 1.0 else k * local

    return Tensor.from_op(np.asarray(loss, dtype=z.dtype), (source,), "cross_entropy", grad)


PRED_FORMS = (
    "pred may be the nets (logits), as PyTorch takes them; the output of a softmax itself; "
    "or whole rows (samples) selected from a softmax's output"
)
# The ops that only move numbers: what they make from a softmax's output still holds
# probabilities, so it is not nets
_MOVES = ("getitem", "reshape", "transpose", "linear")
_NOT_SELECTED = object()  # a move that is not a selection (reshape, transpose, linear)


def _not_a_form(what: str) -> ValueError:
    return ValueError(f"cross_entropy_loss: {what}; {PRED_FORMS}")


def _tensor_source(pred: Tensor) -> tuple[Tensor, bool]:
    """The Tensor the loss hangs from, and whether it holds probabilities (else nets).

    A softmax's output: its nets (or, kept no graph, its probabilities). Rows selected from
    it: the same rows of the nets. Anything else: ``pred`` as nets, unless it was moved out
    of a softmax's output some other way (an error) or by a move whose graph was not kept
    and its rows sum to 1 (an error: nets and probabilities cannot be told apart).
    """
    node, selections = pred, []
    while node.op in _MOVES and node.parents:
        scatter = node.grad_fns[0]  # a selection (getitem) keeps its index in its Scatter
        selections.append(scatter.index if isinstance(scatter, Scatter) else _NOT_SELECTED)
        node = node.parents[0]
    if node.op == "softmax":
        moved = any(index is _NOT_SELECTED for index in selections)
        if selections and (moved or not _whole_rows(node.shape, selections[::-1])):
            raise _not_a_form(
                "pred was made from a softmax's output by indexing, reshaping or "
                "transposing other than selecting whole rows (classes cut off or reordered)"
            )
        if not node.parents:  # made under no_grad: the probabilities themselves
            return pred, True
        nets = node.parents[0]
        for index in reversed(selections):  # the same rows of the nets
            nets = nets[index]
        return nets, False
    if node.op in _MOVES:  # moved, and the graph that says from what was not kept
        return _unknown_origin(pred, f"tensor made by {node.op}")
    return pred, False


def _unknown_origin(pred: Tensor, what: str) -> tuple[Tensor, bool]:
    """``pred`` as nets, unless its rows sum to 1 as a softmax's outputs do: then an error."""
    z = pred.data
    if z.ndim in (1, 2) and z.shape[-1] and _rows_sum_to_one(z):
        raise _not_a_form(
            f"pred is a {what} whose graph was not kept (made under no_grad, or from "
            "tensors that do not require grad) and its rows sum to 1, so it cannot be told "
            "whether it holds nets or probabilities; select the rows of the nets instead, "
            "or keep the graph"
        )
    return pred, False


def _rows_sum_to_one(z: np.ndarray) -> bool:
    """Whether every row of ``z`` is in [0, 1] and sums to 1 as a softmax's rows do (to a
    few roundings per class)."""
    if not (np.all(z >= 0) and np.all(z <= 1)):  # (False for NaN)
        return False
    sums = np.sum(z, axis=-1, dtype=np.float64)
    return bool(np.all(np.abs(sums - 1) <= 4 * z.shape[-1] * np.finfo(z.dtype).eps))


def _whole_rows(shape: tuple[int, ...], selections: list[Any]) -> bool:
    """Whether indexing an array of ``shape`` with each of ``selections`` in turn keeps its
    rows whole and in order: each result row is one row of the array."""
    C = shape[-1]
    probe = np.arange(math.prod(shape)).reshape(shape)  # each element's position
    for index in selections:
        probe = probe[index]
    if probe.ndim == 0 or probe.shape[-1] != C:
        return False
    same_row = np.all(probe // C == probe[..., :1] // C)
    return bool(same_row and np.array_equal(probe % C, np.broadcast_to(np.arange(C), probe.shape)))


def _row_source(row: Sequence[Value]) -> tuple[Sequence[Value], bool]:
    """A sample's nets (and False): the row itself, or read through the softmax when the
    row holds the outputs of one softmax call (in the row's order); or the row itself and
    True for the outputs of a softmax whose nets were not kept (probabilities, whose graph
    no longer says from which call: they must sum to 1)."""
    classes = [softmax_class(o) for o in row]
    if all(k is None for k in classes):
        return row, False
    parents = row[0].parents
    complete = sorted(k for k in classes if k is not None) == list(range(len(row)))
    if complete and all(o.parents is parents for o in row):
        if parents:  # the nets in the row's order
            return [parents[k] for k in classes if k is not None], False
        if _rows_sum_to_one(np.array([o.data for o in row])):  # made under no_grad
            return row, True
    raise _not_a_form(
        "a row of pred holds softmax outputs that are not exactly the outputs of one "
        "softmax call (some repeated, missing, mixed with other Values or with another "
        "softmax's)"
    )


def _cross_entropy_values(pred: Any, shape: tuple[int, ...], target: Any, reduction: str) -> Value:
    rows = [pred] if len(shape) == 1 else pred
    nets: list[Value] = []
    kinds = set()
    for row in rows:
        source, probabilities = _row_source(row)
        nets.extend(source)
        kinds.add(probabilities)
    if len(kinds) > 1:
        raise ValueError(
            "cross_entropy_loss: pred mixes softmax outputs whose nets were kept with "
            "others; compute all samples the same way"
        )
    z = np.array([v.data for v in nets]).reshape(shape)
    loss, local = _cross_entropy(z, target, reduction, kinds.pop())
    return Value.from_op(loss, tuple(nets), "cross_entropy", tuple(local.reshape(-1).tolist()))
