"""fit's arguments, train.accuracy's targets, and a diverging training said once.

Each bad argument is a ValueError or TypeError naming ``fit`` and the argument. The step
where a loss first becomes infinite is recomputed here by the update rule written out.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from tinygrad_edu import losses, nn
from tinygrad_edu.train import DivergenceWarning, accuracy, fit

ENGINES = ["tensor", "value"]
X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.5]])
Y = np.array([[1.0], [1.0], [0.0], [0.0]])


def model(engine: str = "tensor") -> nn.MLP:
    return nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", engine=engine, seed=0)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"batch_size": 0}, ValueError, "fit: batch_size must be a positive integer, got 0"),
        ({"batch_size": -2}, ValueError, "fit: batch_size must be a positive integer, got -2"),
        ({"batch_size": 1.5}, TypeError, "fit: batch_size must be a positive integer, got float"),
        ({"batch_size": True}, TypeError, "fit: batch_size must be a positive integer, got bool"),
        ({"steps": 2.5}, TypeError, "fit: steps must be a non-negative integer, got float 2.5"),
        ({"steps": "3"}, TypeError, "fit: steps must be a non-negative integer, got str '3'"),
        ({"steps": None}, TypeError, "fit: steps must be a non-negative integer, got NoneType"),
        ({"steps": -1}, ValueError, "fit: steps must be a non-negative integer, got -1"),
        ({"lr": "0.1"}, TypeError, "fit: lr must be a real number"),
        ({"lr": -0.1}, ValueError, "fit: lr must be a finite number"),
        ({"momentum": float("nan")}, ValueError, "fit: momentum must be a finite number"),
        ({"reduction": "avg"}, ValueError, "fit: reduction must be one of .* got 'avg'"),
        ({"loss": 5}, TypeError, "fit: loss must be a function or None, got int 5"),
        ({"on_step": "print"}, TypeError, "fit: on_step must be a function or None"),
        ({"loss": lambda m, x, y: None}, TypeError, "fit: loss must return the error as one node"),
        ({"loss": lambda m, x, y: 0.5}, TypeError, "fit: loss must return .* got float 0.5"),
    ],
)
def test_each_bad_argument_is_an_error_naming_fit_and_it(engine, options, error, message):
    m = model(engine)
    before = m.get_weights()
    arguments = {"lr": 0.1, "steps": 2, **options}
    with pytest.raises(error, match=message):
        fit(m, X, Y, **arguments)
    for (W0, b0), (W1, b1) in zip(before, m.get_weights()):  # nothing was trained
        np.testing.assert_array_equal(W0, W1)
        np.testing.assert_array_equal(b0, b1)


def test_a_loss_returning_a_tensor_of_many_numbers_is_refused():
    with pytest.raises(ValueError, match=r"fit: loss must return one number .* shape \(4, 1\)"):
        fit(model(), X, Y, lr=0.1, steps=1, loss=lambda m, x, y: m(x))


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_or_mismatched_data_is_refused(engine):
    with pytest.raises(ValueError, match=r"fit: X has no samples \(shape \(0, 2\)\)"):
        fit(model(engine), X[:0], Y[:0], lr=0.1, steps=1)
    with pytest.raises(ValueError, match="fit: X has 4 samples and y has 3"):
        fit(model(engine), X, Y[:3], lr=0.1, steps=1)
    with pytest.raises(ValueError, match="fit: X must hold one row per sample"):
        fit(model(engine), 3.0, Y, lr=0.1, steps=1)


@pytest.mark.parametrize("thing", ["model", 5, None, [1, 2]])
def test_a_model_that_is_not_a_model_is_a_type_error_naming_fit(thing):
    with pytest.raises(TypeError, match=r"fit: model must be a model with parameters\(\)"):
        fit(thing, X, Y, lr=0.1, steps=1)
    with pytest.raises(ValueError, match=r"fit: model \(Sequential\) has no parameters"):
        fit(nn.Sequential(), X, Y, lr=0.1, steps=1)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_batch_size_beyond_the_data_wraps_and_zero_steps_train_nothing(engine):
    m = model(engine)
    assert fit(m, X, Y, lr=0.1, steps=0).loss == []
    history = fit(m, X, Y, lr=0.0, steps=1, batch_size=6, reduction="sum")
    rows = X[[0, 1, 2, 3, 0, 1]], Y[[0, 1, 2, 3, 0, 1]]
    expected = np.sum((m.predict(rows[0]) - rows[1]) ** 2)  # lr 0: the weights did not move
    assert history.loss[0] == pytest.approx(expected, rel=1e-12)


# --- accuracy -----------------------------------------------------------------------------


def classifier(engine: str) -> nn.MLP:
    m = nn.MLP([2, 3], output="softmax", engine=engine)
    # class = argmax of (x1, x2, −x1 − x2): rows of X → 1, 0, 0, 0 (ties: the first)
    m.set_weights([(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]), np.zeros(3))])
    return m


@pytest.mark.parametrize("engine", ENGINES)
def test_accuracy_takes_class_indices_and_one_hot_rows_alike(engine):
    m = classifier(engine)
    indices = np.array([1, 0, 2, 0])  # right, right, wrong, right
    one_hot = np.eye(3)[indices]
    assert accuracy(m, X, indices) == accuracy(m, X, one_hot) == 0.75
    assert accuracy(m, X, indices.tolist()) == 0.75


@pytest.mark.parametrize("engine", ENGINES)
def test_accuracy_of_one_output_takes_labels_as_a_column_or_a_vector(engine):
    m = model(engine)
    predicted = (m.predict(X)[:, 0] > 0.5).astype(float)
    labels = np.array([predicted[0], predicted[1], 1 - predicted[2], 1 - predicted[3]])
    assert accuracy(m, X, labels) == accuracy(m, X, labels[:, None]) == 0.5


def test_accuracy_refuses_targets_it_cannot_read():
    m = classifier("tensor")
    with pytest.raises(ValueError, match=r"accuracy: y has shape \(4, 2\); .* \(4, 3\)"):
        accuracy(m, X, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"accuracy: class index 3 \(sample 1\) is out of range"):
        accuracy(m, X, np.array([0, 3, 1, 2]))
    with pytest.raises(TypeError, match=r"accuracy: a target of shape .* must be integers"):
        accuracy(m, X, np.array([0.0, 1.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="accuracy: X has no samples"):
        accuracy(m, X[:0], np.zeros(0, dtype=int))


# --- divergence: said once, at the step it happened ---------------------------------------


def first_infinite_step(w: float, x: float, t: float, lr: float, steps: int) -> int:
    """E = (w x − t)², w ← w − lr · 2 (w x − t) x, written out: the first step whose E is
    not finite."""
    with np.errstate(all="ignore"):
        w = np.float64(w)
        for k in range(steps):
            error = (w * x - t) ** 2
            if not np.isfinite(error):
                return k
            w = w - lr * 2 * (w * x - t) * x
    raise AssertionError("never diverged")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_diverging_fit_warns_once_at_the_step_and_nothing_else(engine):
    m = nn.MLP([1, 1], output="linear", bias=False, engine=engine)
    m.set_weights([(np.array([[0.5]]), None)])
    x, t, lr = np.array([[2.0]]), np.array([[3.0]]), 10.0
    expected = first_infinite_step(0.5, 2.0, 3.0, lr, 400)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # NumPy's RuntimeWarnings would be caught too
        history = fit(m, x, t, lr=lr, steps=400)
    assert [type(w.message) for w in caught] == [DivergenceWarning]
    warning = caught[0]
    assert warning.filename == __file__  # the learner's line, not a file of the package
    assert history.diverged_at == expected
    assert not np.isfinite(history.loss[expected]) and np.isfinite(history.loss[expected - 1])
    assert str(warning.message) == (
        f"fit: the loss became {history.loss[expected]} at step {expected + 1} of 400: the "
        "training diverged; a smaller learning rate than 10 usually helps"
    )


def test_a_loss_infinite_before_any_update_blames_the_data_not_the_learning_rate():
    m = nn.MLP([1, 1], output="linear", bias=False)
    m.set_weights([(np.array([[1.0]]), None)])
    with pytest.warns(DivergenceWarning, match="at step 1 of 2, before any update: the inputs"):
        history = fit(m, [[1e200]], [[0.0]], lr=0.1, steps=2)
    assert history.diverged_at == 0


def test_a_finite_training_records_no_divergence():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = fit(model(), X, Y, lr=0.5, steps=5)
    assert history.diverged_at is None


def test_the_progress_bar_carries_the_warning_on_a_line_of_its_own(capsys):
    m = nn.MLP([1, 1], output="linear", bias=False)
    m.set_weights([(np.array([[0.5]]), None)])
    with pytest.warns(DivergenceWarning):
        fit(m, [[2.0]], [[3.0]], lr=10.0, steps=300, progress=True)
    err = capsys.readouterr().err
    assert "RuntimeWarning" not in err and "loss=nan" in err


def test_a_diverging_cross_entropy_fit_says_so_too():
    m = nn.MLP([2, 3], output="softmax", seed=0)

    def loss(model_, xb, yb):
        return losses.cross_entropy_loss(model_(xb), yb)

    with pytest.warns(DivergenceWarning, match="fit: the loss became"):
        fit(m, X * 1e150, np.array([0, 1, 2, 0]), lr=1e150, steps=3, loss=loss)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", *args], capture_output=True, text=True, timeout=120
    )


def test_a_diverging_demo_says_so_once_and_exits_non_zero(tmp_path):
    out = tmp_path / "demo"
    result = run_cli(
        "demo", "--hidden", "linear", "--output", "linear", "--lr", "100", "--out", str(out)
    )
    assert result.returncode == 1
    said = [line for line in result.stderr.splitlines() if "diverged" in line]
    assert len(said) == 1
    assert said[0].startswith("tinygrad-edu demo: error: the loss became ")
    assert "a smaller learning rate than 100 usually helps" in said[0]
    assert "Warning" not in result.stderr and ".py:" not in result.stderr
    assert "accuracy" not in result.stdout


def test_a_diverging_step_page_is_written_and_says_so_once(tmp_path):
    page = tmp_path / "p.html"
    result = run_cli(
        "step",
        "--sizes",
        "1,1,1",
        "--x",
        "1",
        "--t",
        "1",
        "--lr",
        "1e200",
        "--steps",
        "3",
        "--out",
        str(page),
    )
    assert result.returncode == 0 and page.exists()
    assert result.stderr.strip() == (
        "tinygrad-edu step: note: the loss became inf at iteration 2 of 3: the training "
        "diverged; a smaller learning rate than 1e+200 usually helps"
    )
