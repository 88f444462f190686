"""The exercises' catalogue: per exercise its stub, the note it practises, its cases, and
the verdict on what a learner's function returned.

The stubs ship inside the package, in ``tinygrad_edu/exercise_stubs/`` (one file per
exercise, named as :attr:`Exercise.stub`); ``tinygrad-edu exercises DIR`` copies them out.
:data:`EXERCISES` maps the name of the function (or class) a learner defines to its
:class:`Exercise`: the note, the formula, the cases and, when calling ``f(*case.args)`` is
not the whole story, a child-side driver ``call(learner_object, args) -> plain data``.

The fourteen exercises, in the order of the notes:

- note 01: ``sigmoid_derivative`` (σ′ = O (1 − O)), ``output_delta`` (a sigmoid output),
  ``hidden_delta``, ``sample_gradients`` (∂E/∂W and ∂E/∂b of one sample);
- note 02: ``linear_output_delta`` (δ = O − t), ``augmented_gradient`` (the bias as the
  weight on a constant input +1);
- note 03: ``tanh_derivative`` (1 − O²), ``bias_gradient`` (summed over a batch);
- note 04: ``weight_gradient`` (δ O_prevᵀ summed over a batch);
- note 05: ``one_update`` (a full step of its linear network, the caller's weights kept);
- beyond the notes: ``mean_output_delta`` (PyTorch's mean error), ``momentum_step``,
  ``softmax_delta`` (with cross-entropy) and ``Scalar``, a small engine whose backward is
  run on random expression graphs against the library's :class:`~tinygrad_edu.value.Value`.

Each case holds what every typical wrong formula gives on its arguments, and the exercise's
own hint for it. A learner's file never runs here: :mod:`tinygrad_edu.runner` runs it in a
child process (:mod:`tinygrad_edu.child`) that sends back the returned values as plain
float arrays, and :func:`judge` compares them with the expected values here, in the parent.
A wrong result gets the first differing entry and a hint from :func:`feedback.explain`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import feedback, rules, value


@dataclass
class Case:
    """One call of the learner's function and what it must return.

    ``args`` are plain data (numpy arrays of numbers, floats, ints, lists and tuples of
    them): they are sent to the child process as they are. ``expected`` lists the
    quantities checked, in the order a mistake is looked for (for the full update: the
    implied ∂E/∂W of the output layer first); ``names`` names each;
    ``candidates`` holds, per quantity, what typical wrong formulas give (see
    :func:`feedback.explain`); ``read`` turns what the function returned, as the child sent
    it (:func:`child.to_plain`: float arrays, lists of them, None, or
    ``{"returned": type name}``), into the list compared with ``expected``, or raises a
    ValueError that says what was wrong with it. ``hints`` gives the exercise's own text
    for a hint's label (see :func:`feedback.explain`).
    """

    label: str
    args: tuple[Any, ...]
    expected: list[np.ndarray]
    names: list[str]
    candidates: list[list[tuple[str, np.ndarray]]]
    formula: str
    samples: int = 1
    read: Callable[[Any], list[np.ndarray]] = field(default=lambda result: [_numbers(result)])
    hints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def single(
        cls,
        label: str,
        args: tuple[Any, ...],
        expected: np.ndarray,
        name: str,
        candidates: list[tuple[str, np.ndarray]],
        formula: str,
        samples: int = 1,
        hints: dict[str, str] | None = None,
    ) -> Case:
        """A case that checks one quantity: the learner returns one array."""
        return cls(
            label, args, [expected], [name], [candidates], formula, samples, hints=hints or {}
        )


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


# --- the exercises' cases --------------------------------------------------------------------
#
# Every builder returns the cases of one exercise: the arguments (plain data), the expected
# values from the notes' formulas (tinygrad_edu.rules, or the library's Value for the scalar
# engine), and what each typical wrong formula gives on the same arguments, with the hint
# that the exercise gives for it.


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _sigmoid_layer(seed: int, n: int, units: int) -> tuple[np.ndarray, np.ndarray]:
    """net and O = σ(net) of a sigmoid layer of ``units`` units for ``n`` samples."""
    net = _rng(seed).normal(size=(n, units))
    return net, rules.activate("sigmoid", net)


def _what(result: Any) -> str:
    """What the learner returned, in a few words (as the child sent it)."""
    if isinstance(result, dict):  # the child's word for a value that is not numbers
        return str(result.get("returned"))
    if isinstance(result, (list, tuple)):
        return f"a list of {len(result)}"
    if isinstance(result, np.ndarray):
        return f"an array of shape {result.shape}"
    return "None" if result is None else f"{result!r:.60}"


def _arrays(what: str, count: int) -> Callable[[Any], list[np.ndarray]]:
    """A reader for a function that returns ``count`` arrays (``what`` names them)."""

    def read(result: Any) -> list[np.ndarray]:
        if not isinstance(result, (list, tuple)) or len(result) != count:
            raise ValueError(f"returned {_what(result)}, expected {what}")
        return [_numbers(r) for r in result]

    return read


# The hints that speak of δ, a quantity of one sample (one row per sample, nothing summed).
_PER_SAMPLE = {
    feedback.DIVIDED_BY_N: "it is 1/N of the right value (N = {N} samples): δ belongs to one "
    "sample, each row its own; nothing is averaged over the batch here",
    feedback.TIMES_N: "it is N = {N} times the right value: δ belongs to one sample, each row "
    "its own; nothing is summed or multiplied by the number of samples here",
}
# The hints that speak of a gradient summed over the batch.
_SUMMED = {
    feedback.DIVIDED_BY_N: "it is 1/N of the right value (N = {N} samples): the notes' E SUMS "
    "the error over the samples, so its gradient is the sum of every sample's share, not the "
    "mean (a mean belongs to another error, E / N)",
    feedback.TIMES_N: "it is N = {N} times the right value: every sample's share is counted "
    "once; was the sum taken twice, or multiplied by N?",
}

SIGMOID_FOR_TANH = "the sigmoid's derivative"
TANH_FOR_SIGMOID = "tanh's derivative"
O_FOR_DERIVATIVE = "O for its derivative"
NO_SQUARE = "a square missing"


def _sigmoid_derivative_cases() -> list[Case]:
    hints = {
        feedback.NET_FOR_O: "it equals net (1 − net): the formula O (1 − O) takes the OUTPUT "
        "O = σ(net) = 1 / (1 + e^(−net)); compute O from net first",
        feedback.SIGN: "it is the exact negative: σ′ = O (1 − O) is positive (the sigmoid only "
        "rises), and O (O − 1) has the factors the wrong way round",
        O_FOR_DERIVATIVE: "it equals O = σ(net) itself: σ′ is O times (1 − O)",
        TANH_FOR_SIGMOID: "it equals 1 − O², tanh's derivative: the sigmoid's is O (1 − O)",
        feedback.HALF: "it is twice σ′: O (1 − O) has no factor 2",
        feedback.EXTRA_HALF: "it is half of σ′: O (1 − O) has no factor ½",
    }
    cases = []
    for label, net in (
        ("net = 0", np.array(0.0)),
        ("net = (−2, 0.5, 3)", np.array([-2.0, 0.5, 3.0])),
        ("a 2×3 array of net", _rng(1).normal(size=(2, 3))),
    ):
        O = rules.activate("sigmoid", net)
        expected = rules.derivative("sigmoid", net, O)
        candidates = [
            (feedback.NET_FOR_O, net * (1 - net)),
            (O_FOR_DERIVATIVE, O),
            (TANH_FOR_SIGMOID, 1 - O * O),
        ]
        cases.append(
            Case.single(label, (net,), expected, "σ′", candidates, "σ′ = O (1 − O)", hints=hints)
        )
    return cases


def _tanh_derivative_cases() -> list[Case]:
    hints = {
        feedback.NET_FOR_O: "it equals 1 − net²: the formula 1 − O² takes the OUTPUT "
        "O = tanh(net); compute O = np.tanh(net) first",
        feedback.SIGN: "it is the exact negative: tanh′ = 1 − O² is positive (tanh only rises); "
        "O² − 1 has the terms the wrong way round",
        SIGMOID_FOR_TANH: "it equals O (1 − O), the sigmoid's derivative: tanh's is 1 − O² "
        "(note 03 derives it from sinh / cosh)",
        NO_SQUARE: "it equals 1 − O: tanh′ = 1 − O², O squared",
        O_FOR_DERIVATIVE: "it equals O = tanh(net) itself: tanh′ is 1 − O²",
        feedback.HALF: "it is twice tanh′: 1 − O² has no factor 2",
        feedback.EXTRA_HALF: "it is half of tanh′: 1 − O² has no factor ½",
    }
    cases = []
    for label, net in (
        ("net = (−1, 0.5, 2)", np.array([-1.0, 0.5, 2.0])),
        ("a 3×2 array of net", _rng(11).normal(size=(3, 2))),
        ("net = 0.3", np.array(0.3)),
    ):
        O = rules.activate("tanh", net)
        expected = rules.derivative("tanh", net, O)
        candidates = [
            (feedback.NET_FOR_O, 1 - net * net),
            (SIGMOID_FOR_TANH, O * (1 - O)),
            (NO_SQUARE, 1 - O),
            (O_FOR_DERIVATIVE, O),
        ]
        cases.append(
            Case.single(label, (net,), expected, "tanh′", candidates, "tanh′ = 1 − O²", hints=hints)
        )
    return cases


_ERROR_SIGN = (
    "it is the exact negative: E = ½ Σ (O − t)² gives ∂E/∂O = O − t, so δ_output starts from "
    "(O − t); notes 02 and 03 write (d − y) = (t − O) together with a + in the update, which is "
    "the same step"
)
_KEPT_TWO = (
    "it is twice the right value: E = ½ Σ (O − t)², and the ½ cancels the 2 from "
    "differentiating the square, so no 2 is left in δ"
)
_KEPT_HALF = (
    "it is half the right value: differentiating ½ (O − t)² gives (O − t); the ½ is used up, "
    "do not keep it"
)


def _output_delta_cases() -> list[Case]:
    hints = {
        **_PER_SAMPLE,
        feedback.MISSING_F_PRIME: "it equals O − t alone: the output passes through the sigmoid, "
        "so multiply by σ′(net) = O (1 − O)",
        feedback.NET_FOR_O: "it matches the formula with net put where the output O = σ(net) "
        "belongs: δ = (O − t) · O (1 − O), every O the output",
        feedback.SIGN: _ERROR_SIGN,
        feedback.HALF: _KEPT_TWO,
        feedback.EXTRA_HALF: _KEPT_HALF,
    }
    cases = []
    for label, seed, n, n_out in (
        ("one sample, one output", 2, 1, 1),
        ("one sample, two outputs", 3, 1, 2),
        ("three samples, two outputs", 4, 3, 2),
        ("two samples, three outputs", 12, 2, 3),
    ):
        net, O = _sigmoid_layer(seed, n, n_out)
        t = _rng(seed + 100).uniform(size=(n, n_out))
        expected = (O - t) * rules.derivative("sigmoid", net, O)
        candidates = feedback.delta_candidates("sigmoid", net, O, t=t)
        cases.append(
            Case.single(
                label, (net, O, t), expected, "δ", candidates, feedback.DELTA_OUTPUT, n, hints=hints
            )
        )
    return cases


SIGMOID_ON_LINEAR = "the sigmoid's f′ on a linear unit"


def _linear_output_delta_cases() -> list[Case]:
    hints = {
        **_PER_SAMPLE,
        SIGMOID_ON_LINEAR: "it equals (O − t) O (1 − O): that is the δ of a SIGMOID output. The "
        "output here is linear (ŷ = Σ v_h z_h + v_0), its f′ is 1, and δ = O − t",
        feedback.SIGN: _ERROR_SIGN,
        feedback.HALF: _KEPT_TWO,
        feedback.EXTRA_HALF: _KEPT_HALF,
    }
    cases = []
    for label, seed, n, n_out in (
        ("one sample, one output", 13, 1, 1),
        ("three samples, two outputs", 14, 3, 2),
        ("two samples, one output", 15, 2, 1),
    ):
        net = _rng(seed).normal(size=(n, n_out))
        O = rules.activate("linear", net)
        t = _rng(seed + 100).normal(size=(n, n_out))
        expected = rules.output_delta("linear", net, O, t)
        candidates = [(SIGMOID_ON_LINEAR, (O - t) * O * (1 - O))]
        formula = "δ_output = (O − t) · f′ with f′ = 1 for a linear output: δ = O − t"
        cases.append(
            Case.single(label, (net, O, t), expected, "δ", candidates, formula, n, hints=hints)
        )
    return cases


def _hidden_delta_cases() -> list[Case]:
    hints = {
        **_PER_SAMPLE,
        feedback.MISSING_F_PRIME: "it equals W_nextᵀ δ_next alone: the hidden unit's own "
        "sigmoid still multiplies it, σ′(net) = O (1 − O)",
        feedback.TRANSPOSED: "it matches δ_next sent back through W_next instead of W_nextᵀ: "
        "row k of W_next holds the weights INTO next unit k, so hidden unit j collects "
        "Σ_k δ_k W_next[k, j], which for rows of samples is delta_next @ W_next",
        feedback.NET_FOR_O: "it matches σ′ written with net: the hidden unit's σ′ = O (1 − O) "
        "takes its OUTPUT O",
        feedback.SIGN: "it is the exact negative: δ_next already carries the sign of (O − t); "
        "nothing is negated on the way back",
        feedback.HALF: "it is twice the right value: no factor 2 appears on the way back "
        "(the ½ of E is used up at the output)",
        feedback.EXTRA_HALF: "it is half the right value: no factor ½ appears on the way back",
    }
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
        candidates = feedback.delta_candidates("sigmoid", net, O, None, delta_next, W_next)
        args = (net, O, W_next, delta_next)
        cases.append(
            Case.single(
                label, args, expected, "δ", candidates, feedback.DELTA_HIDDEN, n, hints=hints
            )
        )
    return cases


_W_SHAPE = (
    "W has shape (out, in): row j holds the weights INTO unit j, so ∂E/∂W[j, i] = δ_j O_i "
    "(note 01 writes W_ij for the weight from i to j: our W[j, i]); as matrices δ O_prevᵀ"
)
DB_TIMES_INPUT = "∂E/∂b times an input"


def _sample_gradients_cases() -> list[Case]:
    hints = {
        feedback.TRANSPOSED: "it has the shape (in, out) of O_prev δᵀ: " + _W_SHAPE,
        feedback.SIGN: "it is the exact negative: ∂E/∂W = δ O_prevᵀ and ∂E/∂b = δ, with no "
        "minus; the minus belongs to the update ΔW = −η ∂E/∂W",
        feedback.HALF: "it is twice the right value: ∂E/∂W_ij = O_i δ_j has no factor 2 "
        "(δ already holds the whole ∂E/∂net)",
        feedback.EXTRA_HALF: "it is half the right value: ∂E/∂W_ij = O_i δ_j has no factor ½",
        DB_TIMES_INPUT: "the bias adds to net with a constant input 1, so ∂E/∂b = δ · 1 = δ",
    }
    rng = _rng(16)
    cases = []
    for label, delta, O_prev in (
        ("note 05's output layer", np.array([0.191 - 1.0]), np.array([0.85, 0.48])),
        ("2 units, 3 inputs", rng.normal(size=2), rng.normal(size=3)),
        ("3 units, 3 inputs", rng.normal(size=3), rng.normal(size=3)),
    ):
        dW = np.outer(delta, O_prev)
        db = delta.copy()
        dW_candidates = feedback.weight_gradient_candidates(delta, O_prev, None)
        db_candidates = [(DB_TIMES_INPUT, delta * O_prev.sum())]
        cases.append(
            Case(
                label,
                (delta, O_prev),
                [dW, db],
                ["∂E/∂W", "∂E/∂b"],
                [dW_candidates, db_candidates],
                "∂E/∂W = δ O_prevᵀ (entry [j, i] = δ_j O_i), ∂E/∂b = δ",
                read=_arrays("a pair (dW, db)", 2),
                hints=hints,
            )
        )
    return cases


def _batch(seed: int, n: int, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    rng = _rng(seed)
    return rng.normal(size=(n, n_out)), rng.normal(size=(n, n_in))


def _weight_gradient_cases() -> list[Case]:
    hints = {
        **_SUMMED,
        feedback.TRANSPOSED: "it has the shape (in, out) of O_prevᵀ δ: " + _W_SHAPE,
        feedback.SIGN: "it is the exact negative: ∂E/∂W = δ O_prevᵀ with no minus; the minus "
        "belongs to the update ΔW = −η ∂E/∂W",
        feedback.HALF: "it is twice the right value: ∂E/∂W = δ O_prevᵀ has no factor 2",
        feedback.EXTRA_HALF: "it is half the right value: ∂E/∂W = δ O_prevᵀ has no factor ½",
    }
    # Note 05's output layer: δ = ŷ − t = 0.191 − 1, the inputs are h1 = 0.85, h2 = 0.48.
    note05 = (np.array([[0.191 - 1.0]]), np.array([[0.85, 0.48]]))
    cases = []
    for label, (delta, O_prev) in (
        ("note 05's output layer", note05),
        ("three samples, 4 inputs, 2 units", _batch(8, 3, 4, 2)),
        ("four samples, 3 inputs, 3 units", _batch(17, 4, 3, 3)),
    ):
        expected = rules.weight_gradient(delta, O_prev)
        candidates = feedback.weight_gradient_candidates(delta, O_prev, None)
        n, formula = delta.shape[0], feedback.WEIGHT_GRADIENT
        cases.append(
            Case.single(
                label, (delta, O_prev), expected, "∂E/∂W", candidates, formula, n, hints=hints
            )
        )
    return cases


SUM_OVER_UNITS = "a sum over the units"


def _bias_gradient_cases() -> list[Case]:
    hints = {
        **_SUMMED,
        feedback.SIGN: "it is the exact negative: ∂E/∂b = δ. Note 03's b ← b + η (d − y) "
        "already holds the minus of the update, Δb = −η ∂E/∂b",
        SUM_OVER_UNITS: "it sums each sample's δ over the units: a bias belongs to one unit, "
        "so sum over the samples (axis 0, the rows) and keep one number per unit",
        feedback.HALF: "it is twice the right value: ∂E/∂b = δ, summed, with no factor 2",
        feedback.EXTRA_HALF: "it is half the right value: ∂E/∂b = δ, summed, with no factor ½",
    }
    cases = []
    for label, seed, n, units in (
        ("one sample, two units", 19, 1, 2),
        ("three samples, two units", 20, 3, 2),
        ("two samples, three units", 21, 2, 3),
        ("four samples, four units", 22, 4, 4),
    ):
        delta = _rng(seed).normal(size=(n, units))
        expected = rules.bias_gradient(delta)
        candidates = [(SUM_OVER_UNITS, delta.sum(axis=1))]
        formula = feedback.BIAS_GRADIENT + " (over axis 0, the rows), shape (units,)"
        cases.append(
            Case.single(label, (delta,), expected, "∂E/∂b", candidates, formula, n, hints=hints)
        )
    return cases


BIAS_LAST = "the constant input last"
CONSTANT_ZERO = "a constant input of 0"


def _augmented_gradient_cases() -> list[Case]:
    hints = {
        **_SUMMED,
        feedback.TRANSPOSED: "it has the shape (in + 1, out): the extended W̃ = [w_0 | W] has "
        "W's layout (out, in + 1), row j the weights into unit j",
        BIAS_LAST: "the bias column is last: note 02 counts the constant input first, "
        "x_0 = +1 with weight w_0, so column 0 of ∂E/∂W̃ is the bias's and columns 1… are W's",
        CONSTANT_ZERO: "the bias column is 0: the constant input is +1, not 0, so its "
        "weight's gradient is δ · 1 = δ, summed over the samples",
        feedback.HALF: "it is twice the right value: ∂E/∂W̃ = δ x̃ᵀ has no factor 2",
        feedback.EXTRA_HALF: "it is half the right value: ∂E/∂W̃ = δ x̃ᵀ has no factor ½",
        feedback.SIGN: "it is the exact negative: ∂E/∂W̃ = δ x̃ᵀ with no minus",
    }
    cases = []
    for label, seed, n, n_in, n_out in (
        ("one sample, 2 inputs, 1 unit", 23, 1, 2, 1),
        ("three samples, 3 inputs, 2 units", 24, 3, 3, 2),
        ("two samples, 2 inputs, 3 units", 25, 2, 2, 3),
    ):
        delta, O_prev = _batch(seed, n, n_in, n_out)
        ones, zeros = np.ones((n, 1)), np.zeros((n, 1))
        expected = rules.weight_gradient(delta, np.hstack([ones, O_prev]))
        candidates = [
            (BIAS_LAST, rules.weight_gradient(delta, np.hstack([O_prev, ones]))),
            (CONSTANT_ZERO, rules.weight_gradient(delta, np.hstack([zeros, O_prev]))),
        ]
        formula = "∂E/∂W̃ = δ x̃ᵀ with x̃ = (1, O_prev): column 0 is ∂E/∂b = δ, summed"
        cases.append(
            Case.single(
                label, (delta, O_prev), expected, "∂E/∂W̃", candidates, formula, n, hints=hints
            )
        )
    return cases


# --- the full update, and the check that the caller's arrays stay as they were -------------

IN_PLACE = "changed in place"
UPDATED_WEIGHTS = "updated weights used for δ"


def call_keeping_arguments(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call ``function(*args)`` and return ``(result, args)``: the arguments as they are
    AFTER the call, so that the parent sees whether the function changed them (a child-side
    driver: the child sends both back as plain data)."""
    result = function(*args)
    return result, args


def _changed(before: Sequence[Any], after: Any) -> np.ndarray:
    """1.0 when any array of ``after`` differs from ``before`` (or is missing), else 0.0."""
    try:
        same = len(after) == len(before) and all(
            np.array_equal(_numbers(a), b) for a, b in zip(after, before)
        )
    except (TypeError, ValueError):
        same = False
    return np.array(0.0 if same else 1.0)


_CHANGED = "your call changed the caller's arrays (1 yes, 0 no)"
_IN_PLACE_HINT = (
    "the arrays you were given changed: `W -= …` (or `W[...] = …`) writes into the caller's "
    "own array. Compute a new one, W_new = W − η ∂E/∂W, and return it; the caller may still "
    "need the old one"
)


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
    layer by layer from the output back, so that the δ-level hints apply to it. Before that:
    whether the caller's weights are as they were."""
    weights: rules.Weights = [(W, None) for W in Ws]
    activations = ["linear"] * len(Ws)
    right = rules.backward(weights, activations, x, t)
    inputs = [x] + [record.out for record in right[:-1]]
    expected = [np.array(0.0)]
    names = [_CHANGED]
    candidates: list[list[tuple[str, np.ndarray]]] = [[(IN_PLACE, np.array(1.0))]]
    delta_from_new = right[-1].delta  # δ sent back through the already updated weights
    for l in range(len(Ws) - 1, -1, -1):
        record = right[l]
        # In a linear layer f′ = 1 and net = O: a missing f′ or net for O change nothing, so
        # the candidates are a transposed W on the way back and the already updated W.
        deltas: list[tuple[str, np.ndarray]] = []
        if l < len(Ws) - 1:
            deltas = feedback.delta_candidates(
                "linear", record.net, record.out, None, right[l + 1].delta, Ws[l + 1]
            )
            deltas = [(name, d) for name, d in deltas if name == feedback.TRANSPOSED]
            delta_from_new = delta_from_new @ (Ws[l + 1] - lr * right[l + 1].dW)
            deltas.append((UPDATED_WEIGHTS, delta_from_new))
        found = [(name, rules.weight_gradient(d, inputs[l])) for name, d in deltas]
        found += feedback.weight_gradient_candidates(record.delta, inputs[l], None)
        expected.append(record.dW)
        names.append(f"∂E/∂W of layer {l + 1} implied by your update, (W_old − W_new) / η,")
        candidates.append(found)

    def read(returned: Any) -> list[np.ndarray]:
        result, args = returned
        if not isinstance(result, (list, tuple)) or len(result) != len(Ws):
            raise ValueError(f"returned {_what(result)}, expected a list of {len(Ws)} matrices")
        new = [_numbers(W) for W in result]
        for l, (W, W_new) in enumerate(zip(Ws, new), 1):
            if W_new.shape != W.shape:
                raise ValueError(
                    f"returned a matrix of shape {W_new.shape} for layer {l}, expected "
                    f"{W.shape}: W has shape (out, in)"
                )
        implied = [(Ws[l] - new[l]) / lr for l in range(len(Ws) - 1, -1, -1)]
        return [_changed(Ws, args[0]), *implied]

    hints = {
        IN_PLACE: _IN_PLACE_HINT,
        UPDATED_WEIGHTS: "δ went back through the weights you had already updated: use the OLD "
        "weights. All the δ and ∂E/∂W of one step come from the same forward pass and the same "
        "weights; update each W after its δ has been sent back (or keep the old W aside)",
        feedback.TRANSPOSED: "δ_hidden = Wᵀ δ_next: row k of the next W holds the weights INTO "
        "unit k, so the hidden units collect W.T @ delta (one sample), not W @ delta",
        feedback.SIGN: "the step goes the wrong way: W ← W − η ∂E/∂W, with δ_output = ŷ − t "
        "(notes 02 and 03 write (t − ŷ) together with a +, which is the same step)",
        feedback.HALF: _KEPT_TWO,
        feedback.EXTRA_HALF: _KEPT_HALF,
    }
    formula = "W ← W − η ∂E/∂W for every layer, with the δ of the linear layers"
    args = ([W.copy() for W in Ws], x, t, lr)
    return Case(label, args, expected, names, candidates, formula, read=read, hints=hints)


# --- beyond the notes: the mean error, momentum, softmax with cross-entropy -------------------

HALF_SUM_DELTA = "the half-sum's δ"
MEAN_OVER_SAMPLES = "a mean over the samples only"
NO_TWO = "the 2 left out"
NO_MEAN = "the 1/n left out"


def _mean_output_delta_cases() -> list[Case]:
    hints = {
        HALF_SUM_DELTA: "it equals the notes' δ = (O − t) σ′ of E = ½ Σ (O − t)². The mean "
        "E = (1/n) Σ (O − t)² changes two things: no ½ cancels the 2 of the square, and every "
        "entry gets 1/n: δ = (2/n) (O − t) O (1 − O)",
        MEAN_OVER_SAMPLES: "it divides by the N = {N} samples only: the mean is over all n = N × "
        "(outputs) entries of O, as PyTorch's MSELoss takes it, so δ = (2/n) (O − t) σ′",
        NO_TWO: "the 2 is missing: without the ½, differentiating (O − t)² leaves 2 (O − t)",
        feedback.HALF: "it is twice the right value: δ = (2/n) (O − t) σ′ has the 2 of the "
        "square once",
        feedback.EXTRA_HALF: "it is half the right value: the mean has no ½ to cancel the 2 "
        "of the square, so δ = (2/n) (O − t) σ′ keeps it",
        feedback.DIVIDED_BY_N: "it is 1/N of the right value (N = {N} samples): the mean "
        "divides once, by n = N × (outputs), the number of entries of O",
        feedback.TIMES_N: "it is N = {N} times the right value: the mean divides by n = N × "
        "(outputs), the number of entries of O, not by the number of outputs alone",
        NO_MEAN: "the 1/n is missing: every entry of the mean counts 1/n, n = N × (outputs)",
        feedback.SIGN: _ERROR_SIGN.replace("½ Σ", "(1/n) Σ").replace(
            "O − t, so", "(2/n)(O − t), so"
        ),
    }
    cases = []
    for label, seed, n, n_out in (
        ("three samples, two outputs", 26, 3, 2),
        ("two samples, three outputs", 27, 2, 3),
        ("one sample, four outputs", 28, 1, 4),
    ):
        net, O = _sigmoid_layer(seed, n, n_out)
        t = _rng(seed + 100).uniform(size=(n, n_out))
        half_sum = (O - t) * O * (1 - O)
        size = O.size
        expected = 2 / size * half_sum
        candidates = [
            (HALF_SUM_DELTA, half_sum),
            (MEAN_OVER_SAMPLES, 2 / n * half_sum),
            (NO_TWO, half_sum / size),
            (NO_MEAN, 2 * half_sum),
        ]
        formula = "E = (1/n) Σ (O − t)² over all n entries: δ = (2/n) (O − t) O (1 − O)"
        cases.append(
            Case.single(label, (net, O, t), expected, "δ", candidates, formula, n, hints=hints)
        )
    return cases


NO_MOMENTUM = "no momentum"
OTHER_CONVENTION = "the other convention"
AVERAGED = "an average instead of a sum"
OLD_VELOCITY = "the old velocity"


def _momentum_cases() -> list[Case]:
    hints = {
        IN_PLACE: "the arrays you were given changed: `velocity *= μ` or `W -= …` writes into "
        "the caller's own arrays. Compute new ones (b_new = μ b + g, W_new = W − η b_new) and "
        "return them",
        NO_MOMENTUM: "the old velocity is not kept: b ← μ b + g adds this step's gradient to "
        "μ times the velocity you were given",
        OTHER_CONVENTION: "that is the other convention, v ← μ v − η g and W ← W + v; this "
        "exercise (and PyTorch's SGD) keeps b ← μ b + g and steps W ← W − η b",
        AVERAGED: "that is an average, μ b + (1 − μ) g (Adam's first moment); SGD with "
        "momentum adds the whole gradient: b ← μ b + g",
        feedback.HALF: "it is twice the right value: b ← μ b + g adds the gradient once, "
        "and W ← W − η b steps by η once",
        feedback.EXTRA_HALF: "it is half the right value: b ← μ b + g adds the whole "
        "gradient, and W ← W − η b the whole η b",
        OLD_VELOCITY: "the step used the velocity from before this update: first b ← μ b + g, "
        "then W ← W − η b with the NEW b",
        feedback.SIGN: "it is the exact negative: the velocity adds +g, and the step subtracts "
        "it, W ← W − η b",
    }
    rng = _rng(29)
    cases = []
    for label, shape, lr, mu, first in (
        ("the first step: velocity 0", (2, 2), 0.1, 0.9, True),
        ("a 2×3 W, μ = 0.9", (2, 3), 0.05, 0.9, False),
        ("a 3×2 W, μ = 0.5", (3, 2), 0.2, 0.5, False),
    ):
        W, g = rng.normal(size=shape), rng.normal(size=shape)
        b = np.zeros(shape) if first else rng.normal(size=shape)
        b_new = mu * b + g
        candidates_b = [
            (NO_MOMENTUM, g),
            (OTHER_CONVENTION, mu * b - lr * g),
            (AVERAGED, mu * b + (1 - mu) * g),
        ]
        candidates_step = [(NO_MOMENTUM, g), (OLD_VELOCITY, b), (AVERAGED, b_new - mu * g)]
        args = (W.copy(), g.copy(), b.copy(), lr, mu)

        cases.append(
            Case(
                label,
                args,
                [np.array(0.0), b_new, b_new],
                [_CHANGED, "the new velocity b", "the step (W − W_new) / η implied by your W"],
                [[(IN_PLACE, np.array(1.0))], candidates_b, candidates_step],
                "b ← μ b + g, then W ← W − η b",
                read=_momentum_reader(W, g, b, lr),
                hints=hints,
            )
        )
    return cases


def _momentum_reader(
    W: np.ndarray, g: np.ndarray, b: np.ndarray, lr: float
) -> Callable[[Any], list[np.ndarray]]:
    """What a momentum step is checked by: the caller's arrays unchanged, the new velocity,
    and the step (W − W_new) / η that the new W implies."""

    def read(returned: Any) -> list[np.ndarray]:
        result, after = returned
        W_new, b_new = _arrays("a pair (W_new, velocity_new)", 2)(result)
        if W_new.shape != W.shape:
            raise ValueError(f"returned a new W of shape {W_new.shape}, expected {W.shape}")
        return [_changed([W, g, b], after[:3]), b_new, (W - W_new) / lr]

    return read


MINUS_T_OVER_O = "∂E/∂O for ∂E/∂net"


def _softmax_delta_cases() -> list[Case]:
    hints = {
        **_PER_SAMPLE,
        feedback.CANCELLED_F_PRIME: "it equals (O − t) O (1 − O), the sigmoid's δ: with a softmax "
        "output and cross-entropy E = −Σ t log O, the softmax's derivative cancels against "
        "∂E/∂O = −t / O and leaves δ = O − t",
        MINUS_T_OVER_O: "it equals −t / O: that is ∂E/∂O. δ is ∂E/∂net: the softmax's "
        "derivative ∂O_k/∂net_j = O_k (δ_kj − O_j) still applies, and it leaves δ = O − t",
        feedback.NET_FOR_O: "it equals net − t: O = softmax(net) is the probabilities, use O",
        feedback.HALF: "it is twice the right value: δ = O − t has no 2 (cross-entropy has "
        "no square to bring one down)",
        feedback.EXTRA_HALF: "it is half the right value: δ = O − t has no ½",
        feedback.SIGN: "it is the exact negative: δ = O − t, the predicted probabilities minus "
        "the targets",
    }
    cases = []
    for label, seed, n, classes, one_hot in (
        ("one sample, three classes, one-hot t", 30, 1, 3, True),
        ("three samples, four classes, one-hot t", 31, 3, 4, True),
        ("two samples, three classes, probability rows t", 32, 2, 3, False),
    ):
        rng = _rng(seed)
        net = rng.normal(size=(n, classes))
        O = rules.activate("softmax", net)
        if one_hot:
            t = np.eye(classes)[rng.integers(classes, size=n)]
        else:
            t = rules.activate("softmax", rng.normal(size=(n, classes)))
        expected = rules.output_delta("softmax", net, O, t)
        candidates = feedback.delta_candidates("softmax", net, O, t=t)
        candidates.append((MINUS_T_OVER_O, -t / O))
        formula = feedback.DELTA_SOFTMAX
        cases.append(
            Case.single(label, (net, O, t), expected, "δ", candidates, formula, n, hints=hints)
        )
    return cases


# --- the scalar engine: the learner's backward on random expression graphs ----------------
#
# A graph travels as plain data: the leaves' values and a list of ops (op, i, j), each making a
# new node from nodes i and j built before it (j is ignored by tanh). Built in that order, the
# node list is itself a topological order.

Graph = tuple[list[float], list[tuple[str, int, int]]]

TANH_OF_INPUT = "tanh′ written with the input"
OWN_FACTOR = "× sends each parent its own value"
NOT_ACCUMULATED = "= where += belongs"
SUBTRACTED = "−= where += belongs"
FORWARD_WALK = "the walk in topological order, not reversed"
NO_SEED = "the root's grad not set to 1"


def build_graph(make_leaf: Callable[[float], Any], graph: Graph) -> list[Any]:
    """The graph's nodes, leaves first, built with ``make_leaf`` (a class such as ``Value``
    or the learner's ``Scalar``) and its ``+``, ``*`` and ``tanh()``."""
    leaves, ops = graph
    nodes = [make_leaf(float(v)) for v in leaves]
    for op, i, j in ops:
        a, b = nodes[i], nodes[j]
        nodes.append(a + b if op == "+" else a * b if op == "*" else a.tanh())
    return nodes


def run_engine(engine: Callable[[float], Any], graph: Graph) -> list[float]:
    """Build ``graph`` with the learner's engine, call ``backward()`` on its last node (the
    root) and return every node's ``grad``, leaves first (the scalar engine's ``call``)."""
    nodes = build_graph(engine, graph)
    nodes[-1].backward()
    return [float(node.grad) for node in nodes]


def _walk_with(graph: Graph, mistake: str) -> np.ndarray:
    """Every node's grad as an engine with ``mistake`` (one of the labels above) finds it."""
    leaves, ops = graph
    data = [float(v) for v in leaves]
    parents: list[tuple[int, ...]] = [() for _ in leaves]
    local: list[tuple[float, ...]] = [() for _ in leaves]
    for op, i, j in ops:
        a, b = data[i], data[j]
        if op == "tanh":
            out = math.tanh(a)
            parents.append((i,))
            local.append((1 - (a * a if mistake == TANH_OF_INPUT else out * out),))
        else:
            out = a + b if op == "+" else a * b
            parents.append((i, j))
            own = (a, b) if mistake == OWN_FACTOR else (b, a)
            local.append((1.0, 1.0) if op == "+" else own)
        data.append(out)
    root = len(data) - 1
    reached = {root}
    for k in range(root, -1, -1):
        if k in reached:
            reached.update(parents[k])
    grads = [0.0] * len(data)
    grads[root] = 0.0 if mistake == NO_SEED else 1.0
    for k in sorted(reached, reverse=mistake != FORWARD_WALK):
        for p, d in zip(parents[k], local[k]):
            share = -d * grads[k] if mistake == SUBTRACTED else d * grads[k]
            grads[p] = share + (0.0 if mistake == NOT_ACCUMULATED else grads[p])
    return np.array(grads)


def _random_graph(seed: int, n_leaves: int, n_ops: int) -> Graph:
    """Leaves in [−1.5, 1.5] and ops that each use the newest node and one drawn at random,
    so that the root depends on most of the graph and some nodes feed two others. An op
    whose result would leave [−3, 3] is a tanh instead: no value grows until tanh saturates
    and every derivative vanishes."""
    rng = _rng(seed)
    values = [round(float(v), 3) for v in rng.uniform(-1.5, 1.5, size=n_leaves)]
    leaves = list(values)
    ops: list[tuple[str, int, int]] = []
    for k in range(n_leaves, n_leaves + n_ops):
        op, i, j = str(rng.choice(["+", "*", "tanh"])), k - 1, int(rng.integers(k))
        a, b = values[i], values[j]
        out = a + b if op == "+" else a * b if op == "*" else math.tanh(a)
        if abs(out) > 3:
            op, out = "tanh", math.tanh(a)
        ops.append((op, i, j))
        values.append(out)
    return leaves, ops


def _legend(graph: Graph) -> str:
    """The graph in a few words, its nodes numbered as built (the index of a wrong grad):
    "leaves 0, 1, 2; 3 = 0 · 1; 4 = 3 + 2; 5 = tanh 4"."""
    leaves, ops = graph
    n = len(leaves)
    parts = [f"leaves {', '.join(str(k) for k in range(n))}"]
    for k, (op, i, j) in enumerate(ops, n):
        parts.append(
            f"{k} = tanh {i}" if op == "tanh" else f"{k} = {i} {'·' if op == '*' else '+'} {j}"
        )
    return "; ".join(parts)


def _scalar_engine_cases() -> list[Case]:
    hints = {
        TANH_OF_INPUT: "tanh′ = 1 − tanh² is written with the node's OUTPUT: the local "
        "derivative of out = tanh(a) is 1 − out², not 1 − a²",
        OWN_FACTOR: "for out = a · b, ∂out/∂a = b and ∂out/∂b = a: each parent gets the OTHER "
        "factor's value",
        NOT_ACCUMULATED: "a node that feeds several others (or one twice, as in d · d) gets "
        "a share from each: parent.grad += local · node.grad, not =",
        FORWARD_WALK: "only the root's parents got a grad: the walk must go from the root "
        "back, in REVERSE topological order, so that a node's grad is complete before it is "
        "passed on",
        NO_SEED: "every grad is 0: start the walk with the root's grad = 1 (d root / d root)",
        SUBTRACTED: "the signs flip from one node to the next: parent.grad += local · "
        "node.grad adds the share; the minus of gradient descent belongs to the update, not "
        "to the walk",
        feedback.SIGN: "every grad is the exact negative: the root's grad starts at +1",
        feedback.EXTRA_HALF: "every grad is half the right one: the root's grad starts at 1",
        feedback.HALF: "every grad is twice the right one: is the root seeded with 2, or every "
        "node walked twice?",
    }
    twice = ([0.7, -0.4], [("*", 0, 1), ("*", 2, 2), ("+", 3, 2)])
    cases = []
    for label, graph in (
        ("tanh(a · b + c)", ([0.5, -1.2, 0.3], [("*", 0, 1), ("+", 3, 2), ("tanh", 4, 4)])),
        ("a node used twice: d = a · b, d · d + d", twice),
        ("a random graph of 3 leaves and 8 ops", _random_graph(33, 3, 8)),
        ("a random graph of 4 leaves and 12 ops", _random_graph(34, 4, 12)),
        ("a random graph of 2 leaves and 15 ops", _random_graph(35, 2, 15)),
    ):
        nodes = build_graph(value.Value, graph)
        nodes[-1].backward()
        expected = np.array([node.grad for node in nodes])
        candidates = [
            (mistake, _walk_with(graph, mistake))
            for mistake in (
                NO_SEED,
                FORWARD_WALK,
                TANH_OF_INPUT,
                OWN_FACTOR,
                NOT_ACCUMULATED,
                SUBTRACTED,
            )
        ]
        formula = (
            "local derivatives: + (1, 1), a · b (b, a), tanh 1 − out²; root.grad = 1, then for "
            "each node in reverse topological order: parent.grad += local · node.grad"
        )
        name = f"the grads of the nodes ({_legend(graph)}),"
        cases.append(Case.single(label, graph, expected, name, candidates, formula, hints=hints))
    return cases


# --- the catalogue ---------------------------------------------------------------------------


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


_BEYOND = "beyond"  # the notes: PyTorch's mean error, momentum, softmax, an engine
EXERCISES: dict[str, Exercise] = {
    exercise.name: exercise
    for exercise in [
        Exercise(
            "sigmoid_derivative",
            "01_sigmoid_derivative.py",
            "note 01",
            "σ′ = O (1 − O)",
            _sigmoid_derivative_cases,
        ),
        Exercise(
            "output_delta",
            "02_output_delta.py",
            "note 01",
            "δ_k = (O_k − t_k) O_k (1 − O_k)",
            _output_delta_cases,
        ),
        Exercise(
            "hidden_delta",
            "03_hidden_delta.py",
            "note 01",
            "δ_j = O_j (1 − O_j) Σ_k δ_k W_kj",
            _hidden_delta_cases,
        ),
        Exercise(
            "sample_gradients",
            "04_sample_gradients.py",
            "note 01",
            "∂E/∂W_ij = O_i δ_j and ∂E/∂θ_j = δ_j for one sample",
            _sample_gradients_cases,
        ),
        Exercise(
            "linear_output_delta",
            "05_linear_output_delta.py",
            "note 02",
            "δ = ŷ − y for a linear output (f′ = 1)",
            _linear_output_delta_cases,
        ),
        Exercise(
            "augmented_gradient",
            "06_bias_as_weight.py",
            "note 02",
            "the bias w_0 as the weight on a constant input x_0 = +1",
            _augmented_gradient_cases,
        ),
        Exercise(
            "tanh_derivative",
            "07_tanh_derivative.py",
            "note 03",
            "tanh′ = 1 − O²",
            _tanh_derivative_cases,
        ),
        Exercise(
            "bias_gradient",
            "08_bias_gradient.py",
            "note 03",
            "∂E/∂b = δ, summed over a batch",
            _bias_gradient_cases,
        ),
        Exercise(
            "weight_gradient",
            "09_weight_gradient.py",
            "note 04",
            "∂E/∂W = δ O_prevᵀ, summed over a batch",
            _weight_gradient_cases,
        ),
        Exercise(
            "one_update",
            "10_one_update.py",
            "note 05",
            "W ← W − η ∂E/∂W for every layer, from the old weights",
            _one_update_cases,
            call_keeping_arguments,
        ),
        Exercise(
            "mean_output_delta",
            "11_mean_error.py",
            _BEYOND,
            "PyTorch's mean error (1/n) Σ (O − t)²: δ = (2/n) (O − t) f′",
            _mean_output_delta_cases,
        ),
        Exercise(
            "momentum_step",
            "12_momentum.py",
            _BEYOND,
            "SGD with momentum: b ← μ b + g, then W ← W − η b",
            _momentum_cases,
            call_keeping_arguments,
        ),
        Exercise(
            "softmax_delta",
            "13_softmax_cross_entropy.py",
            _BEYOND,
            "softmax with cross-entropy: δ = O − t",
            _softmax_delta_cases,
        ),
        Exercise(
            "Scalar",
            "14_scalar_engine.py",
            _BEYOND,
            "a scalar engine's backward: the local derivatives of +, ×, tanh, the walk in "
            "reverse topological order",
            _scalar_engine_cases,
            run_engine,
        ),
    ]
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
            transposed = case.hints.get(feedback.TRANSPOSED, feedback.HINTS[feedback.TRANSPOSED])
            lines.append(f"hint: check the shapes. {transposed}")
        return lines
    try:
        got = case.read(reply.get("result"))
    except ValueError as error:
        return [f"your function {error}"]
    for got_value, expected, name, candidates in zip(
        got, case.expected, case.names, case.candidates
    ):
        if feedback.close(got_value, expected):
            continue
        label, hint = feedback.explain(
            got_value, expected, candidates, case.samples, case.formula, case.hints
        )
        if got_value.shape != expected.shape:
            where = f"{name}: shape {got_value.shape}, expected {expected.shape}"
        else:
            index = feedback.first_index(got_value, expected)
            entry = f" at [{', '.join(str(i) for i in index)}]" if index else ""
            where = f"{name}{entry}: expected {_num(expected[index])}, got {_num(got_value[index])}"
        return [where, f"hint ({label or 'no known pattern'}): {hint}"]
    return []


def _num(value: Any) -> str:
    v = float(value)
    return f"{v:+.6g}" if math.isfinite(v) else str(v)
