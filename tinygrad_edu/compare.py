"""Checking gradients: central finite differences, gradcheck, and the three-way compare.

The central difference (f(x + ε) − f(x − ε)) / 2ε has an error of order ε², so with
ε = 1e-6 in float64 it agrees with an exact gradient to about 1e-8 — an independent check
of autograd that needs nothing but the forward pass.

- :func:`central_difference` — ∂f/∂x of a numpy function, element by element.
- :func:`gradcheck` — autograd against finite differences for any function of Tensors or
  Values, like ``torch.autograd.gradcheck``.
- :func:`compare` — for an MLP, every parameter's gradient of E = ½ Σ (O − t)² (for a
  softmax output, cross-entropy E = −Σ t log O) three ways: by autograd, by the notes' δ
  rules (``rules.backward``, or a learner's own function given as ``rules=``) and by
  finite differences.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks, feedback, ops, rules
from .checks import as_float
from .graph import Node, no_grad
from .losses import cross_entropy_loss, mse_loss

Input = Node  # a Tensor or a Value

HALF_SUM = "E = ½ Σ (O − t)²"  # the notes' error of an output
CROSS_ENTROPY = "E = −Σ t log O"  # the natural error of a softmax output


def central_difference(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """∂f/∂x for every element of ``x`` by central differences (``x`` is left unchanged)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


# --- gradcheck ----------------------------------------------------------------------------


class GradcheckError(AssertionError):
    """Autograd and finite differences disagree (raised by :func:`gradcheck`).

    An ``AssertionError``, so a failing ``gradcheck`` inside a test reads as a failed check.
    """


def gradcheck(
    fn: Callable[..., Any],
    inputs: Input | Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients autograd gives for ``fn(*inputs)`` against central differences.

    Like ``torch.autograd.gradcheck``. ``inputs`` is a Tensor, a Value, or a sequence of
    them; Tensors that do not require grad are held fixed. Tensors must be float64 (in
    float32 the finite differences are too coarse to check anything).

    ``fn`` returns a scalar node (a Value, or a Tensor of one element), or a Tensor or list
    of Values with several elements. For several outputs ``out`` we check one
    vector-Jacobian product: the gradient of  s = Σ r · out  for fixed random weights ``r``
    (seed 0). A wrong derivative anywhere in the Jacobian changes that gradient for almost
    every ``r``, so one backward pass checks them all.

    An element passes when  |autograd − numeric| ≤ atol + rtol · |numeric|.  Returns True
    when all pass; otherwise raises :class:`GradcheckError` (an AssertionError) naming the
    worst element, or returns False when ``raise_exception=False``. The inputs' data and
    ``.grad`` are left as they were.
    """
    eps, atol, rtol = _check_tolerances("gradcheck", eps, atol, rtol)
    inputs = _input_list(inputs)
    checked = [k for k, inp in enumerate(inputs) if inp.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad (make Tensors with requires_grad=True)")

    analytic = _autograd_input_grads(fn, inputs, checked)
    # The worst element over all inputs: (excess over its tolerance, input, index,
    # autograd, numeric, how many elements of that input fail).
    worst: tuple[float, int, tuple[int, ...], float, float, int] | None = None
    for k, grad in zip(checked, analytic):
        numeric = _numeric_input_grad(fn, inputs, k, eps)
        excess = np.abs(grad - numeric) - (atol + rtol * np.abs(numeric))
        excess = np.where(np.isnan(excess), np.inf, excess)  # a NaN never passes
        index = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), excess.shape))
        case = (
            float(excess[index]),
            k,
            index,
            float(grad[index]),
            float(numeric[index]),
            int(np.sum(excess > 0)),
        )
        if worst is None or case[0] > worst[0]:
            worst = case
    assert worst is not None  # checked is not empty
    excess, k, index, a, n, n_bad = worst
    if excess <= 0:
        return True
    if not raise_exception:
        return False
    raise GradcheckError(
        f"gradcheck: autograd and finite differences disagree at {_describe(inputs[k], k)}"
        f"{f', element {index}' if index else ''}: autograd {a:.10g}, "
        f"finite difference {n:.10g} (|difference| {abs(a - n):.3g} > atol + rtol·|numeric| "
        f"= {atol + rtol * abs(n):.3g}); {n_bad} element(s) of that input fail"
    )


def _check_tolerances(where: str, eps: Any, atol: Any, rtol: Any) -> tuple[float, float, float]:
    """eps > 0, atol ≥ 0 and rtol ≥ 0 as finite floats, or an error naming the argument."""
    checked = []
    for name, number in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise TypeError(
                f"{where}: {name} must be a number, got {type(number).__name__} {number!r}"
            )
        value = as_float(number, f"{where}: {name}")
        smallest = "> 0" if name == "eps" else ">= 0"
        if not (math.isfinite(value) and value >= 0) or (name == "eps" and value == 0):
            raise ValueError(f"{where}: {name} must be a finite number {smallest}, got {number}")
        checked.append(value)
    return checked[0], checked[1], checked[2]


def _input_list(inputs: Any) -> list[Input]:
    if isinstance(inputs, Node):
        return [inputs]
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"gradcheck: inputs must be a Tensor, a Value or a sequence of them, "
            f"got {type(inputs).__name__}"
        )
    for k, inp in enumerate(inputs):
        if not isinstance(inp, Node):
            raise TypeError(
                f"gradcheck: input {k} is a {type(inp).__name__}, expected a Tensor or a Value"
            )
        dtype = getattr(inp.data, "dtype", np.dtype(np.float64))  # a Value's float: float64
        if inp.requires_grad and dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {k} has dtype {dtype}; use float64 (finite differences "
                "in lower precision are too coarse to check a gradient)"
            )
    return list(inputs)


def _describe(inp: Input, k: int) -> str:
    label = f" {inp.label!r}" if inp.label else ""
    shape = f" of shape {inp.data.shape}" if isinstance(inp.data, np.ndarray) else ""
    return f"input {k} ({type(inp).__name__}{label}{shape})"


def _projection_weights(out: Any) -> np.ndarray:
    """The fixed random weights r of  s = Σ r · out  (all ones for a single element)."""
    shape = (len(out),) if isinstance(out, list) else np.shape(out.data)
    if int(np.prod(shape)) == 1:
        return np.ones(shape)
    return np.random.default_rng(0).standard_normal(shape)


def _output(fn: Callable[..., Any], inputs: list[Input]) -> Any:
    """``fn(*inputs)`` as a Value, a Tensor or a list of Values, or a TypeError."""
    out = fn(*inputs)
    if isinstance(out, tuple):
        out = list(out)
    if isinstance(out, Node):
        return out
    if isinstance(out, list) and out and all(isinstance(v, Node) for v in out):
        return out
    raise TypeError(
        f"gradcheck: fn must return a Value, a Tensor or a list of Values, got {type(out).__name__}"
    )


def _projected(out: Any, r: np.ndarray) -> float:
    """s = Σ r · out, as a number."""
    if isinstance(out, list):
        return float(sum(rk * v.data for rk, v in zip(r, out)))
    return float(np.sum(r * out.data))


def _autograd_input_grads(
    fn: Callable[..., Any], inputs: list[Input], checked: list[int]
) -> list[np.ndarray]:
    """∂s/∂input for each checked input by one backward pass (their ``.grad`` restored)."""
    saved = [inp.grad for inp in inputs]
    try:
        for inp in inputs:
            inp.clear_grad()
        out = _output(fn, inputs)
        r = _projection_weights(out)
        if isinstance(out, list):
            s = out[0] * float(r[0])
            for rk, v in zip(r[1:], out[1:]):
                s = s + v * float(rk)
            s.backward()
        elif isinstance(out.data, float):  # a Value: its own seed, 1
            out.backward()
        elif out.requires_grad:  # else no input reaches the output: every gradient is 0
            out.backward(r)
        grads = []
        for k in checked:
            grad = inputs[k].grad
            shape = np.shape(inputs[k].data)
            grads.append(np.zeros(shape) if grad is None else np.array(grad, dtype=np.float64))
        return grads
    finally:
        for inp, grad in zip(inputs, saved):
            inp.grad = grad


def _numeric_input_grad(
    fn: Callable[..., Any], inputs: list[Input], k: int, eps: float
) -> np.ndarray:
    """∂s/∂input k by central differences; the input's data is restored afterwards."""
    inp = inputs[k]
    original = inp.data
    with no_grad():
        r = _projection_weights(_output(fn, inputs))

        def s_at(data: np.ndarray) -> float:
            inp.data = data if isinstance(original, np.ndarray) else float(data)
            return _projected(_output(fn, inputs), r)

        try:
            return central_difference(s_at, np.asarray(original, dtype=np.float64), eps)
        finally:
            inp.data = original


# --- compare: autograd vs the δ rules vs finite differences ----------------------------------


@dataclass
class CompareRow:
    """One parameter of the model, its gradient ∂E/∂parameter three ways.

    The gradients are float64 arrays of the parameter's shape (shape () for a Value).
    ``max_abs_error`` and ``max_rel_error`` are the largest disagreement between any two of
    the three columns; ``ok`` is True when every pair agrees within the report's tolerance.
    """

    name: str
    autograd: np.ndarray
    rules: np.ndarray
    finite_difference: np.ndarray
    max_abs_error: float
    max_rel_error: float
    ok: bool


@dataclass
class CompareReport:
    """What :func:`compare` found: one :class:`CompareRow` per parameter, and the verdict."""

    rows: list[CompareRow]
    loss: float
    engine: str
    samples: int
    atol: float
    rtol: float
    rules_name: str = "δ rules"
    finding: feedback.Finding | None = None  # a learner's rules: the first place they differ
    error: str = HALF_SUM  # the error E whose gradients these are, as the notes write it

    @property
    def ok(self) -> bool:
        """True when, for every parameter, all three gradients agree within tolerance (and
        a learner's δ agree with the notes' too)."""
        return self.finding is None and all(row.ok for row in self.rows)

    def __getitem__(self, name: str) -> CompareRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"CompareReport: no parameter named {name!r}")

    def __str__(self) -> str:
        return self.table()

    def table(self, max_entries: int | None = 4) -> str:
        """The report as text: a header (E, engine, samples, tolerance), one line per weight
        or bias (at most ``max_entries`` of each parameter, the rest summarised in one line;
        None shows all), and a summary that counts the weights and biases compared."""
        # The widest entry name is that of the last entry of the longest-named parameter.
        width = max(
            len(_entry_name(row.name, tuple(n - 1 for n in row.autograd.shape)))
            for row in self.rows
        )
        width = max(width, len("parameter"))
        header = (
            f"{'parameter':<{width}} {'autograd':>14} {self.rules_name:>14} {'finite diff.':>14} "
            f"{'abs err':>8} {'rel err':>8}  ok"
        )
        lines = [
            f"{self.error} = {self.loss:.6g}  ({self.engine} engine, {self.samples} "
            f"sample{'s' if self.samples != 1 else ''}; agree when |a − b| ≤ "
            f"{self.atol:g} + {self.rtol:g}·|b|)",
            header,
            "-" * len(header),
        ]
        for row in self.rows:
            lines.extend(_row_lines(row, max_entries, self.atol, self.rtol, width))
        verdict = "all agree" if self.ok else "MISMATCH: see the FAIL lines"
        # Numbers, not rows: a Tensor row holds a whole W, a Value row one weight, and the
        # same network should give the same count on both engines.
        count = sum(row.autograd.size for row in self.rows)
        lines.append(f"{count} weights and biases compared, {verdict}")
        if self.finding is not None:
            lines.append(str(self.finding))
        return "\n".join(lines)


def _entry_name(name: str, index: tuple[int, ...]) -> str:
    """``layers.0.weight[1, 0]`` for an entry of an array, the bare name for a scalar."""
    return name + (f"[{', '.join(map(str, index))}]" if index else "")


def _row_lines(
    row: CompareRow, max_entries: int | None, atol: float, rtol: float, width: int
) -> list[str]:
    """The text lines of one parameter: one per entry, up to ``max_entries``."""
    columns = (row.autograd, row.rules, row.finite_difference)
    abs_error, rel_error, ok = _disagreement(*columns, atol, rtol)
    indices = list(np.ndindex(row.autograd.shape))
    shown = indices if max_entries is None else indices[:max_entries]
    lines = []
    for index in shown:
        a, r, n = (float(column[index]) for column in columns)
        lines.append(
            f"{_entry_name(row.name, index):<{width}} {a:>+14.6e} {r:>+14.6e} {n:>+14.6e} "
            f"{abs_error[index]:>8.1e} {rel_error[index]:>8.1e}  {'ok' if ok[index] else 'FAIL'}"
        )
    hidden = len(indices) - len(shown)
    if hidden:
        lines.append(
            f"  … {hidden} more entries of {row.name}: max abs err {row.max_abs_error:.1e}, "
            f"max rel err {row.max_rel_error:.1e}, {'ok' if row.ok else 'FAIL'}"
        )
    return lines


def _disagreement(
    a: np.ndarray, r: np.ndarray, n: np.ndarray, atol: float, rtol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entry by entry, the worst of the three pairs (a, r), (a, n), (r, n): the absolute
    error |x − y|, the relative error |x − y| / max(|x|, |y|) (0 where both are 0), and
    whether every pair agrees: |x − y| ≤ atol + rtol · max(|x|, |y|)."""
    abs_error = np.zeros(a.shape)
    rel_error = np.zeros(a.shape)
    ok = np.ones(a.shape, dtype=bool)
    for x, y in ((a, r), (a, n), (r, n)):
        diff = np.abs(x - y)
        scale = np.maximum(np.abs(x), np.abs(y))
        abs_error = np.maximum(abs_error, diff)
        # NaN where the pair's difference is NaN, so a row never shows abs err nan beside a
        # finite rel err from another pair
        rel = np.divide(diff, scale, out=np.where(np.isnan(diff), np.nan, 0.0), where=scale > 0)
        rel_error = np.maximum(rel_error, rel)
        ok &= diff <= atol + rtol * scale  # False for NaN too
    return abs_error, rel_error, ok


def compare(
    model: Any,
    x: Any,
    t: Any,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    rules: Callable[..., Any] | None = None,
) -> CompareReport:
    """Every parameter's gradient of E by autograd, δ rules and finite differences.

    E is the natural error of the model's output: ½ Σ (O − t)², or for a softmax output
    cross-entropy −Σ t log O (``t`` one-hot or probability rows, or class indices (N,)).

    ``model`` is an ``nn.MLP`` on either engine; ``x`` has shape (in,) or (N, in) and ``t``
    exactly the shape of the output, (out,) or (N, out); a batch's error is summed over its
    samples. The finite differences perturb the model's weights through ``get_weights`` /
    ``set_weights`` (step ``eps``) and put them back; the parameters' ``.grad`` are restored
    too, so the model is left as it was.

    Defaults suit the model's dtype: for float64 ``eps=1e-6, atol=1e-6, rtol=1e-4``; for
    float32 ``eps=1e-3, atol=1e-3, rtol=1e-2``.

    ``rules`` is your own backpropagation, ``rules(weights, activations, x, t) -> [(delta,
    dW, db), …]`` in ``rules.backward``'s layout (see :mod:`tinygrad_edu.feedback`); it takes
    the δ-rules column, and when it differs from the notes' rules the report's ``finding``
    names the first place, in backpropagation's order, with a hint.
    """
    for attribute in ("get_weights", "set_weights", "get_gradients", "activations", "slots"):
        if not hasattr(model, attribute):
            raise TypeError(
                f"compare: model must be an nn.MLP (it has no {attribute!r}), "
                f"got {type(model).__name__}"
            )
    double = np.dtype(getattr(model, "dtype", np.float64)) == np.float64
    eps, atol, rtol = _check_tolerances(
        "compare",
        (1e-6 if double else 1e-3) if eps is None else eps,
        (1e-6 if double else 1e-3) if atol is None else atol,
        (1e-4 if double else 1e-2) if rtol is None else rtol,
    )

    weights = model.get_weights()
    x, t = _check_data(weights, x, t, model.activations[-1])
    groups = _parameter_slots(model)

    loss, autograd = _autograd_gradients(model, x, t)
    by_rules, finding = _rules_column(rules, weights, model.activations, x, t)
    rows = []
    for name, shape, slots in groups:
        grad, rule = _entries(autograd, slots, shape), _entries(by_rules, slots, shape)
        numeric = _finite_difference(model, weights, slots, shape, x, t, eps)
        abs_error, rel_error, ok = _disagreement(grad, rule, numeric, atol, rtol)
        rows.append(
            CompareRow(
                name=name,
                autograd=grad,
                rules=rule,
                finite_difference=numeric,
                max_abs_error=float(np.max(abs_error, initial=0.0)),
                max_rel_error=float(np.max(rel_error, initial=0.0)),
                ok=bool(np.all(ok)),
            )
        )
    samples = 1 if x.ndim == 1 else x.shape[0]
    name = "δ rules" if rules is None else "your rules"
    engine = getattr(model, "engine", "?")
    error = CROSS_ENTROPY if _layer_wide(model.activations[-1]) else HALF_SUM
    return CompareReport(rows, loss, engine, samples, atol, rtol, name, finding, error)


def _rules_column(
    own: Callable[..., Any] | None,
    weights: rules.Weights,
    activations: Sequence[str],
    x: np.ndarray,
    t: np.ndarray,
) -> tuple[list[tuple[np.ndarray, np.ndarray | None]], feedback.Finding | None]:
    """The (dW, db) per layer by the notes' δ rules, or by a learner's function ``own``
    together with the first place it differs from the notes' (None if nowhere)."""
    if own is None:
        return rules.gradients(rules.backward(weights, activations, x, t)), None
    learner = feedback.run_learner(_guarded(own), weights, activations, x, t)
    finding = feedback.diagnose(learner, weights, activations, x, t)
    column = [
        (_fitted(dW, W), None if b is None else _fitted(db, b))
        for (_, dW, db), (W, b) in zip(learner, weights)
    ]
    return column, finding


class RulesError(ValueError):
    """An exception raised inside the learner's own function given as ``compare(…,
    rules=f)``: one error naming ``rules``, with the learner's exception chained (its
    traceback, ending at the learner's line, is printed above this one)."""


def _guarded(own: Any) -> Callable[..., Any]:
    """The learner's ``rules`` function, checked (a function of four arguments) and wrapped
    so that an exception inside it becomes a :class:`RulesError` naming it."""
    usage = "rules(weights, activations, x, t) -> [(delta, dW, db), …], one triple per layer"
    if not callable(own):
        raise TypeError(
            f"compare: rules must be a function {usage}; got {type(own).__name__} {own!r}"
        )
    name = getattr(own, "__name__", type(own).__name__)
    try:
        signature = inspect.signature(own)
    except (TypeError, ValueError):  # no signature to read (some builtins): a call will tell
        signature = None
    if signature is not None:
        try:
            signature.bind(None, None, None, None)
        except TypeError:
            raise TypeError(
                f"compare: rules={name} must take four arguments, {usage}; its signature is "
                f"{name}{signature}"
            ) from None

    @functools.wraps(own)
    def call(*args: Any) -> Any:
        try:
            return own(*args)
        except Exception as error:
            hint = rules.shape_hint(error)
            raise RulesError(
                f"compare: rules={name} raised {type(error).__name__}: {error}"
                + (f"\nhint: {hint}" if hint else "")
            ) from error

    return call


def _fitted(got: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    """``got`` if it has ``like``'s shape, else NaN: a wrong shape shows as FAIL lines."""
    return got if got is not None and got.shape == like.shape else np.full(like.shape, np.nan)


def _check_data(
    weights: rules.Weights, x: Any, t: Any, output: str
) -> tuple[np.ndarray, np.ndarray]:
    """x and t as float64 arrays of shapes (in,)/(out,) or (N, in)/(N, out), N ≥ 1."""
    n_in, n_out = weights[0][0].shape[1], weights[-1][0].shape[0]
    x = checks.real_array(x, "compare: x")
    if x.ndim not in (1, 2) or x.shape[-1] != n_in:
        raise ValueError(f"compare: x must have shape ({n_in},) or (N, {n_in}), got {x.shape}")
    if x.ndim == 2 and x.shape[0] == 0:
        raise ValueError(f"compare: x has no samples (shape {x.shape}); give at least one row")
    out_shape = (*x.shape[:-1], n_out)
    if _layer_wide(output):  # softmax: class indices or probability rows, as cross_entropy_loss
        t = checks.class_targets(t, out_shape, "compare: t")
    t = checks.real_array(t, "compare: t")
    if t.shape != out_shape:
        raise ValueError(
            f"compare: t has shape {t.shape}, the model's output for x of shape {x.shape} has "
            f"shape {out_shape}; they must match exactly (e.g. t.reshape{out_shape})"
        )
    return x, t


def _parameter_slots(model: Any) -> list[tuple[str, tuple[int, ...], list[Any]]]:
    """Per parameter: its name, its shape and the slots of its entries (row by row).

    ``model.slots()`` lists the scalar weights in ``parameters()`` order, so a parameter of
    n entries owns the next n slots: one for a Value, a whole W or b for a Tensor.
    """
    slots = model.slots()
    groups, start = [], 0
    for name, param in model.named_parameters():
        shape = tuple(np.shape(param.data))
        n = int(np.prod(shape, dtype=np.int64))
        groups.append((name, shape, slots[start : start + n]))
        start += n
    if start != len(slots):
        raise ValueError(
            f"compare: the model's parameters have {start} entries but slots() lists "
            f"{len(slots)}; slots() must list every parameter's entries in order"
        )
    return groups


def _layer_wide(output: str) -> bool:
    """Whether the output activation reads its whole layer (softmax, whose error is the
    cross-entropy), from its row of the op table."""
    return ops.activation(output, "compare: the model's output").layer_wide


def _error(model: Any, x: np.ndarray, t: np.ndarray) -> Any:
    """E of the model as a graph node, summed over the samples: ½ Σ (O − t)², or for a
    softmax output −Σ t log O."""
    dtype = getattr(model, "dtype", np.float64)
    out = model(x.astype(dtype))
    if _layer_wide(model.activations[-1]):  # softmax
        return cross_entropy_loss(out, t.astype(dtype), reduction="sum")
    return mse_loss(out, t.astype(dtype), reduction="half_sum")


def _autograd_gradients(
    model: Any, x: np.ndarray, t: np.ndarray
) -> tuple[float, list[tuple[np.ndarray, np.ndarray | None]]]:
    """E and ∂E/∂weights (``get_gradients`` layout) by one backward pass; the parameters'
    ``.grad`` are restored."""
    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        for p in params:
            p.clear_grad()
        error = _error(model, x, t)
        error.backward()
        return float(np.asarray(error.data)), model.get_gradients()
    finally:
        for p, grad in zip(params, saved):
            p.grad = grad


def _entries(
    pairs: Sequence[tuple[Any, Any]], slots: Sequence[Any], shape: tuple[int, ...]
) -> np.ndarray:
    """The slots' entries of a ``[(W, b), …]`` list (weights or gradients), as a float64
    array of the parameter's shape."""
    values = [(pairs[s.layer - 1][0 if s.kind == "W" else 1])[s.index] for s in slots]
    return np.array(values, dtype=np.float64).reshape(shape)


def _replaced(weights: rules.Weights, slots: Sequence[Any], values: np.ndarray) -> rules.Weights:
    """A copy of ``weights`` with the slots' entries set to ``values``."""
    changed = [(W.copy(), None if b is None else b.copy()) for W, b in weights]
    for slot, value in zip(slots, values.reshape(-1)):
        W, b = changed[slot.layer - 1]
        target = W if slot.kind == "W" else b
        assert target is not None  # a "b" slot exists only for a layer with a bias
        target[slot.index] = value
    return changed


def _finite_difference(
    model: Any,
    weights: rules.Weights,
    slots: Sequence[Any],
    shape: tuple[int, ...],
    x: np.ndarray,
    t: np.ndarray,
    eps: float,
) -> np.ndarray:
    """∂E/∂(the slots' entries) by central differences on the model's own forward pass;
    the model gets ``weights`` back afterwards."""

    def error_at(values: np.ndarray) -> float:
        model.set_weights(_replaced(weights, slots, values))
        with no_grad():
            return float(np.asarray(_error(model, x, t).data))

    try:
        return central_difference(error_at, _entries(weights, slots, shape), eps)
    finally:
        model.set_weights(weights)
