"""tinygrad_edu.rules: the notes' δ rules in numpy, checked against independent sources.

Independent sources here: central finite differences of the error, a forward pass written
out by hand, exact arithmetic with fractions (note 05), and PyTorch.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_edu import rules
from tinygrad_edu.compare import central_difference

NETWORKS = [
    # (sizes, activations per layer, bias)
    ([2, 3, 1], ["sigmoid", "linear"], True),
    ([3, 4, 2], ["sigmoid", "sigmoid"], True),
    ([2, 3, 1], ["tanh", "linear"], False),
    ([3, 5, 4, 2], ["tanh", "sigmoid", "linear"], True),
    ([4, 3, 3, 3, 2], ["sigmoid", "tanh", "sigmoid", "tanh"], False),
    ([2, 1], ["sigmoid"], True),
    ([3, 4, 2], ["relu", "linear"], True),
]


def random_weights(sizes, bias, seed):
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(n_out, n_in)), rng.normal(size=n_out) if bias else None)
        for n_in, n_out in itertools.pairwise(sizes)
    ]


def half_sum_error(weights, activations, x, t):
    """E = ½ Σ (O − t)² of the network's output."""
    out = rules.forward(weights, activations, x)[-1].out
    return 0.5 * np.sum((out - t) ** 2)


def numeric_gradients(weights, activations, x, t):
    """(∂E/∂W, ∂E/∂b) of every layer by central differences of the error."""
    grads = []
    for l, (W, b) in enumerate(weights):

        def error_with(W_new, b_new, l=l):
            changed = list(weights)
            changed[l] = (W_new, b_new)
            return half_sum_error(changed, activations, x, t)

        dW = central_difference(lambda W_new, b=b: error_with(W_new, b), W)
        db = None if b is None else central_difference(lambda b_new, W=W: error_with(W, b_new), b)
        grads.append((dW, db))
    return grads


@pytest.mark.parametrize("batch", [None, 5])
@pytest.mark.parametrize("sizes, activations, bias", NETWORKS)
def test_backward_gradients_match_central_differences(sizes, activations, bias, batch):
    rng = np.random.default_rng(1)
    shape_x = (sizes[0],) if batch is None else (batch, sizes[0])
    shape_t = (sizes[-1],) if batch is None else (batch, sizes[-1])
    x, t = rng.normal(size=shape_x), rng.normal(size=shape_t)
    weights = random_weights(sizes, bias, seed=2)
    records = rules.backward(weights, activations, x, t)
    for record, (dW, db) in zip(records, numeric_gradients(weights, activations, x, t)):
        np.testing.assert_allclose(record.dW, dW, rtol=1e-6, atol=1e-8)
        if bias:
            np.testing.assert_allclose(record.db, db, rtol=1e-6, atol=1e-8)
        else:
            assert record.db is None


def test_forward_matches_a_hand_written_2_2_1_network():
    W1, b1 = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.1, -0.2])
    W2, b2 = np.array([[1.5, -0.5]]), np.array([0.3])
    x = np.array([1.0, 2.0])
    # by hand: net_j = Σ_i W_ji x_i + b_j, O_j = σ(net_j); output linear
    net1 = 0.5 * 1.0 - 1.0 * 2.0 + 0.1, 2.0 * 1.0 + 0.25 * 2.0 - 0.2
    O1 = [1 / (1 + np.exp(-n)) for n in net1]
    net2 = 1.5 * O1[0] - 0.5 * O1[1] + 0.3
    records = rules.forward([(W1, b1), (W2, b2)], ["sigmoid", "linear"], x)
    np.testing.assert_allclose(records[0].net, net1, rtol=1e-15)
    np.testing.assert_allclose(records[0].out, O1, rtol=1e-15)
    np.testing.assert_allclose(records[1].net, [net2], rtol=1e-15)
    np.testing.assert_allclose(records[1].out, [net2], rtol=1e-15)


def test_output_and_hidden_deltas_follow_the_notes_formulas():
    weights = random_weights([3, 4, 2], True, seed=3)
    x, t = np.array([0.2, -0.4, 0.9]), np.array([1.0, 0.0])
    hidden, output = rules.backward(weights, ["tanh", "sigmoid"], x, t)
    O_k, O_j = output.out, hidden.out
    delta_k = (O_k - t) * O_k * (1 - O_k)  # δ_output = (O − t) σ′
    W_out = weights[1][0]
    delta_j = (1 - O_j**2) * np.array(
        [sum(delta_k[k] * W_out[k, j] for k in range(2)) for j in range(4)]
    )  # δ_hidden = tanh′ · Σ_k δ_k W_kj
    np.testing.assert_allclose(output.delta, delta_k, rtol=1e-14)
    np.testing.assert_allclose(hidden.delta, delta_j, rtol=1e-14)
    np.testing.assert_allclose(output.dW, np.outer(delta_k, O_j), rtol=1e-14)
    np.testing.assert_allclose(hidden.dW, np.outer(delta_j, x), rtol=1e-14)


@pytest.mark.parametrize("sizes, activations, bias", NETWORKS)
def test_batch_gradient_is_the_sum_of_single_sample_gradients(sizes, activations, bias):
    rng = np.random.default_rng(4)
    X, T = rng.normal(size=(6, sizes[0])), rng.normal(size=(6, sizes[-1]))
    weights = random_weights(sizes, bias, seed=5)
    batch = rules.backward(weights, activations, X, T)
    singles = [rules.backward(weights, activations, x, t) for x, t in zip(X, T)]
    for l, record in enumerate(batch):
        np.testing.assert_allclose(record.dW, sum(s[l].dW for s in singles), rtol=1e-12)
        np.testing.assert_allclose(record.delta, [s[l].delta for s in singles], rtol=1e-12)
        if bias:
            np.testing.assert_allclose(record.db, sum(s[l].db for s in singles), rtol=1e-12)


def test_record_shapes_for_one_sample_and_for_a_batch():
    weights = random_weights([3, 4, 2], True, seed=6)
    single = rules.backward(weights, ["sigmoid", "linear"], np.zeros(3), np.zeros(2))
    batch = rules.backward(weights, ["sigmoid", "linear"], np.zeros((7, 3)), np.zeros((7, 2)))
    assert [r.net.shape for r in single] == [(4,), (2,)]
    assert [r.delta.shape for r in batch] == [(7, 4), (7, 2)]
    for records in (single, batch):
        assert [r.dW.shape for r in records] == [(4, 3), (2, 4)]
        assert [r.db.shape for r in records] == [(4,), (2,)]
    forward = rules.forward(weights, ["sigmoid", "linear"], np.zeros((7, 3)))
    assert [(r.net.shape, r.out.shape) for r in forward] == [((7, 4), (7, 4)), ((7, 2), (7, 2))]


def test_layers_with_and_without_bias_can_be_mixed():
    rng = np.random.default_rng(7)
    weights = [(rng.normal(size=(3, 2)), None), (rng.normal(size=(1, 3)), rng.normal(size=1))]
    x, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    records = rules.backward(weights, ["tanh", "linear"], x, t)
    assert records[0].db is None
    numeric = numeric_gradients(weights, ["tanh", "linear"], x, t)
    np.testing.assert_allclose(records[1].db, numeric[1][1], rtol=1e-6)


def test_derivatives_in_output_form():
    net = np.array([-2.0, 0.0, 3.0])
    O = 1 / (1 + np.exp(-net))
    np.testing.assert_allclose(rules.derivative("sigmoid", net, O), O * (1 - O))
    np.testing.assert_allclose(rules.derivative("tanh", net, np.tanh(net)), 1 - np.tanh(net) ** 2)
    np.testing.assert_array_equal(rules.derivative("linear", net, net), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(rules.derivative("relu", net, np.maximum(net, 0)), [0, 0, 1])


def test_sigmoid_at_extremes_gives_exact_limits_without_overflow_warnings():
    net = np.array([-1e4, -100.0, 0.0, 100.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):  # an overflow in exp would raise here
        O = rules.activate("sigmoid", net)
    assert O[0] == 0.0 and O[-1] == 1.0 and O[2] == 0.5
    # ½ tanh(½ net) + ½ is accurate to an ulp of 1: σ(−100) ≈ 3.7e-44 comes out as 0
    assert 0.0 <= O[1] < 1e-40 and 1.0 - O[3] < 1e-40


def test_reproduces_note_05_gradients_exactly():
    # Note 05: linear 2-2-1 without biases; W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w6]].
    w = {k: Fraction(v) for k, v in zip("123456", ["0.11", "0.12", "0.21", "0.08", "0.14", "0.15"])}
    x1, x2, y = Fraction(2), Fraction(3), Fraction(1)
    h1, h2 = x1 * w["1"] + x2 * w["3"], x1 * w["2"] + x2 * w["4"]
    delta = h1 * w["5"] + h2 * w["6"] - y  # ŷ − y
    weights = [
        (np.array([[0.11, 0.21], [0.12, 0.08]]), None),
        (np.array([[0.14, 0.15]]), None),
    ]
    hidden, output = rules.backward(weights, ["linear", "linear"], [2.0, 3.0], [1.0])
    exact_W2 = [[delta * h1, delta * h2]]
    exact_W1 = [
        [delta * w["5"] * x1, delta * w["5"] * x2],
        [delta * w["6"] * x1, delta * w["6"] * x2],
    ]
    np.testing.assert_allclose(output.dW, np.array(exact_W2, dtype=float), rtol=0, atol=1e-15)
    np.testing.assert_allclose(hidden.dW, np.array(exact_W1, dtype=float), rtol=0, atol=1e-15)
    new = rules.sgd_step(weights, rules.gradients([hidden, output]), 0.05)
    assert new[1][0][0, 0] == pytest.approx(
        float(w["5"] - Fraction("0.05") * delta * h1), abs=1e-15
    )


# --- sgd_step ---------------------------------------------------------------------------


def test_sgd_step_subtracts_lr_times_gradient_and_leaves_input_unchanged():
    weights = random_weights([2, 3, 1], True, seed=8)
    grads = random_weights([2, 3, 1], True, seed=9)
    before = [(W.copy(), b.copy()) for W, b in weights]
    grads_before = [(W.copy(), b.copy()) for W, b in grads]
    new = rules.sgd_step(weights, grads, 0.1)
    for (W, b), (dW, db), (W_new, b_new) in zip(weights, grads, new):
        np.testing.assert_allclose(W_new, W - 0.1 * dW, rtol=1e-15)
        np.testing.assert_allclose(b_new, b - 0.1 * db, rtol=1e-15)
        assert W_new is not W and b_new is not b
    for (W, b), (W0, b0) in zip(weights, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    for (dW, db), (dW0, db0) in zip(grads, grads_before):
        np.testing.assert_array_equal(dW, dW0)
        np.testing.assert_array_equal(db, db0)


def test_sgd_step_takes_backward_records_and_keeps_missing_biases():
    weights = random_weights([2, 3, 1], False, seed=10)
    records = rules.backward(weights, ["sigmoid", "linear"], [0.5, -0.5], [1.0])
    new = rules.sgd_step(weights, records, 0.5)
    assert all(b is None for _, b in new)
    np.testing.assert_allclose(new[0][0], weights[0][0] - 0.5 * records[0].dW, rtol=1e-15)


def test_repeated_sgd_steps_reduce_the_error():
    weights = random_weights([2, 3, 1], True, seed=11)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    T = np.array([[0.0], [1.0], [1.0], [0.0]])
    acts = ["tanh", "sigmoid"]
    first = half_sum_error(weights, acts, X, T)
    for _ in range(200):
        weights = rules.sgd_step(weights, rules.backward(weights, acts, X, T), 0.5)
    assert half_sum_error(weights, acts, X, T) < 0.5 * first


# --- validation -------------------------------------------------------------------------

W23, W31 = np.ones((3, 2)), np.ones((1, 3))


@pytest.mark.parametrize(
    "weights, activations, x, match",
    [
        (
            [(W23, None), (W31, None)],
            ["softmax", "sigmoid"],
            [1, 2],
            "unknown hidden activation 'softmax'.*only the output",
        ),
        ([(W23, None), (W31, None)], ["sigmoid"], [1, 2], "2 layers but 1 activations"),
        ([(W23, None), (np.ones((1, 4)), None)], ["sigmoid", "linear"], [1, 2], r"\(1, 4\)"),
        ([(W23, np.ones(2)), (W31, None)], ["sigmoid", "linear"], [1, 2], r"b of layer 1.*\(3,\)"),
        ([(np.ones(3), None)], ["linear"], [1, 2, 3], "2-d"),
        ([(W23, None), (W31, None)], ["sigmoid", "linear"], [1, 2, 3], r"x must have shape \(2,\)"),
        ([(W23, None), (W31, None)], ["sigmoid", "linear"], np.ones((2, 2, 2)), "x must have"),
        ([], [], [1, 2], "non-empty list"),
        ([W23], ["linear"], [1, 2], r"\(W, b\) pair"),
    ],
)
def test_forward_rejects_bad_networks_and_inputs(weights, activations, x, match):
    with pytest.raises(ValueError, match=match):
        rules.forward(weights, activations, x)


def test_activations_must_be_a_list_not_a_string():
    with pytest.raises(TypeError, match="list of names"):
        rules.forward([(W23, None)], "sigmoid", [1, 2])


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="x: expected numbers, got list"):
        rules.forward([(W23, None)], ["linear"], ["a", "b"])


@pytest.mark.parametrize("t", [[1.0, 2.0], [[1.0]], 1.0])
def test_backward_rejects_a_target_of_the_wrong_shape(t):
    with pytest.raises(ValueError, match=r"t has shape .* must match exactly"):
        rules.backward([(W23, None), (W31, None)], ["sigmoid", "linear"], [1, 2], t)


@pytest.mark.parametrize(
    "grads, match",
    [
        ([(W23, None)], "expected 2 .* pairs"),
        ([(W23, None), (np.ones((3, 1)), None)], r"dW of layer 2 has shape \(3, 1\)"),
        ([(W23, np.ones(3)), (W31, None)], "layer 1 has no bias"),
        ([(W23, None), W31], r"\(dW, db\) pair"),
    ],
)
def test_sgd_step_rejects_mismatched_gradients(grads, match):
    with pytest.raises(ValueError, match=match):
        rules.sgd_step([(W23, None), (W31, None)], grads, 0.1)


def test_sgd_step_rejects_a_non_number_learning_rate():
    with pytest.raises(TypeError, match="lr must be a number"):
        rules.sgd_step([(W23, None)], [(W23, None)], "0.1")


# --- PyTorch --------------------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("sizes, activations, bias", NETWORKS[:5])
def test_backward_matches_torch_autograd(sizes, activations, bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    X, T = rng.normal(size=(4, sizes[0])), rng.normal(size=(4, sizes[-1]))
    weights = random_weights(sizes, bias, seed=13)
    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "linear": lambda z: z}
    params, out = [], torch.tensor(X)
    for (W, b), name in zip(weights, activations):
        W_t = torch.tensor(W, requires_grad=True)
        b_t = None if b is None else torch.tensor(b, requires_grad=True)
        params.append((W_t, b_t))
        out = functions[name](torch.nn.functional.linear(out, W_t, b_t))
    (0.5 * ((out - torch.tensor(T)) ** 2).sum()).backward()
    for record, (W_t, b_t) in zip(rules.backward(weights, activations, X, T), params):
        np.testing.assert_allclose(record.dW, W_t.grad.numpy(), rtol=1e-12, atol=1e-14)
        if b_t is not None:
            np.testing.assert_allclose(record.db, b_t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_sgd_step_rejects_a_learning_rate_beyond_float_range():
    weights = [(np.ones((1, 2)), np.zeros(1))]
    with pytest.raises(
        ValueError, match=r"rules\.sgd_step: lr must be a finite number, got an integer"
    ):
        rules.sgd_step(weights, [(np.ones((1, 2)), np.ones(1))], lr=10**400)
