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

import math
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import checks
from .diagnostics import LayerRecorder
from .graph import Node
from .losses import REDUCTIONS, mse_loss
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
    delta_norm)`` is a (steps, layers) array. They are described in ``diagnostics.py``.
    ``diverged_at`` is the first step (from 0) whose loss was NaN or infinite, or None."""

    loss: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # the first step whose loss was NaN or ±inf (from 0)
    grad_W_norm: list[list[float]] = field(default_factory=list)  # noqa: N815 (the notes' W)
    grad_b_norm: list[list[float]] = field(default_factory=list)
    delta_norm: list[list[float]] = field(default_factory=list)
    saturated: list[list[float]] = field(default_factory=list)


class DivergenceWarning(RuntimeWarning):
    """The loss of a training step became NaN or infinite: the training diverged.

    ``step`` (from 0) of ``steps``, the ``loss`` and the learning rate ``lr`` are kept, so
    that a caller (the command line) can say it in its own words (:meth:`said_by`).
    """

    def __init__(
        self, where: str, step: int, steps: int, loss: float, lr: float, unit: str = "step"
    ) -> None:
        self.step, self.steps, self.loss, self.lr, self.unit = step, steps, loss, lr, unit
        super().__init__(self.said_by(where))

    def said_by(self, where: str) -> str:
        at = f"{where}: the loss became {self.loss} at {self.unit} {self.step + 1} of {self.steps}"
        if self.step == 0:  # before any update: the learning rate is not the cause
            return f"{at}, before any update: the inputs, targets or initial weights are too large"
        return (
            f"{at}: the training diverged; a smaller learning rate than {self.lr:g} usually helps"
        )


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

    A loss that becomes NaN or infinite is reported once, as a :class:`DivergenceWarning`
    naming the step (``history.diverged_at`` keeps it), instead of NumPy's floating-point
    RuntimeWarnings, which are silenced inside the loop; the training goes on. Each bad
    argument is a ValueError or TypeError naming ``fit`` and the argument.
    """
    X, y = _check_data(X, y)
    steps = _check_count(steps, "steps", 0)
    if batch_size is not None:
        batch_size = _check_count(batch_size, "batch_size", 1)
    for name, function in (("loss", loss), ("on_step", on_step)):
        if function is not None and not callable(function):
            raise TypeError(f"fit: {name} must be a function or None, got {_shown(function)}")
    if loss is None and reduction not in REDUCTIONS:
        raise ValueError(f"fit: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    build = loss or (lambda m, xb, yb: loss_of(m, xb, yb, reduction))
    lr = checks.number_in(lr, "fit: lr")
    optimizer = SGD(_parameters(model), lr=lr, momentum=checks.number_in(momentum, "fit: momentum"))
    history = History()
    numbers: Any = range(steps)
    if progress:
        from tqdm import tqdm

        numbers = tqdm(numbers, desc="training", unit="epoch", file=sys.stderr, leave=True)
    with np.errstate(all="ignore"):  # a diverging loss is reported once, below
        for k in numbers:
            rows = _batch(len(X), k, batch_size)
            X_k, y_k = X[rows], y[rows]
            recorder = LayerRecorder(model) if diagnostics else None
            error = _checked_error(build(model if recorder is None else recorder, X_k, y_k))
            optimizer.zero_grad()
            recorded = error.backward(trace=trace) if trace else error.backward()
            history.loss.append(float(error.data))
            if history.diverged_at is None and not math.isfinite(history.loss[-1]):
                history.diverged_at = k
                _warn(DivergenceWarning("fit", k, steps, history.loss[-1], lr), progress)
            if recorder is not None:
                for name, values in recorder.measure().items():
                    getattr(history, name).append(values)
            if on_step is not None:
                on_step(Step(k, X_k, y_k, error, recorded))
            optimizer.step()
            # free this step's graph (the recorder holds its nets too) before the next one
            # is built: half the live nodes
            del error, recorder
            if progress and (k % 10 == 0 or k == steps - 1):
                last = history.loss[-1]
                shown = f"{last:.5f}" if abs(last) < 1e5 else f"{last:.4g}"  # 1e+240, nan
                numbers.set_postfix(loss=shown, refresh=False)
    if progress:
        numbers.close()
    return history


def _shown(x: Any) -> str:
    return f"{type(x).__name__} {x!r}"


def _check_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X and y as arrays with the same number of rows, at least one."""
    X, y = np.asarray(X), np.asarray(y)
    for name, a in (("X", X), ("y", y)):
        if a.ndim == 0:
            raise ValueError(f"fit: {name} must hold one row per sample, got a scalar {a!r}")
    if len(X) == 0:
        raise ValueError(f"fit: X has no samples (shape {X.shape}): nothing to train on")
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples and y has {len(y)}; they must match")
    return X, y


def _check_count(n: Any, name: str, least: int) -> int:
    """An int ≥ ``least`` (``steps`` may be 0, ``batch_size`` not), never a float or bool."""
    kind = "a non-negative" if least == 0 else "a positive"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"fit: {name} must be {kind} integer, got {_shown(n)}")
    if n < least:
        raise ValueError(f"fit: {name} must be {kind} integer, got {n}")
    return int(n)


def _parameters(model: Any) -> list[Any]:
    """The model's parameters, or a TypeError/ValueError naming what it is."""
    if not callable(getattr(model, "parameters", None)):
        raise TypeError(
            "fit: model must be a model with parameters() (e.g. an nn.MLP or an nn.Module), "
            f"got {type(model).__name__}"
        )
    params = list(model.parameters())
    if not params:
        raise ValueError(f"fit: model ({type(model).__name__}) has no parameters to train")
    return params


def _checked_error(error: Any) -> Any:
    """The loss function's result, if it is one number that ``backward()`` can walk."""
    if not isinstance(error, Node):
        raise TypeError(
            f"fit: loss must return the error as one node (a Tensor or a Value) that "
            f"backward() can walk, e.g. mse_loss(model(X), y); got {_shown(error)}"
        )
    if np.size(error.data) != 1:
        raise ValueError(
            f"fit: loss must return one number (a scalar node), got a node of shape "
            f"{np.shape(error.data)}; reduce it, e.g. with reduction='mean'"
        )
    return error


def _warn(warning: Warning, progress: bool) -> None:
    """Warn off the progress bar's line (tqdm redraws the bar after)."""
    if progress:
        from tqdm import tqdm

        with tqdm.external_write_mode(file=sys.stderr):
            warn_at_caller(warning)
    else:
        warn_at_caller(warning)


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_at_caller(warning: Warning) -> None:
    """Issue ``warning`` at the first line outside this package (the learner's own call),
    never at a file inside it."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    warnings.warn(warning, stacklevel=level)


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


def accuracy(model: Any, X: np.ndarray, y: Any) -> float:
    """The share of the samples of X (N, in) that ``model`` classifies right.

    - One output: the class is output > 0.5; ``y`` holds 0/1 labels, shape (N, 1) or (N,)
      (a label counts as 1 when it is > 0.5).
    - C outputs: the class is the output's argmax; ``y`` is one-hot (or probability) rows
      of shape (N, C), whose argmax is the class, or class indices of shape (N,): integers
      in 0 … C−1, as ``cross_entropy_loss`` takes them.

    Anything else (another shape, float class indices, an index out of range, no samples)
    is a ValueError or TypeError naming ``accuracy``.
    """
    pred = np.atleast_2d(predict(model, X))
    y = np.asarray(y)
    N, C = pred.shape
    if N == 0:
        raise ValueError("accuracy: X has no samples; an accuracy needs at least one")
    if y.shape not in ((N,), (N, C)):
        raise ValueError(
            f"accuracy: y has shape {y.shape}; for {N} samples and {C} output(s) it must be "
            f"({N}, {C}) (one-hot rows, or 0/1 labels for one output) or ({N},) (class "
            "indices, or 0/1 labels for one output)"
        )
    if C == 1:
        labels = checks.real_array(y, "accuracy: y").reshape(N)
        return float(np.mean((pred[:, 0] > 0.5) == (labels > 0.5)))
    if y.shape == (N, C):
        classes = checks.real_array(y, "accuracy: y").argmax(axis=1)
    else:
        classes = checks.class_targets(y, (N, C), "accuracy").argmax(axis=1)
    return float(np.mean(pred.argmax(axis=1) == classes))
