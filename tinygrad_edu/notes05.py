"""Note 05, the handwritten worked example: its numbers, its replay, and where it slips.

The note trains a 2-2-1 network of linear units without biases for one iteration:
x = (2, 3), target 1, learning rate 0.05, and

    h1 = x1 w1 + x2 w3,   h2 = x1 w2 + x2 w4,   ŷ = h1 w5 + h2 w6,   E = ½ (ŷ − y)².

Everything the library knows about this one page lives here, as data: the note's inputs and
weights, its printed table, each gradient's chain-rule form, the replay by the Value engine
(:func:`replay`), the printed walk-through (:func:`report`) and the slips of the note's own
arithmetic (:func:`slips`, :func:`remarks`), each computed from the replay, never assumed.
``tinygrad-edu worked-example`` prints the report; ``tinygrad-edu step`` and
``examples/worked_example.py`` start from :func:`weights`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .losses import mse_loss
from .optim import SGD
from .value import Value

X = (2.0, 3.0)
TARGET = 1.0
LR = 0.05
WEIGHTS = {"w1": 0.11, "w2": 0.12, "w3": 0.21, "w4": 0.08, "w5": 0.14, "w6": 0.15}
# The note's final table, as printed there: (old, new), rounded to two decimals.
TABLE = {
    "w1": (0.11, 0.12),
    "w2": (0.12, 0.13),
    "w3": (0.11, 0.12),
    "w4": (0.08, 0.10),
    "w5": (0.14, 0.17),
    "w6": (0.15, 0.17),
}
Y_HAT_ROUNDED = 0.19  # the note rounds ŷ to two decimals before using it
# Each weight's gradient in the note's chain-rule form: ∂E/∂w = Δ · (factors).
CHAIN = {
    "w1": ("Δ·w5·x1", ("w5", "x1")),
    "w2": ("Δ·w6·x1", ("w6", "x1")),
    "w3": ("Δ·w5·x2", ("w5", "x2")),
    "w4": ("Δ·w6·x2", ("w6", "x2")),
    "w5": ("Δ·h1", ("h1",)),
    "w6": ("Δ·h2", ("h2",)),
}
# The order the note goes through the backward pass: the output's weights first.
BACKWARD_ORDER = ("w5", "w6", "w1", "w2", "w3", "w4")


@dataclass
class WorkedExample:
    """One iteration of note 05 as computed by the Value engine."""

    lr: float
    x: tuple[float, float]
    target: float
    old: dict[str, float]
    h1: float
    h2: float
    y_hat: float
    error: float
    grad: dict[str, float]
    new: dict[str, float]

    def factors(self) -> dict[str, float]:
        """The numbers the chain-rule factors of ``CHAIN`` stand for."""
        return {
            "x1": self.x[0],
            "x2": self.x[1],
            "h1": self.h1,
            "h2": self.h2,
            "w5": self.old["w5"],
            "w6": self.old["w6"],
        }

    def factor(self, name: str) -> float:
        """∂E/∂w divided by Δ: the product of the weight's chain-rule factors."""
        values = self.factors()
        return math.prod(values[f] for f in CHAIN[name][1])


def replay(lr: float = LR) -> WorkedExample:
    """Forward, error, backward and one SGD step of note 05, by autograd on Values."""
    w = {name: Value(value, label=name) for name, value in WEIGHTS.items()}
    x1, x2 = Value(X[0], label="x1"), Value(X[1], label="x2")
    h1 = x1 * w["w1"] + x2 * w["w3"]
    h2 = x1 * w["w2"] + x2 * w["w4"]
    y_hat = h1 * w["w5"] + h2 * w["w6"]
    error = mse_loss([y_hat], [TARGET], reduction="half_sum")  # ½ (ŷ − y)²
    error.backward()
    grad = {name: v.grad for name, v in w.items()}
    SGD(list(w.values()), lr=lr).step()  # w ← w − η ∂E/∂w
    return WorkedExample(
        lr=lr,
        x=X,
        target=TARGET,
        old=dict(WEIGHTS),
        h1=h1.data,
        h2=h2.data,
        y_hat=y_hat.data,
        error=error.data,
        grad=grad,
        new={name: v.data for name, v in w.items()},
    )


def weights() -> list[tuple[np.ndarray, None]]:
    """w1..w6 as ``MLP.get_weights()`` pairs: row j of W holds the weights into unit j."""
    w = WEIGHTS
    return [
        (np.array([[w["w1"], w["w3"]], [w["w2"], w["w4"]]]), None),
        (np.array([[w["w5"], w["w6"]]]), None),
    ]


def num(x: float) -> str:
    """A number as a person would write it: no float noise, no trailing zeros."""
    return f"{round(x, 10):.10g}".replace("-", "−")


def _new_from_own_old(ex: WorkedExample, name: str) -> float:
    """The table's new value recomputed from the table's own old value (at the note's η)."""
    return TABLE[name][0] - ex.lr * (ex.y_hat - ex.target) * ex.factor(name)


def table_slips(ex: WorkedExample) -> list[str]:
    """The weights whose row of the note's table disagrees with the replay: an old value
    that is not the forward pass's, or a new one that does not follow even from the
    table's own old value.

    The note's old weights hold at any η; its new ones only at its own η (``LR``).
    """
    return [
        name
        for name, (note_old, note_new) in TABLE.items()
        if not math.isclose(note_old, ex.old[name])
        or (ex.lr == LR and not math.isclose(note_new, round(ex.new[name], 2)))
        or (ex.lr == LR and not math.isclose(note_new, round(_new_from_own_old(ex, name), 2)))
    ]


@dataclass(frozen=True)
class Slip:
    """One place where the note's own numbers or words disagree with its formulas.

    ``key`` names it in a few words (docs/from-the-notes.md lists every key); ``text`` says
    what is wrong and what is right, lines split with "\\n".
    """

    key: str
    text: str


# The keys, in the order the report gives them (a table row's two keys per weight).
OLD_KEY, NEW_KEY = "{} (old) in the table", "{} (new) in the table"
ROUNDED_KEY = "ŷ rounded to 0.19"
LINE_KEY = '{} line "· {}"'  # an update line multiplies by a number the formula has not
W_OLD_KEY = "w_old in the update lines"
LABEL_KEY = '"(Actual − Predicted)"'


def slips(ex: WorkedExample) -> list[Slip]:
    """Where the note's own numbers disagree with its formulas, each checked against the
    replay ``ex``. At another η than the note's the new weights are the replay's own (the
    note's table holds only at its η); the other slips do not depend on η.
    """
    w, values = ex.old, ex.factors()
    points = []
    for name in table_slips(ex):
        note_old, note_new = TABLE[name]
        step = " · ".join(num(values[f]) for f in CHAIN[name][1])
        if not math.isclose(note_old, w[name]):
            verdict = f", not {note_new:.2f}" if ex.lr == LR else f" (with η = {num(ex.lr)})"
            points.append(
                Slip(
                    OLD_KEY.format(name),
                    f"Its table lists {name} (old) as {note_old:.2f}, but its own forward pass "
                    f"uses {name} = {num(w[name])}.\nExact: {name} (new) = {num(w[name])} + "
                    f"{num(ex.lr)} · {num(ex.target - ex.y_hat)} · {step} = "
                    f"{num(ex.new[name])} ≈ {ex.new[name]:.3f}{verdict}.",
                )
            )
        own = _new_from_own_old(ex, name)
        if ex.lr == LR and not math.isclose(note_new, round(own, 2)):
            change = num(own - note_old)
            points.append(
                Slip(
                    NEW_KEY.format(name),
                    f"Its table's {name} (new) = {note_new:.2f} does not follow even from its "
                    f"own old value {note_old:.2f}:\n{num(note_old)} + {num(ex.lr)} · "
                    f"{num(ex.target - ex.y_hat)} · {step} = {num(note_old)} + {change} = "
                    f"{num(own)} ≈ {own:.2f}.",
                )
            )
    # The same updates with Δ = 0.19 − 1 in place of 0.191 − 1.
    rounded = {name: w[name] - ex.lr * (Y_HAT_ROUNDED - ex.target) * ex.factor(name) for name in w}
    worst = max(w, key=lambda name: abs(rounded[name] - ex.new[name]))
    shift = f"{abs(rounded[worst] - ex.new[worst]):.10f}".rstrip("0")
    points.append(
        Slip(
            ROUNDED_KEY,
            f"It rounds ŷ = {num(ex.y_hat)} to {num(Y_HAT_ROUNDED)} and computes the updates "
            f"with {num(Y_HAT_ROUNDED)}: that moves the\nnew weights by at most {shift} "
            f"({worst}: {num(rounded[worst])} instead of {num(ex.new[worst])}), invisible at "
            "two decimals.",
        )
    )
    with_one = w["w1"] - ex.lr * (ex.y_hat - ex.target) * w["w5"] * 1.0
    if round(with_one, 2) == round(ex.new["w1"], 2):
        hidden = f"both round to {ex.new['w1']:.2f}, so the table hides this one"
    else:
        hidden = f"{with_one:.2f} against {ex.new['w1']:.2f} at two decimals"
    points.append(
        Slip(
            LINE_KEY.format("w1", "1"),
            f'Its w1 line ends in "· 1" where x1 = {num(ex.x[0])} is meant: with · 1, w1 (new) '
            f"would be {num(with_one)};\nwith x1 it is {num(ex.new['w1'])} ({hidden}).",
        )
    )
    points.append(
        Slip(
            W_OLD_KEY,
            "Its update lines for w1..w4 read w_new = w_old − η Δ w_old x: the factor is the "
            "weight out of the\nhidden unit, not w_old: ∂E/∂w1 = Δ·w5·x1, ∂E/∂w2 = Δ·w6·x1, "
            "∂E/∂w3 = Δ·w5·x2, ∂E/∂w4 = Δ·w6·x2\n(its w1 line does compute with w5 = 0.14).",
        )
    )
    points.append(
        Slip(
            LABEL_KEY,
            'It labels the difference "(Actual − Predicted)", but its algebra and numbers use\n'
            f"Δ = prediction − actual = ŷ − y ({num(Y_HAT_ROUNDED)} − {num(ex.target)}): "
            "with actual − predicted,\nw_new = w_old − η Δ · (factors) would climb the error.",
        )
    )
    return points


def remarks(lr: float) -> dict[str, str]:
    """For the step-through page: a sentence per weight whose table row contradicts the pass."""
    if lr != LR:
        return {}
    return {
        name: f"Note 05's table lists {name} as {old:.2f} → {new:.2f}: a slip, its own "
        f"forward pass uses {name} = {num(WEIGHTS[name])}."
        for name, (old, new) in TABLE.items()
        if not math.isclose(old, WEIGHTS[name])
    }


def report(ex: WorkedExample) -> list[str]:
    """The replay written out step by step, as ``tinygrad-edu worked-example`` prints it."""
    w, x1, x2 = ex.old, ex.x[0], ex.x[1]
    delta = ex.y_hat - ex.target
    factor = ex.factors()
    lines = [
        "Note 05, one iteration of backpropagation, replayed by the Value engine",
        "network: inputs x1, x2 → linear hidden units h1, h2 → linear output ŷ, no biases",
        f"x = ({num(x1)}, {num(x2)}), target y = {num(ex.target)}, learning rate η = {num(ex.lr)}",
        "",
        "STEP 1  initial weights (w1, w3 into h1; w2, w4 into h2; w5, w6 into ŷ)",
        "  " + "   ".join(f"{name} = {num(v)}" for name, v in w.items()),
        "",
        "STEP 2  forward pass",
        f"  h1 = x1·w1 + x2·w3 = {num(x1)}·{num(w['w1'])} + {num(x2)}·{num(w['w3'])}"
        f" = {num(ex.h1)}",
        f"  h2 = x1·w2 + x2·w4 = {num(x1)}·{num(w['w2'])} + {num(x2)}·{num(w['w4'])}"
        f" = {num(ex.h2)}",
        f"  ŷ  = h1·w5 + h2·w6 = {num(ex.h1)}·{num(w['w5'])} + {num(ex.h2)}·{num(w['w6'])}"
        f" = {num(ex.y_hat)}",
        "",
        "STEP 3  error",
        f"  Error = ½ (ŷ − y)² = ½ ({num(ex.y_hat)} − {num(ex.target)})² = {num(ex.error)}",
        f"  Δ = ∂Error/∂ŷ = ŷ − y = {num(delta)}",
        "",
        "STEP 4  backward pass: autograd's gradient of each weight, and the chain rule",
    ]
    for name in BACKWARD_ORDER:
        formula, factors = CHAIN[name]
        numbers = "·".join([num(delta), *(num(factor[f]) for f in factors)])
        lines.append(f"  ∂E/∂{name} = {formula:<9} = {numbers:<18} = {num(ex.grad[name])}")
    lines += ["", "STEP 4 (cont.)  gradient descent: w_new = w_old − η ∂E/∂w"]
    for name in BACKWARD_ORDER:
        lines.append(
            f"  {name}_new = {num(w[name])} − {num(ex.lr)}·({num(ex.grad[name])})"
            f" = {num(ex.new[name])}"
        )
    new_column = f"new, η = {num(ex.lr)}"
    lines += [
        "",
        "old vs new (exact; the note's table rounds to two decimals)",
        f"  {'weight':<7}{'old':>8}{new_column:>16}   note's table, η = {num(LR)} (old → new)",
    ]
    slipped = table_slips(ex)
    for name in w:
        note_old, note_new = TABLE[name]
        mark = "   ← slip" if name in slipped else ""
        lines.append(
            f"  {name:<7}{num(w[name]):>8}{num(ex.new[name]):>16}   "
            f"{note_old:.2f} → {note_new:.2f}{mark}"
        )
    lines += ["", "Where the note slips"]
    if ex.lr != LR:
        lines.append(
            f"  (the note uses η = {num(LR)}, so its new weights are not compared at "
            f"η = {num(ex.lr)}; these slips hold at any η)"
        )
    for number, point in enumerate(slips(ex), 1):
        first, *rest = point.text.split("\n")
        lines.append(f"  {number}. {first}")
        lines += [f"     {line}" for line in rest]
    return lines
