"""Grading the exercises: run a learner's file on fixed cases, one pass/fail line per case.

The repository's ``exercises/`` folder holds five stubs, each defining one function:

- ``sigmoid_derivative(net)``: σ′(net), in terms of the output, O (1 − O);
- ``output_delta(net, O, t)``: the δ of a sigmoid output layer (rows are samples);
- ``hidden_delta(net, O, W_next, delta_next)``: the δ of a sigmoid hidden layer;
- ``weight_gradient(delta, O_prev)``: ∂E/∂W of a layer, summed over the samples;
- ``one_update(weights, x, t, lr)``: one gradient-descent step of note 05's linear network.

:func:`check_file` finds which one a file defines, calls it on every case and compares the
result with the notes' rules (:mod:`tinygrad_edu.rules`); a wrong result gets the first
differing entry and a hint from :func:`grading.explain`. The learner's code runs as it is
(like ``python file.py``): check only files you trust.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import grading, rules


class ExerciseFileError(ValueError):
    """The path is not a Python file that defines one of the exercises' functions."""


@dataclass
class Case:
    """One call of the learner's function and what it must return.

    ``expected`` lists the quantities checked, in the order a mistake is looked for (for
    the full update: the implied ∂E/∂W of the output layer first); ``names`` names each;
    ``candidates`` holds, per quantity, what typical wrong formulas give (see
    :func:`grading.explain`); ``read`` turns the function's return value into the list
    compared with ``expected``.
    """

    label: str
    args: tuple[Any, ...]
    expected: list[np.ndarray]
    names: list[str]
    candidates: list[list[tuple[str, np.ndarray]]]
    formula: str
    samples: int = 1
    read: Callable[[Any], list[np.ndarray]] = field(default=lambda result: [_numbers(result)])


@dataclass
class CheckResult:
    """What :func:`check_file` found: one line per case (hints on their own lines)."""

    exercise: str
    lines: list[str]
    passed: int
    total: int

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total


def _numbers(result: Any) -> np.ndarray:
    """The learner's return value as a float64 array, or a ValueError saying what it was."""
    if result is None:
        raise ValueError("returned None: is the `return` line missing?")
    try:
        array = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"returned {type(result).__name__}, expected a numpy array") from None
    return array


# --- the five exercises' cases, expected values from the notes' rules ------------------------


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _sigmoid_derivative_cases() -> list[Case]:
    cases = []
    for label, net in (
        ("net = 0", np.array(0.0)),
        ("net = (−2, 0.5, 3)", np.array([-2.0, 0.5, 3.0])),
        ("a 2×3 array of net", _rng(1).normal(size=(2, 3))),
    ):
        O = rules.activate("sigmoid", net)
        expected = rules.derivative("sigmoid", net, O)
        candidates = [(grading.NET_FOR_O, net * (1 - net))]
        cases.append(Case(label, (net,), [expected], ["σ′"], [candidates], "σ′ = O (1 − O)"))
    return cases


def _sigmoid_layer(seed: int, n: int, units: int) -> tuple[np.ndarray, np.ndarray]:
    """net and O = σ(net) of a sigmoid layer of ``units`` units for ``n`` samples."""
    net = _rng(seed).normal(size=(n, units))
    return net, rules.activate("sigmoid", net)


def _output_delta_cases() -> list[Case]:
    cases = []
    for label, seed, n, n_out in (
        ("one sample, one output", 2, 1, 1),
        ("one sample, two outputs", 3, 1, 2),
        ("three samples, two outputs", 4, 3, 2),
    ):
        net, O = _sigmoid_layer(seed, n, n_out)
        t = _rng(seed + 100).uniform(size=(n, n_out))
        expected = (O - t) * rules.derivative("sigmoid", net, O)
        candidates = grading.delta_candidates("sigmoid", net, O, t=t)
        cases.append(
            Case(label, (net, O, t), [expected], ["δ"], [candidates], grading.DELTA_OUTPUT, n)
        )
    return cases


def _hidden_delta_cases() -> list[Case]:
    cases = []
    for label, seed, n, n_hidden, n_next in (
        ("one sample, 2 hidden units, 1 output", 5, 1, 2, 1),
        ("three samples, 3 hidden units, 3 next units", 6, 3, 3, 3),
        ("two samples, 4 hidden units, 2 next units", 7, 2, 4, 2),
    ):
        net, O = _sigmoid_layer(seed, n, n_hidden)
        rng = _rng(seed + 100)
        W_next, delta_next = rng.normal(size=(n_next, n_hidden)), rng.normal(size=(n, n_next))
        expected = rules.derivative("sigmoid", net, O) * (delta_next @ W_next)
        candidates = grading.delta_candidates("sigmoid", net, O, None, delta_next, W_next)
        args = (net, O, W_next, delta_next)
        cases.append(Case(label, args, [expected], ["δ"], [candidates], grading.DELTA_HIDDEN, n))
    return cases


def _weight_gradient_cases() -> list[Case]:
    # Note 05's output layer: δ = ŷ − t = 0.191 − 1, the inputs are h1 = 0.85, h2 = 0.48.
    note05 = (np.array([[0.191 - 1.0]]), np.array([[0.85, 0.48]]))
    rng = _rng(8)
    batch = (rng.normal(size=(3, 2)), rng.normal(size=(3, 4)))
    square = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    cases = []
    for label, (delta, O_prev) in (
        ("note 05's output layer", note05),
        ("three samples, 4 inputs, 2 units", batch),
        ("four samples, 3 inputs, 3 units", square),
    ):
        expected = rules.weight_gradient(delta, O_prev)
        candidates = grading.weight_gradient_candidates(delta, O_prev, None)
        n = delta.shape[0]
        args = (delta, O_prev)
        cases.append(
            Case(label, args, [expected], ["∂E/∂W"], [candidates], grading.WEIGHT_GRADIENT, n)
        )
    return cases


def _one_update_cases() -> list[Case]:
    # Note 05: h1 = x1 w1 + x2 w3, h2 = x1 w2 + x2 w4 (row j of W holds the weights into h_j)
    note05 = [np.array([[0.11, 0.21], [0.12, 0.08]]), np.array([[0.14, 0.15]])]
    rng = _rng(9)
    square = [rng.normal(size=(2, 2)) * 0.5, rng.normal(size=(2, 2)) * 0.5]
    wide = [rng.normal(size=(4, 3)) * 0.5, rng.normal(size=(2, 4)) * 0.5]
    cases = []
    for label, Ws, x, t, lr in (
        ("note 05: x = (2, 3), t = 1, η = 0.05", note05, [2.0, 3.0], [1.0], 0.05),
        ("a 2-2-2 linear network", square, [0.5, -1.0], [0.2, 0.7], 0.1),
        ("a 3-4-2 linear network", wide, [1.0, 0.3, -0.4], [0.5, -0.5], 0.1),
    ):
        cases.append(_update_case(label, Ws, np.array(x), np.array(t), lr))
    return cases


def _update_case(label: str, Ws: list[np.ndarray], x: np.ndarray, t: np.ndarray, lr: float) -> Case:
    """The full update is checked through the gradient it implies, (W_old − W_new) / η,
    layer by layer from the output back, so that the δ-level hints apply to it."""
    weights: rules.Weights = [(W, None) for W in Ws]
    activations = ["linear"] * len(Ws)
    right = rules.backward(weights, activations, x, t)
    inputs = [x] + [record.out for record in right[:-1]]
    expected, names, candidates = [], [], []
    for l in range(len(Ws) - 1, -1, -1):
        record = right[l]
        if l == len(Ws) - 1:
            deltas = grading.delta_candidates("linear", record.net, record.out, t=t)
        else:
            deltas = grading.delta_candidates(
                "linear", record.net, record.out, None, right[l + 1].delta, Ws[l + 1]
            )
        found = [(name, rules.weight_gradient(d, inputs[l])) for name, d in deltas]
        found += grading.weight_gradient_candidates(record.delta, inputs[l], None)
        expected.append(record.dW)
        names.append(f"∂E/∂W of layer {l + 1} implied by your update, (W_old − W_new) / η,")
        candidates.append(found)

    def read(result: Any) -> list[np.ndarray]:
        if not isinstance(result, (list, tuple)) or len(result) != len(Ws):
            raise ValueError(f"returned {result!r:.60}, expected a list of {len(Ws)} matrices")
        new = [_numbers(W) for W in result]
        for l, (W, W_new) in enumerate(zip(Ws, new), 1):
            if W_new.shape != W.shape:
                raise ValueError(
                    f"returned a matrix of shape {W_new.shape} for layer {l}, expected "
                    f"{W.shape}: W has shape (out, in)"
                )
        return [(Ws[l] - new[l]) / lr for l in range(len(Ws) - 1, -1, -1)]

    formula = "W ← W − η ∂E/∂W for every layer, with the δ of the linear layers"
    args = ([W.copy() for W in Ws], x, t, lr)
    return Case(label, args, expected, names, candidates, formula, read=read)


EXERCISES: dict[str, Callable[[], list[Case]]] = {
    "sigmoid_derivative": _sigmoid_derivative_cases,
    "output_delta": _output_delta_cases,
    "hidden_delta": _hidden_delta_cases,
    "weight_gradient": _weight_gradient_cases,
    "one_update": _one_update_cases,
}


# --- running a learner's file ---------------------------------------------------------------


def check_file(path: str | Path) -> CheckResult:
    """Run the exercise that the Python file ``path`` defines on all its cases.

    Raises :class:`ExerciseFileError` when ``path`` is not a readable ``.py`` file that
    defines one of the functions in :data:`EXERCISES`. A syntax error, an error while the
    file runs, or a function that raises (e.g. the stub's NotImplementedError) is a failed
    case with one clear line, never a traceback.
    """
    path = Path(path)
    if path.suffix != ".py":
        raise ExerciseFileError(f"{path}: expected a Python file ending in .py")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ExerciseFileError(f"{path}: cannot read it ({reason})") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        where = f"line {error.lineno}" if error.lineno else "somewhere"
        return _failed(path.name, f"FAIL {path}: {where}: SyntaxError: {error.msg}")
    namespace: dict[str, Any] = {"__name__": "exercise", "__file__": str(path)}
    try:
        exec(code, namespace)
    except Exception as error:
        return _failed(path.name, f"FAIL {path}: running the file raised {_one_line(error)}")
    found = [name for name in EXERCISES if callable(namespace.get(name))]
    if not found:
        raise ExerciseFileError(
            f"{path}: defines none of the exercises' functions ({', '.join(EXERCISES)})"
        )
    name = found[0]
    lines, passed = [], 0
    cases = EXERCISES[name]()
    for number, case in enumerate(cases, 1):
        case_lines = _check_case(namespace[name], case)
        status = "PASS" if not case_lines else "FAIL"
        passed += not case_lines
        lines.append(f"{status} {name} case {number} ({case.label})" + (":" if case_lines else ""))
        lines.extend("    " + line for line in case_lines)
    lines.append(f"{passed}/{len(cases)} cases pass")
    return CheckResult(name, lines, passed, len(cases))


def _failed(exercise: str, line: str) -> CheckResult:
    return CheckResult(exercise, [line], 0, 1)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return type(error).__name__ + (f": {text[0]}" if text else "")


def _check_case(function: Callable[..., Any], case: Case) -> list[str]:
    """The lines describing what is wrong in this case; empty when it passes."""
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in case.args)
    try:
        result = function(*args)
    except NotImplementedError:
        return ["not implemented yet: replace the `raise NotImplementedError` with the formula"]
    except Exception as error:
        lines = [f"your function raised {_one_line(error)}"]
        if "shape" in str(error) or "matmul" in str(error):
            lines.append(f"hint: check the shapes. {grading.HINTS[grading.TRANSPOSED]}")
        return lines
    try:
        got = case.read(result)
    except ValueError as error:
        return [f"your function {error}"]
    for value, expected, name, candidates in zip(got, case.expected, case.names, case.candidates):
        if grading.close(value, expected):
            continue
        label, hint = grading.explain(value, expected, candidates, case.samples, case.formula)
        if value.shape != expected.shape:
            where = f"{name}: shape {value.shape}, expected {expected.shape}"
        else:
            index = grading.first_index(value, expected)
            entry = f" at [{', '.join(str(i) for i in index)}]" if index else ""
            where = f"{name}{entry}: expected {_num(expected[index])}, got {_num(value[index])}"
        return [where, f"hint ({label or 'no known pattern'}): {hint}"]
    return []


def _num(value: Any) -> str:
    v = float(value)
    return f"{v:+.6g}" if math.isfinite(v) else str(v)
