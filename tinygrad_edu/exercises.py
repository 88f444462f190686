"""The exercises' catalogue: per exercise its stub, the note it practises, its cases, and
the verdict on what a learner's function returned.

The stubs ship inside the package, in ``tinygrad_edu/exercise_stubs/`` (one file per
exercise, named as :attr:`Exercise.stub`); ``tinygrad-edu exercises DIR`` copies them out.
:data:`EXERCISES` maps the name of the function (or class) a learner defines to its
:class:`Exercise`: the note, the formula, the cases and, when calling ``f(*case.args)`` is
not the whole story, a child-side driver ``call(learner_object, args) -> plain data``.

A learner's file never runs here: :mod:`tinygrad_edu.runner` runs it in a child process
(:mod:`tinygrad_edu.child`) that sends back the returned values as plain float arrays, and
:func:`judge` compares them with the expected values here, in the parent. A wrong result
gets the first differing entry and a hint from :func:`grading.explain`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import grading, rules


@dataclass
class Case:
    """One call of the learner's function and what it must return.

    ``args`` are plain data (numpy arrays of numbers, floats, ints, lists and tuples of
    them): they are sent to the child process as they are. ``expected`` lists the
    quantities checked, in the order a mistake is looked for (for the full update: the
    implied ∂E/∂W of the output layer first); ``names`` names each;
    ``candidates`` holds, per quantity, what typical wrong formulas give (see
    :func:`grading.explain`); ``read`` turns what the function returned, as the child sent
    it (:func:`child.to_plain`: float arrays, lists of them, None, or
    ``{"returned": type name}``), into the list compared with ``expected``, or raises a
    ValueError that says what was wrong with it.
    """

    label: str
    args: tuple[Any, ...]
    expected: list[np.ndarray]
    names: list[str]
    candidates: list[list[tuple[str, np.ndarray]]]
    formula: str
    samples: int = 1
    read: Callable[[Any], list[np.ndarray]] = field(default=lambda result: [_numbers(result)])


def _numbers(result: Any) -> np.ndarray:
    """The learner's return value as a float64 array, or a ValueError saying what it was."""
    if result is None:
        raise ValueError("returned None: is the `return` line missing?")
    if isinstance(result, dict):  # what the child sends for a value that is not numbers
        raise ValueError(f"returned {result.get('returned')}, expected a numpy array")
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


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``name`` is the function (or class) the learner defines, ``stub`` the
    stub's file name in ``tinygrad_edu/exercise_stubs/``, ``note`` the lecture note it
    practises, ``formula`` what it computes, ``cases`` builds its cases (in the parent).

    ``call`` is an optional CHILD-SIDE driver, a module-level function of the library run
    in the learner's child process as ``call(learner_object, case.args)``; it returns plain
    data (arrays, lists of them) that ``case.read`` then reads in the parent. Without it the
    child calls ``learner_object(*case.args)``.
    """

    name: str
    stub: str
    note: str
    formula: str
    cases: Callable[[], list[Case]]
    call: Callable[[Any, Any], Any] | None = None


EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise
    for exercise in (
        Exercise(
            "sigmoid_derivative",
            "01_sigmoid_derivative.py",
            "note 01",
            "σ′(net) = O (1 − O), O = σ(net)",
            _sigmoid_derivative_cases,
        ),
        Exercise(
            "output_delta",
            "02_output_delta.py",
            "note 01",
            grading.DELTA_OUTPUT,
            _output_delta_cases,
        ),
        Exercise(
            "hidden_delta",
            "03_hidden_delta.py",
            "note 01",
            grading.DELTA_HIDDEN,
            _hidden_delta_cases,
        ),
        Exercise(
            "weight_gradient",
            "04_weight_gradient.py",
            "note 01",
            grading.WEIGHT_GRADIENT,
            _weight_gradient_cases,
        ),
        Exercise(
            "one_update",
            "05_one_update.py",
            "note 05",
            "W ← W − η ∂E/∂W for every layer of a linear network",
            _one_update_cases,
        ),
    )
}


# --- the verdict on one case, from what the child sent back ----------------------------------


def judge(case: Case, reply: dict[str, Any]) -> list[str]:
    """The lines saying what is wrong in this case; empty when it passes.

    ``reply`` is the child's answer to one call: ``{"result": plain data}`` or
    ``{"raised": exception name, "message": "Name: first line"}``.
    """
    if "raised" in reply:
        if reply["raised"] == "NotImplementedError":
            return ["not implemented yet: replace the `raise NotImplementedError` with the formula"]
        message = str(reply.get("message", reply["raised"]))
        lines = [f"your function raised {message}"]
        if reply["raised"] in ("SystemExit", "KeyboardInterrupt"):
            lines.append("hint: return the result; exit() and sys.exit() end the grading too")
        elif "shape" in message or "matmul" in message:
            lines.append(f"hint: check the shapes. {grading.HINTS[grading.TRANSPOSED]}")
        return lines
    try:
        got = case.read(reply.get("result"))
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
