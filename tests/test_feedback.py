"""compare(..., rules=your_backward): a learner's own δ rules beside autograd and finite
differences, and the first place they go wrong, with the hint for the pattern.

The learner here is written out independently of tinygrad_edu.rules (the notes' formulas
for sigmoid layers, one mistake at a time), so a passing report is evidence, not an echo.
"""

import numpy as np
import pytest

from tinygrad_edu import nn, rules
from tinygrad_edu.compare import compare
from tinygrad_edu.feedback import (
    DIVIDED_BY_N,
    EXTRA_HALF,
    HALF,
    HINTS,
    MISSING_F_PRIME,
    NET_FOR_O,
    SIGN,
    TIMES_N,
    TRANSPOSED,
    explain,
)

ENGINES = ["tensor", "value"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def learner(mistake=None):
    """A learner's backward pass for sigmoid layers, E = ½ Σ (O − t)², rows are samples,
    with at most one deliberate ``mistake``."""

    def my_backward(weights, activations, x, t):
        assert set(activations) == {"sigmoid"}
        nets, outs = [], [x]
        for W, b in weights:
            net = outs[-1] @ W.T + b
            nets.append(net)
            outs.append(sigmoid(net))
        result = []
        delta = None
        for l in range(len(weights) - 1, -1, -1):
            O, net, O_prev = outs[l + 1], nets[l], outs[l]
            f_prime = net * (1 - net) if mistake == "net f′" else O * (1 - O)
            if delta is None:  # output layer
                error = {"sign": t - O, "half": 2 * (O - t)}.get(mistake, O - t)
                delta = error if mistake == "no f′" else error * f_prime
            else:
                W_next = weights[l + 1][0]
                back = delta @ W_next.T if mistake == "W not Wᵀ" else delta @ W_next
                delta = back if mistake == "hidden no f′" else f_prime * back
            dW = O_prev.T @ delta if mistake == "dW transposed" else delta.T @ O_prev
            if mistake == "dW net" and l > 0:
                dW = delta.T @ nets[l - 1]
            db = delta.sum(axis=0)
            if mistake == "mean":
                dW, db = dW / len(x), db / len(x)
            result.append((delta, dW, db))
        return result[::-1]

    return my_backward


def setup(engine, sizes=(3, 3, 2), n=3, seed=0):
    model = nn.MLP(list(sizes), "sigmoid", "sigmoid", engine=engine, seed=seed)
    rng = np.random.default_rng(seed)
    return model, rng.normal(size=(n, sizes[0])), rng.uniform(size=(n, sizes[-1]))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_right_learner_agrees_with_autograd_and_finite_differences(engine):
    model, X, T = setup(engine)
    report = compare(model, X, T, rules=learner())
    assert report.ok and report.finding is None
    assert "your rules" in str(report) and "all agree" in str(report)
    for row in report.rows:
        np.testing.assert_allclose(row.rules, row.finite_difference, atol=1e-8)


def test_the_library_rules_are_a_valid_rules_argument():
    model, X, T = setup("tensor")
    assert compare(model, X, T, rules=rules.backward).ok


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "mistake, label, layer, quantity",
    [
        ("no f′", MISSING_F_PRIME, "layer 2 (output)", "δ of unit 1"),
        ("hidden no f′", MISSING_F_PRIME, "layer 1 (hidden)", "δ of unit"),
        ("sign", SIGN, "layer 2 (output)", "δ of unit 1"),
        ("half", HALF, "layer 2 (output)", "δ of unit 1"),
        ("mean", DIVIDED_BY_N, "layer 2 (output)", "∂E/∂W[1, 1]"),
        ("W not Wᵀ", TRANSPOSED, "layer 1 (hidden)", "δ of unit"),
        ("dW transposed", TRANSPOSED, "layer 2 (output)", "∂E/∂W["),
        ("net f′", NET_FOR_O, "layer 2 (output)", "δ of unit 1"),
        ("dW net", NET_FOR_O, "layer 2 (output)", "∂E/∂W[1, 1]"),
    ],
)
def test_each_typical_mistake_is_found_where_it_happens_with_its_hint(
    engine, mistake, label, layer, quantity
):
    model, X, T = setup(engine, sizes=(3, 3, 3))  # square: W δ_next runs, and gives numbers
    report = compare(model, X, T, rules=learner(mistake))
    assert not report.ok
    finding = report.finding
    assert finding is not None and finding.label == label, str(finding)
    assert finding.where.startswith(f"{layer}, {quantity}")
    assert f"hint ({label})" in str(report)
    assert report.rows[0].autograd.shape == report.rows[0].finite_difference.shape


def test_the_finding_gives_the_notes_numbers_at_the_first_wrong_delta():
    model, X, T = setup("tensor")
    (W1, b1), (W2, b2) = model.get_weights()
    O2 = sigmoid(sigmoid(X @ W1.T + b1) @ W2.T + b2)
    right = (O2 - T) * O2 * (1 - O2)  # δ_k = (O_k − t_k) O_k (1 − O_k), note 01
    finding = compare(model, X, T, rules=learner("sign")).finding
    assert finding.where == "layer 2 (output), δ of unit 1 (sample 1)"
    assert finding.expected == pytest.approx(right[0, 0], rel=1e-12)
    assert finding.got == pytest.approx(-right[0, 0], rel=1e-12)


def test_a_transposed_dW_of_another_shape_shows_as_failed_rows_and_the_hint():
    model, X, T = setup("tensor", sizes=(2, 3, 1))
    report = compare(model, X, T, rules=learner("dW transposed"))
    assert report.finding.label == TRANSPOSED
    assert report.finding.where == "layer 2 (output), ∂E/∂W"
    assert not report["layers.1.weight"].ok and report["layers.1.bias"].ok
    assert "FAIL" in report.table()


def test_a_single_sample_is_passed_as_the_notes_write_it():
    model = nn.MLP([2, 2, 1], "sigmoid", "sigmoid", seed=3)
    seen = {}

    def my_backward(weights, activations, x, t):
        seen["shapes"] = (x.shape, t.shape)
        return rules.backward(weights, activations, x, t)

    assert compare(model, [0.5, -1.0], [0.3], rules=my_backward).ok
    assert seen["shapes"] == ((2,), (1,))


@pytest.mark.parametrize(
    "returned, message",
    [
        (lambda w: None, "must return a list of (delta, dW, db), one per layer (2)"),
        (lambda w: [(0, 0, 0)], "got 1 entries"),
        (lambda w: [(0, 0), (0, 0)], "must be (delta, dW, db)"),
        (lambda w: [(None, 0, 0), (0, 0, 0)], "delta and dW must not be None"),
    ],
)
def test_a_result_in_the_wrong_layout_is_a_clear_error(returned, message):
    model, X, T = setup("tensor")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compare(model, X, T, rules=lambda weights, activations, x, t: returned(weights))


def test_the_learner_gets_copies_and_cannot_change_the_model():
    model, X, T = setup("tensor")
    before = model.get_weights()

    def vandal(weights, activations, x, t):
        for W, _ in weights:
            W[...] = 0.0
        return rules.backward(before, activations, X, T)

    compare(model, X, T, rules=vandal)
    for (W, b), (W0, b0) in zip(model.get_weights(), before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_explain_reads_constant_factors_and_names_no_pattern_otherwise():
    expected = np.array([[0.5, -1.0], [2.0, 0.25], [1.0, 3.0]])
    assert explain(-expected, expected)[0] == SIGN
    assert explain(2 * expected, expected)[0] == HALF
    assert explain(expected / 2, expected)[0] == EXTRA_HALF
    assert explain(expected / 3, expected, samples=3)[0] == DIVIDED_BY_N
    assert explain(expected * 3, expected, samples=3)[0] == TIMES_N
    assert explain(expected.T, expected)[0] == TRANSPOSED
    label, hint = explain(expected + 1, expected, formula="δ = (O − t) f′")
    assert label == "" and "δ = (O − t) f′" in hint


# --- the learner's function misbehaving: one error naming rules ----------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_an_exception_inside_the_learners_rules_is_one_error_naming_rules(engine):
    from tinygrad_edu.compare import RulesError

    def my_backward(weights, activations, x, t):
        return 1 / 0

    model, X, T = setup(engine)
    with pytest.raises(RulesError) as info:
        compare(model, X, T, rules=my_backward)
    assert str(info.value) == (
        "compare: rules=my_backward raised ZeroDivisionError: division by zero"
    )
    assert isinstance(info.value.__cause__, ZeroDivisionError)  # the learner's, chained
    assert info.value.__cause__.__traceback__.tb_next.tb_frame.f_code.co_name == "my_backward"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("rules_", "message"),
    [
        (5, r"compare: rules must be a function rules\(weights, activations, x, t\) .* got int 5"),
        ("my_backward", "compare: rules must be a function .* got str 'my_backward'"),
        (
            lambda w, x: None,
            r"compare: rules=<lambda> must take four arguments, .* is <lambda>\(w, x\)$",
        ),
        (
            lambda w, a, x, t, lr: None,
            r"compare: rules=<lambda> must take .*; its signature is <lambda>\(w, a, x, t, lr\)",
        ),
    ],
)
def test_rules_that_is_not_a_function_of_four_arguments_says_so(rules_, message):
    model, X, T = setup("tensor")
    with pytest.raises(TypeError, match=message):
        compare(model, X, T, rules=rules_)


def test_a_function_with_defaults_or_star_args_is_a_valid_rules_argument():
    model, X, T = setup("tensor", sizes=(2, 3, 1))
    right = learner()
    assert compare(model, X, T, rules=lambda *args: right(*args)).ok
    assert compare(model, X, T, rules=lambda w, a, x, t, lr=0.1: right(w, a, x, t)).ok


@pytest.mark.parametrize("engine", ENGINES)
def test_a_transposed_hidden_W_in_a_non_square_network_gets_the_exercises_shape_hint(engine):
    from tinygrad_edu.compare import RulesError

    model, X, T = setup(engine, sizes=(3, 4, 2))  # W2 is (2, 4): W δ_next cannot run
    with pytest.raises(RulesError) as info:
        compare(model, X, T, rules=learner("W not Wᵀ"))
    first, hint = str(info.value).split("\n")
    assert first.startswith("compare: rules=my_backward raised ValueError: matmul:")
    assert hint == "hint: check the shapes. " + HINTS[TRANSPOSED]  # the exercises' words
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_a_mean_over_the_batch_reads_as_divided_by_n_at_every_n(n):
    expected = np.arange(1.0, 2 * n + 1).reshape(n, 2)
    label, hint = explain(expected / n, expected, samples=n)
    assert label == DIVIDED_BY_N and f"1/N of the right value (N = {n} samples)" in hint
    label, hint = explain(expected * n, expected, samples=n)
    assert label == TIMES_N and f"N = {n} times the right value" in hint
    # at N = 2 the factor is also ½ (or 2): the hint names both readings
    assert ("also half" in explain(expected / n, expected, samples=n)[1]) == (n == 2)
    assert ("also twice" in explain(expected * n, expected, samples=n)[1]) == (n == 2)


def test_a_caller_gives_its_own_text_for_a_label_with_the_number_of_samples():
    expected = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    hints = {DIVIDED_BY_N: "δ is per sample: no mean over the {N} rows", SIGN: "σ′ > 0"}
    assert explain(expected / 3, expected, samples=3, hints=hints) == (
        DIVIDED_BY_N,
        "δ is per sample: no mean over the 3 rows",
    )
    assert explain(-expected, expected, hints=hints) == (SIGN, "σ′ > 0")
    assert explain(2 * expected, expected, hints=hints)[1] == HINTS[HALF]  # the default
