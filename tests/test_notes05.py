"""tinygrad_edu.notes05 against note 05 in exact arithmetic (tests/note05.py, independent)."""

import math
from fractions import Fraction
from pathlib import Path

import note05
import numpy as np
import pytest

from tinygrad_edu import notes05


def test_the_modules_data_is_the_notes():
    assert {k: Fraction(str(v)) for k, v in notes05.WEIGHTS.items()} == note05.WEIGHTS
    assert (notes05.X, notes05.TARGET, Fraction(str(notes05.LR))) == ((2.0, 3.0), 1.0, note05.LR)
    (W1, b1), (W2, b2) = notes05.weights()
    w = notes05.WEIGHTS
    np.testing.assert_array_equal(W1, [[w["w1"], w["w3"]], [w["w2"], w["w4"]]])
    np.testing.assert_array_equal(W2, [[w["w5"], w["w6"]]])
    assert b1 is None and b2 is None


@pytest.mark.parametrize("lr", ["0.05", "0.1"])
def test_replay_matches_exact_arithmetic(lr):
    ex = notes05.replay(float(lr))
    exact = note05.iteration(note05.WEIGHTS, Fraction(lr))
    for key, value in (("h1", ex.h1), ("h2", ex.h2), ("y", ex.y_hat), ("E", ex.error)):
        assert value == pytest.approx(float(exact[key]), rel=1e-12), key
    for name in notes05.WEIGHTS:
        assert ex.grad[name] == pytest.approx(float(exact["grad"][name]), rel=1e-12)
        assert ex.new[name] == pytest.approx(float(exact["new"][name]), rel=1e-12)
        assert ex.factor(name) * (ex.y_hat - ex.target) == pytest.approx(ex.grad[name])


def test_only_w3_slips_in_the_table_and_the_slips_say_why():
    ex = notes05.replay()
    assert notes05.table_slips(ex) == ["w3"]
    first = notes05.slips(ex)[0].text
    assert "w3 (old) as 0.11" in first and "uses w3 = 0.21" in first and "0.226989" in first
    assert list(notes05.remarks(notes05.LR)) == ["w3"]
    # at another learning rate its new weights are not compared, its old w3 still slips
    other = notes05.replay(0.1)
    assert notes05.table_slips(other) == ["w3"]
    other_first = notes05.slips(other)[0].text
    assert "(with η = 0.1)" in other_first and "not 0.12" not in other_first
    assert notes05.remarks(0.1) == {}


# --- every slip of the note, found here in exact arithmetic ---------------------------------

F = Fraction
# What note 05 prints, transcribed from the page (its claims, not their corrections):
PRINTED_FORWARD = {"h1": F("0.85"), "h2": F("0.48"), "y": F("0.19")}
# its worked update lines: the numbers it multiplies α Δ by, and the result it prints
PRINTED_LINES = {
    "w6": ([F("0.48")], F("0.17")),
    "w5": ([F("0.85")], F("0.17")),
    "w1": ([F("0.14"), F(1)], F("0.12")),
}
# its general update lines w_{k,new} = w_{k,old} − α Δ w_{k,old} x: the weight they name
PRINTED_WEIGHT_FACTOR = {"w1": "w1", "w2": "w2", "w3": "w3", "w4": "w4"}
PRINTED_TABLE = {  # old → new
    "w1": (F("0.11"), F("0.12")),
    "w2": (F("0.12"), F("0.13")),
    "w3": (F("0.11"), F("0.12")),
    "w4": (F("0.08"), F("0.10")),
    "w5": (F("0.14"), F("0.17")),
    "w6": (F("0.15"), F("0.17")),
}
PRINTED_LABEL = ("actual", "predicted")  # "Difference (Actual − Predicted)"
PRINTED_ALGEBRA = ("prediction", "actual")  # Δ = Prediction − actual, used in every line
# The chain rule, written out here: ∂E/∂w = Δ · (these factors).
CHAIN = {"w1": ("w5", "x1"), "w2": ("w6", "x1"), "w3": ("w5", "x2"), "w4": ("w6", "x2"),
         "w5": ("h1",), "w6": ("h2",)}  # fmt: skip


def slips_in_exact_arithmetic() -> set[str]:
    """Every place where the note's printed numbers or words disagree with its formulas."""
    exact = note05.iteration()
    values = {**note05.WEIGHTS, "x1": note05.X1, "x2": note05.X2, "h1": exact["h1"],
              "h2": exact["h2"]}  # fmt: skip
    found = set()
    for name, printed in PRINTED_FORWARD.items():
        if printed != exact[name]:
            assert round(exact[name], 2) == printed  # only ŷ, and only rounded
            found.add(notes05.ROUNDED_KEY)
    for name, (old, new) in PRINTED_TABLE.items():
        if old != note05.WEIGHTS[name]:
            found.add(notes05.OLD_KEY.format(name))
        if round(old - note05.LR * exact["grad"][name], 2) != new:  # from its own old value
            found.add(notes05.NEW_KEY.format(name))
    for name, (factors, result) in PRINTED_LINES.items():
        for printed, factor in zip(factors, CHAIN[name], strict=True):
            if printed != values[factor]:
                found.add(notes05.LINE_KEY.format(name, printed))
        # the printed result follows from the printed factors and ŷ rounded to 0.19
        old = note05.WEIGHTS[name]
        line = old - note05.LR * (PRINTED_FORWARD["y"] - note05.T) * math.prod(factors)
        assert round(line, 2) == result
    if any(PRINTED_WEIGHT_FACTOR[name] != CHAIN[name][0] for name in PRINTED_WEIGHT_FACTOR):
        found.add(notes05.W_OLD_KEY)
    if PRINTED_LABEL != PRINTED_ALGEBRA:
        found.add(notes05.LABEL_KEY)
    return found


def test_the_slips_reported_are_exactly_the_slips_there_are():
    expected = slips_in_exact_arithmetic()
    assert expected == {
        "w3 (old) in the table",
        "w3 (new) in the table",
        "ŷ rounded to 0.19",
        'w1 line "· 1"',
        "w_old in the update lines",
        '"(Actual − Predicted)"',
    }
    reported = [slip.key for slip in notes05.slips(notes05.replay())]
    assert sorted(reported) == sorted(expected)  # each once, none missing, none invented


def test_the_docs_list_every_slip_the_command_reports():
    page = (Path(__file__).resolve().parents[1] / "docs" / "from-the-notes.md").read_text("utf-8")
    rows = [line.split(" | ")[0].removeprefix("| ") for line in page.splitlines()]
    reported = [slip.key for slip in notes05.slips(notes05.replay())]
    assert sorted(key for key in rows if key in reported) == sorted(reported)


def test_the_w3_row_is_wrong_even_from_its_own_old_value():
    text = next(s.text for s in notes05.slips(notes05.replay()) if s.key.startswith("w3 (new)"))
    step = F("0.05") * F("0.809") * F("0.14") * 3
    assert step == F("0.016989")
    assert f"0.11 + {float(step)} = {float(F('0.11') + step)} ≈ 0.13" in text


def test_exercise_10_says_how_w1_to_w6_fill_the_matrices():
    repo = Path(__file__).resolve().parents[1]
    # the stub a learner fills in, wherever it ships (not the reference solution)
    (stub,) = [
        p
        for p in repo.glob("**/10_one_update.py")
        if not {".venv", "exercise_solutions"} & set(p.parts)
    ]
    text = stub.read_text(encoding="utf-8")
    assert "W1 = [[w1, w3], [w2, w4]]" in text and "W2 = [[w5, w6]]" in text
    w, x1, x2 = note05.WEIGHTS, note05.X1, note05.X2

    def y_hat(rows):  # ŷ of the 2-2-1 linear net with W1 given row by row
        (a, b), (c, d) = rows
        return (x1 * a + x2 * b) * w["w5"] + (x1 * c + x2 * d) * w["w6"]

    assert y_hat([[w["w1"], w["w3"]], [w["w2"], w["w4"]]]) == F("0.191")  # the note's
    wrong = y_hat([[w["w1"], w["w2"]], [w["w3"], w["w4"]]])
    assert wrong == F("0.1802") and f"ŷ = {float(wrong)}, not 0.191" in text
