"""tinygrad_edu.notes05 against note 05 in exact arithmetic (tests/note05.py, independent)."""

from fractions import Fraction

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
    first = notes05.slips(ex)[0]
    assert "w3 (old) as 0.11" in first and "uses w3 = 0.21" in first and "0.226989" in first
    assert list(notes05.remarks(notes05.LR)) == ["w3"]
    # at another learning rate its new weights are not compared, its old w3 still slips
    other = notes05.replay(0.1)
    assert notes05.table_slips(other) == ["w3"]
    assert "(with η = 0.1)" in notes05.slips(other)[0] and "not 0.12" not in notes05.slips(other)[0]
    assert notes05.remarks(0.1) == {}
