"""Note 05's worked example in exact arithmetic, for the tests that replay it.

(tests/notes/test_note05_handwritten.py writes the same formulas out in the note's own
notation, as the note test must; the CLI, trace, stepper and browser tests share this one.)

The 2-2-1 linear network without biases: h1 = x1 w1 + x2 w3, h2 = x1 w2 + x2 w4,
ŷ = h1 w5 + h2 w6, E = ½ (ŷ − t)², and one gradient-descent step w ← w − η ∂E/∂w.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

F = Fraction
WEIGHTS = {"w1": F("0.11"), "w2": F("0.12"), "w3": F("0.21"), "w4": F("0.08"),
           "w5": F("0.14"), "w6": F("0.15")}  # fmt: skip
X1, X2, T = F(2), F(3), F(1)
LR = F("0.05")


def iteration(w: dict[str, Fraction] = WEIGHTS, lr: Fraction = LR) -> dict[str, Any]:
    """Forward, error, δ, gradients and the updated weights, all as fractions."""
    h1 = X1 * w["w1"] + X2 * w["w3"]
    h2 = X1 * w["w2"] + X2 * w["w4"]
    y = h1 * w["w5"] + h2 * w["w6"]
    delta = y - T  # δ of the linear output: (O − t) · 1
    grad = {
        "w1": delta * w["w5"] * X1,
        "w2": delta * w["w6"] * X1,
        "w3": delta * w["w5"] * X2,
        "w4": delta * w["w6"] * X2,
        "w5": delta * h1,
        "w6": delta * h2,
    }
    return {
        "h1": h1,
        "h2": h2,
        "y": y,
        "E": F(1, 2) * delta**2,
        "delta_y": delta,
        "delta_h1": delta * w["w5"],
        "delta_h2": delta * w["w6"],
        "grad": grad,
        "new": {k: w[k] - lr * grad[k] for k in w},
    }
