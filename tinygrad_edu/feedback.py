"""Feedback on a learner's own backpropagation: where it first goes wrong, and a likely why.

A learner who derives the δ rules from the notes writes them as a plain numpy function,
laid out as :func:`rules.backward` is::

    def my_backward(weights, activations, x, t):
        # weights: [(W, b), …], W of shape (out, in), b of shape (out,) or None
        # activations: one name per layer, e.g. ["sigmoid", "linear"]
        # x: (in,) or (N, in); t: (out,) or (N, out); E = ½ Σ (O − t)², summed over samples
        ...
        return [(delta, dW, db), …]   # one triple per layer, first layer first

``delta`` has the shape of the layer's net, ``dW`` the shape of W and ``db`` that of b
(None for a layer without bias), both summed over the samples.

:func:`diagnose` walks the layers the way backpropagation does, from the output back, and
reports the FIRST quantity that differs from the notes' rules (``rules.backward``): which
layer, which unit's δ (or which entry of ∂E/∂W, ∂E/∂b), the expected and the got value,
and a hint read from the pattern of the difference. :func:`explain` holds that pattern
matching. ``compare(..., rules=f)`` and the exercises' grader both use this module; it uses
neither (the grader may use ``compare``, never the other way round). The patterns, tried
on the whole array:

- a wrong shape that is the transpose of the right one → a transposed weight matrix;
- the exact result of a typical wrong formula (computed here from the right intermediate
  values): f′ left out, Wᵀ replaced by W, net put where O belongs;
- a constant factor: −1 (sign error), 1/N or N (a mean, or a sum once too often, over the
  N samples; tried before 2 and ½, so that at N = 2 a mean still reads as one), 2 or ½ (the ½
  of E).

Every hint has a default text in :data:`HINTS`; a caller (an exercise) may pass its own
texts for the same labels, so that a hint speaks of the quantity at hand. ``{N}`` in a text
stands for the number of samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks, ops, rules

MISSING_F_PRIME = "missing f′"
TRANSPOSED = "transposed weight matrix"
SIGN = "sign error"
HALF = "forgotten ½"
EXTRA_HALF = "a ½ too many"
DIVIDED_BY_N = "divided by N"
TIMES_N = "multiplied by N"
NET_FOR_O = "net where O was meant"
CANCELLED_F_PRIME = "an f′ that cancels"

HINTS = {
    MISSING_F_PRIME: "it equals the formula without the activation's derivative: multiply "
    "by f′(net), written with the output (sigmoid: O (1 − O), tanh: 1 − O², linear: 1)",
    TRANSPOSED: rules.TRANSPOSED_HINT,
    SIGN: "it is the exact negative: δ_output starts from (O − t), not (t − O), and the "
    "update subtracts: W ← W − η ∂E/∂W",
    NET_FOR_O: "it matches the formula with net put where the output O = f(net) belongs "
    "(in f′ = O (1 − O), in O − t, or as the input O_prev of ∂E/∂W)",
    CANCELLED_F_PRIME: "a softmax output with cross-entropy has δ_output = O − t: the "
    "softmax's derivative O_k (δ_kj − O_j) cancels against ∂E/∂O = −t / O, so no O (1 − O) "
    "factor is left",
    HALF: "it is twice the right value: E = ½ Σ (O − t)², and the ½ cancels the 2 from "
    "differentiating the square, so δ_output = (O − t) f′, with no 2",
    EXTRA_HALF: "it is half the right value: differentiating ½ (O − t)² gives (O − t); the ½ "
    "is already used up, do not keep it",
    DIVIDED_BY_N: "it is 1/N of the right value (N = {N} samples): E sums the error over the "
    "batch, so the gradients are sums over the samples, not means",
    TIMES_N: "it is N = {N} times the right value: a quantity that is per sample (δ) or "
    "already summed was multiplied by N or summed once more",
}

# At N = 2 a factor 1/N is also a factor ½ (and N a factor 2): the hint says both.
_ALSO_AT_TWO = {
    DIVIDED_BY_N: " (with N = 2 this is also half the right value: if you did not divide "
    "by N, look for a ½ that should not be there)",
    TIMES_N: " (with N = 2 this is also twice the right value: if you did not multiply by "
    "N, look for a 2 that the ½ of E should have cancelled)",
}

# Learner functions are plain numpy in float64: they match the rules to rounding.
RTOL, ATOL = 1e-6, 1e-9


@dataclass
class Finding:
    """The first place a learner's result differs from the notes' rules.

    ``where`` names it in the notes' terms (e.g. "layer 2 (output), δ of unit 1"),
    ``expected`` and ``got`` are the two numbers there (None when the shapes differ),
    ``label`` the pattern found (a key of :data:`HINTS`, or "" for none) and ``hint`` the
    sentence that explains it.
    """

    where: str
    expected: float | None
    got: float | None
    label: str
    hint: str

    def __str__(self) -> str:
        if self.expected is None or self.got is None:
            first = f"first difference: {self.where}"
        else:
            first = (
                f"first difference: {self.where}: expected {self.expected:+.6g}, "
                f"got {self.got:+.6g}"
            )
        return f"{first}\nhint ({self.label or 'no known pattern'}): {self.hint}"


# --- the pattern of a difference ----------------------------------------------------------


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape and equal to rounding (the grader's notion of "right")."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def explain(
    got: np.ndarray,
    expected: np.ndarray,
    candidates: Sequence[tuple[str, np.ndarray]] = (),
    samples: int = 1,
    formula: str = "",
    hints: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """``(label, hint)`` for a ``got`` that differs from ``expected``.

    ``candidates`` are ``(label, array)`` pairs: what a typical wrong formula gives on the
    same input. ``samples`` is N of the batch; ``formula`` is the right formula, restated in
    the hint when no pattern fits. ``hints`` maps a label to the text to give instead of
    :data:`HINTS`'s (``{N}`` in it stands for ``samples``).
    """

    def found(label: str) -> tuple[str, str]:
        text = (hints or {}).get(label) or HINTS[label]
        if samples == 2 and label in _ALSO_AT_TWO:
            text += _ALSO_AT_TWO[label]
        return label, text.replace("{N}", str(samples))

    if got.shape != expected.shape:
        if got.shape == expected.shape[::-1] and close(got.T, expected):
            return found(TRANSPOSED)
        if samples > 1 and got.shape == (samples, *expected.shape):
            return "", (
                f"shape {got.shape}, expected {expected.shape}: sum over the {samples} "
                "samples (rows) of the batch"
            )
        return "", f"shape {got.shape}, expected {expected.shape}. {formula}".strip()
    for label, candidate in candidates:
        # A wrong formula that happens to give the right numbers here proves nothing.
        if close(got, candidate) and not close(candidate, expected):
            return found(label)
    if not close(expected, np.zeros_like(expected)):
        factors = [(SIGN, -1.0)]
        if samples > 1:
            factors += [(DIVIDED_BY_N, 1 / samples), (TIMES_N, float(samples))]
        for label, factor in [*factors, (HALF, 2.0), (EXTRA_HALF, 0.5)]:
            if close(got, factor * expected):
                return found(label)
    return "", f"no simple pattern in the difference; check it term by term. {formula}".strip()


def first_index(got: np.ndarray, expected: np.ndarray) -> tuple[int, ...]:
    """The first entry (row-major) where ``got`` and ``expected`` differ."""
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    return tuple(int(i) for i in np.argwhere(wrong)[0]) if wrong.any() else ()


# --- typical wrong formulas, computed from the right intermediate values ------------------


def delta_candidates(
    name: str,
    net: np.ndarray,
    out: np.ndarray,
    t: np.ndarray | None = None,
    delta_next: np.ndarray | None = None,
    W_next: np.ndarray | None = None,
) -> list[tuple[str, np.ndarray]]:
    """What typical wrong δ formulas give: for the output layer pass ``t``, for a hidden
    layer ``delta_next`` and ``W_next`` (the next layer's δ and (out, in) weights)."""
    if t is not None and ops.OPS[name].layer_wide:  # softmax + cross-entropy: δ = O − t
        return [(CANCELLED_F_PRIME, (out - t) * out * (1 - out)), (NET_FOR_O, net - t)]
    f_prime = rules.derivative(name, net, out)
    f_prime_of_net = rules.derivative(name, net, net)  # f′ written with net for O
    if t is not None:
        error = out - t
        return [
            (MISSING_F_PRIME, error),
            (NET_FOR_O, error * f_prime_of_net),
            (NET_FOR_O, (net - t) * f_prime),
        ]
    assert delta_next is not None and W_next is not None
    back = delta_next @ W_next  # Wᵀ δ_next for every sample (rows)
    found = [(MISSING_F_PRIME, back), (NET_FOR_O, f_prime_of_net * back)]
    if W_next.shape[0] == W_next.shape[1]:  # W δ_next only runs when W is square
        found.append((TRANSPOSED, f_prime * (delta_next @ W_next.T)))
    return found


def weight_gradient_candidates(
    delta: np.ndarray, O_prev: np.ndarray, net_prev: np.ndarray | None
) -> list[tuple[str, np.ndarray]]:
    """What typical wrong ∂E/∂W formulas give (``net_prev``: the previous layer's net,
    None for the first layer, whose input x has no net)."""
    found = []
    dW = rules.weight_gradient(delta, O_prev)
    if dW.shape[0] == dW.shape[1]:
        found.append((TRANSPOSED, dW.T))
    if net_prev is not None:
        found.append((NET_FOR_O, rules.weight_gradient(delta, net_prev)))
    return found


DELTA_OUTPUT = "δ_output = (O − t) · f′(net)"
DELTA_SOFTMAX = "δ_output = O − t (softmax with cross-entropy)"
DELTA_HIDDEN = "δ_hidden = f′(net) · (Wᵀ δ_next), W the next layer's weights"
WEIGHT_GRADIENT = "∂E/∂W = δ O_prevᵀ, summed over the samples"
BIAS_GRADIENT = "∂E/∂b = δ, summed over the samples"


# --- a learner's whole backward pass -------------------------------------------------------

LearnerLayer = tuple[np.ndarray, np.ndarray, "np.ndarray | None"]


def run_learner(
    backward: Callable[..., Any],
    weights: rules.Weights,
    activations: Sequence[str],
    x: np.ndarray,
    t: np.ndarray,
) -> list[LearnerLayer]:
    """Call ``backward(weights, activations, x, t)`` on copies of the inputs and return its
    ``(delta, dW, db)`` per layer as float64 arrays, or a TypeError/ValueError that says
    what the result should look like. Wrong shapes pass: :func:`diagnose` explains them."""
    copies = [(W.copy(), None if b is None else b.copy()) for W, b in weights]
    result = backward(copies, list(activations), x.copy(), t.copy())
    what = getattr(backward, "__name__", "the rules function")
    if not isinstance(result, (list, tuple)) or len(result) != len(weights):
        got = f"{len(result)} entries" if isinstance(result, (list, tuple)) else repr(result)
        raise ValueError(
            f"compare: {what} must return a list of (delta, dW, db), one per layer "
            f"({len(weights)}), first layer first; got {got}"
        )
    layers: list[LearnerLayer] = []
    for l, entry in enumerate(result, 1):
        if isinstance(entry, rules.LayerBackward):
            entry = (entry.delta, entry.dW, entry.db)
        if not isinstance(entry, (list, tuple)) or len(entry) != 3:
            raise ValueError(
                f"compare: entry {l} of what {what} returned must be (delta, dW, db), got {entry!r}"
            )
        delta, dW, db = (
            None if v is None else checks.real_array(v, f"compare: {what}, layer {l}")
            for v in entry
        )
        if delta is None or dW is None:
            raise ValueError(f"compare: {what}, layer {l}: delta and dW must not be None")
        layers.append((delta, dW, db))
    return layers


def diagnose(
    learner: Sequence[LearnerLayer],
    weights: rules.Weights,
    activations: Sequence[str],
    x: np.ndarray,
    t: np.ndarray,
) -> Finding | None:
    """The first quantity, in backpropagation's order (output layer first; per layer δ,
    then ∂E/∂W, then ∂E/∂b), where ``learner`` differs from ``rules.backward``; None when
    every one agrees."""
    right = rules.backward(weights, activations, x, t)
    samples = 1 if x.ndim == 1 else x.shape[0]
    last = len(right) - 1
    for l in range(last, -1, -1):
        record, (delta, dW, db) = right[l], learner[l]
        kind = "output" if l == last else "hidden"
        layer = f"layer {l + 1} ({kind})"
        if delta.shape != record.delta.shape and delta.size == record.delta.size:
            delta = delta.reshape(record.delta.shape)  # (1, out) for (out,) is fine
        if l == last:
            candidates = delta_candidates(activations[l], record.net, record.out, t=t)
            formula = DELTA_SOFTMAX if ops.OPS[activations[l]].layer_wide else DELTA_OUTPUT
        else:
            W_next = weights[l + 1][0]
            candidates = delta_candidates(
                activations[l], record.net, record.out, None, right[l + 1].delta, W_next
            )
            formula = DELTA_HIDDEN
        finding = _check(delta, record.delta, candidates, samples, formula, layer, "δ")
        if finding:
            return finding
        O_prev = x if l == 0 else right[l - 1].out
        net_prev = None if l == 0 else right[l - 1].net
        candidates = weight_gradient_candidates(record.delta, O_prev, net_prev)
        finding = _check(dW, record.dW, candidates, samples, WEIGHT_GRADIENT, layer, "∂E/∂W")
        if finding:
            return finding
        if (db is None) != (record.db is None):
            needed = "None: the layer has no bias" if record.db is None else "given"
            return Finding(f"{layer}, ∂E/∂b", None, None, "", f"db must be {needed}")
        if db is not None and record.db is not None:
            finding = _check(db, record.db, [], samples, BIAS_GRADIENT, layer, "∂E/∂b")
            if finding:
                return finding
    return None


def _check(
    got: np.ndarray,
    expected: np.ndarray,
    candidates: Sequence[tuple[str, np.ndarray]],
    samples: int,
    formula: str,
    layer: str,
    quantity: str,
) -> Finding | None:
    """A :class:`Finding` at the first differing entry of ``got``, or None if it is right."""
    if close(got, expected):
        return None
    label, hint = explain(got, expected, candidates, samples, formula)
    if got.shape != expected.shape:
        return Finding(f"{layer}, {quantity}", None, None, label, hint)
    index = first_index(got, expected)
    return Finding(
        f"{layer}, {entry_name(quantity, index, samples > 1)}",
        float(expected[index]),
        float(got[index]),
        label,
        hint,
    )


def entry_name(quantity: str, index: tuple[int, ...], batch: bool) -> str:
    """An entry in the notes' terms, units counted from 1: "δ of unit 2 (sample 3)",
    "∂E/∂W[2, 1] (into unit 2 from input 1)", "∂E/∂b of unit 2"."""
    if quantity == "δ":
        unit = index[-1] + 1
        return f"δ of unit {unit}" + (f" (sample {index[0] + 1})" if batch else "")
    if quantity == "∂E/∂W" and len(index) == 2:
        j, i = index[0] + 1, index[1] + 1
        return f"∂E/∂W[{j}, {i}] (into unit {j} from input {i})"
    return f"{quantity} of unit {index[-1] + 1}" if index else quantity
