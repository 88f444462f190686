"""tinygrad_edu.nn: shapes, validation, weights, state, and both engines agreeing."""

import itertools
import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, mse_loss, nn
from tinygrad_edu.compare import central_difference

ARCHITECTURES = [
    ([2, 3, 1], "sigmoid", "linear", True),
    ([3, 4, 2], "sigmoid", "sigmoid", True),
    ([2, 5, 4, 3], "tanh", "linear", True),
    ([4, 3, 2], "relu", "tanh", False),
    ([3, 1], "sigmoid", "sigmoid", True),
]


def random_weights(sizes, bias, seed):
    """A get_weights()-style list of random numbers, independent of the model's init."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(n_out, n_in)), rng.normal(size=n_out) if bias else None)
        for n_in, n_out in itertools.pairwise(sizes)
    ]


def numpy_forward(weights, activations, x):
    """out = f(W x + b) layer by layer, in plain numpy (the notes' forward pass)."""
    f = {
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "linear": lambda z: z,
    }
    out = np.asarray(x, dtype=float)
    for (W, b), act in zip(weights, activations):
        net = out @ W.T + (0 if b is None else b)
        out = f[act](net)
    return out


def flat_grads_value(model):
    """The value engine's gradients in get_weights() layout."""
    grads = []
    for layer in model.layers:
        dW = np.array([[w.grad for w in neuron.w] for neuron in layer.neurons])
        db = np.array([neuron.b.grad for neuron in layer.neurons]) if model.bias else None
        grads.append((dW, db))
    return grads


def grads_tensor(model):
    return [
        (layer.weight.grad, None if layer.bias is None else layer.bias.grad)
        for layer in model.layers
    ]


# --- construction and validation ------------------------------------------------------------


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_mlp_exposes_its_architecture(engine):
    model = nn.MLP([2, 3, 4, 1], hidden="tanh", output="sigmoid", engine=engine, bias=False)
    assert model.sizes == [2, 3, 4, 1]
    assert model.activations == ["tanh", "tanh", "sigmoid"]
    assert model.engine == engine
    assert model.bias is False


def test_mlp_default_activations_are_sigmoid_hidden_and_linear_output():
    assert nn.MLP([2, 3, 1]).activations == ["sigmoid", "linear"]
    assert nn.MLP([2, 1]).activations == ["linear"]


@pytest.mark.parametrize("sizes", [[], [3], [2, 0, 1], [2, -1], [2, 1.5], [2, True], "231", None])
def test_mlp_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="MLP"):
        nn.MLP(sizes)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"hidden": "softmax"}, "softmax"),
        ({"output": "heaviside"}, "heaviside"),
        ({"engine": "jax"}, "jax"),
    ],
)
def test_mlp_unknown_activation_or_engine_is_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        nn.MLP([2, 3, 1], **kwargs)


def test_tensor_engine_shapes_batch_and_single_sample():
    model = nn.MLP([3, 5, 2], seed=0)
    assert model(np.zeros((7, 3))).shape == (7, 2)
    assert model(np.zeros(3)).shape == (2,)
    assert model(Tensor(np.ones((1, 3)))).shape == (1, 2)


def test_value_engine_returns_a_list_of_values_even_for_one_output():
    model = nn.MLP([2, 3, 1], engine="value", seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    out = nn.MLP([2, 3, 4], engine="value", seed=0)(np.array([0.5, -1.0]))
    assert len(out) == 4 and all(isinstance(o, Value) for o in out)


def test_a_subclass_forward_is_what_calling_the_model_runs():
    # model(x) is TensorMLP's forward pass itself (no Module.__call__), unless a subclass
    # defines its own forward: then model(x) must call that one, as Module promises
    class Doubled(nn.TensorMLP):
        def forward(self, x):
            return super().forward(x) * 2.0

    plain = nn.MLP([2, 3, 1], engine="tensor", seed=0)
    doubled = Doubled([2, 3, 1], seed=0)
    x = np.array([[0.5, -1.0]])
    np.testing.assert_array_equal(doubled(x).data, 2.0 * plain(x).data)
    assert type(plain)(plain.sizes, seed=0)(x).shape == (1, 1)


@pytest.mark.parametrize("x", [np.zeros((5, 4)), np.zeros(2), np.zeros((2, 3, 3))])
def test_tensor_engine_wrong_input_width_names_expected_and_given_shapes(x):
    model = nn.MLP([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"\(N, 3\).*" + re_shape(x.shape)):
        model(x)


@pytest.mark.parametrize(
    "x", [[1.0, 2.0], np.zeros((1, 4)), [1.0, 2.0, 3.0, 4.0], np.zeros((2, 2, 3))]
)
def test_value_engine_wrong_input_names_expected_and_given_shapes(x):
    model = nn.MLP([3, 2, 1], engine="value", seed=0)
    with pytest.raises(ValueError, match=r"\(3,\).*" + re_shape(np.shape(x))):
        model(x)


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_linear_rejects_wrong_width_and_bad_sizes():
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(2, 3\)"):
        nn.Linear(4, 2)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)


# --- initialisation -------------------------------------------------------------------------


def test_same_seed_gives_same_weights_on_both_engines_and_different_seeds_differ():
    a = nn.MLP([3, 4, 2], seed=7).get_weights()
    b = nn.MLP([3, 4, 2], seed=7, engine="value").get_weights()
    c = nn.MLP([3, 4, 2], seed=8).get_weights()
    for (Wa, ba), (Wb, bb), (Wc, _) in zip(a, b, c):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)
        assert not np.array_equal(Wa, Wc)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_initial_weights_are_never_all_zero(engine):
    for W, b in nn.MLP([2, 3, 1], engine=engine, seed=0).get_weights():
        assert np.all(W != 0) and np.all(b != 0)


def test_xavier_init_for_sigmoid_tanh_linear_stays_within_glorot_bound():
    # Glorot & Bengio (2010): W ~ U(−a, a), a = √(6 / (fan_in + fan_out)), variance a²/3.
    model = nn.MLP([300, 200, 100], hidden="tanh", output="linear", seed=0)
    for W, _ in model.get_weights():
        fan_out, fan_in = W.shape
        a = math.sqrt(6 / (fan_in + fan_out))
        assert np.abs(W).max() <= a
        assert W.var() == pytest.approx(a * a / 3, rel=0.05)


def test_he_init_for_relu_has_variance_two_over_fan_in():
    # He et al. (2015): W ~ N(0, 2 / fan_in) keeps the variance through relu layers.
    W, _ = nn.MLP([400, 300, 1], hidden="relu", seed=0).get_weights()[0]
    assert W.var() == pytest.approx(2 / 400, rel=0.05)
    assert abs(W.mean()) < 0.01


def test_mlp_with_float32_dtype_stays_float32():
    model = nn.MLP([2, 3, 1], seed=0, dtype=np.float32)
    out = model(np.ones((4, 2), dtype=np.float32))
    assert out.dtype == np.float32
    assert all(p.dtype == np.float32 for p in model.parameters())


# --- parameters and names -------------------------------------------------------------------


def test_tensor_engine_parameters_in_layer_order_weight_then_bias():
    model = nn.MLP([2, 3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert [p.shape for p in model.parameters()] == [(3, 2), (3,), (1, 3), (1,)]


def test_value_engine_labels_follow_w_layer_unit_input():
    model = nn.MLP([2, 3, 1], engine="value", seed=0)
    weights = random_weights([2, 3, 1], True, seed=1)
    model.set_weights(weights)
    named = dict(model.named_parameters())
    # w1_21: layer 1, into unit 2, from input 1 = W1[1, 0]; b1_2 = b1[1]; w2_13 = W2[0, 2]
    assert named["w1_21"].data == weights[0][0][1, 0]
    assert named["b1_2"].data == weights[0][1][1]
    assert named["w2_13"].data == weights[1][0][0, 2]
    assert [name for name, _ in model.named_parameters()] == [
        "w1_11", "w1_12", "b1_1", "w1_21", "w1_22", "b1_2", "w1_31", "w1_32", "b1_3",
        "w2_11", "w2_12", "w2_13", "b2_1",
    ]  # fmt: skip


def test_value_engine_names_stay_unique_with_two_digit_indices():
    model = nn.MLP([12, 11, 1], engine="value", seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == 12 * 11 + 11 + 11 + 1
    # unit 11 from input 12, unit 1 from input 11, unit 11 from input 1, unit 1 from input 1
    assert {"w1_11,12", "w1_1,11", "w1_11,1", "w1_11"} <= set(names)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_parameters_count_every_weight_and_bias(engine):
    model = nn.MLP([3, 4, 2], engine=engine, seed=0)
    count = sum(np.size(p.data) for p in model.parameters())
    assert count == 3 * 4 + 4 + 4 * 2 + 2
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(set(names))


def test_sequential_names_and_forward_match_a_hand_chain():
    first, second = nn.Linear(2, 3, seed=0), nn.Linear(3, 1, seed=1)
    model = nn.Sequential(first, nn.Tanh(), second, nn.Identity())
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = np.array([[0.2, -0.4], [1.0, 3.0]])
    W1, b1, W2, b2 = (p.data for p in model.parameters())
    expected = np.tanh(x @ W1.T + b1) @ W2.T + b2
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-14)
    assert model(x).op == "linear"


def test_activation_modules_work_on_tensors_values_and_lists():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.Sigmoid()(Tensor(x)).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(nn.Tanh()(Tensor(x)).data, np.tanh(x))
    np.testing.assert_allclose(nn.ReLU()(Tensor(x)).data, [0.0, 0.0, 3.0])
    assert nn.Tanh()(Value(0.5)).data == pytest.approx(math.tanh(0.5))
    out = nn.Identity()([Value(1.5), Value(-2.0)])
    assert [o.data for o in out] == [1.5, -2.0]
    assert [o.op for o in out] == ["linear", "linear"]


def test_identity_output_adds_a_linear_node_on_both_engines():
    assert nn.MLP([2, 1], seed=0)(np.ones(2)).op == "linear"
    assert nn.MLP([2, 1], engine="value", seed=0)([1.0, 1.0])[0].op == "linear"


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_zero_grad_resets_every_parameter(engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    out = model(np.ones(2)) if engine == "tensor" else model([1.0, 1.0])
    mse_loss(out, np.ones(1) if engine == "tensor" else [1.0]).backward()
    assert any(np.any(p.grad != 0) for p in model.parameters())
    model.zero_grad()
    if engine == "tensor":
        assert all(p.grad is None for p in model.parameters())
    else:
        assert all(p.grad == 0.0 for p in model.parameters())


def test_linear_computes_x_times_w_transposed_plus_b():
    layer = nn.Linear(3, 2, seed=0)
    W, b = layer.weight.data, layer.bias.data
    x = np.array([[1.0, 2.0, 3.0]])
    expected = [[sum(W[j, i] * x[0, i] for i in range(3)) + b[j] for j in range(2)]]
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-14)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


# --- get_weights / set_weights ----------------------------------------------------------------


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("bias", [True, False])
def test_set_weights_then_get_weights_round_trips(engine, bias):
    model = nn.MLP([3, 4, 2], engine=engine, bias=bias, seed=0)
    weights = random_weights([3, 4, 2], bias, seed=1)
    model.set_weights(weights)
    for (W, b), (W2, b2) in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(W, W2)
        if bias:
            np.testing.assert_array_equal(b, b2)
        else:
            assert b2 is None


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_get_weights_returns_copies(engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    W, b = model.get_weights()[0]
    W[...] = 123.0
    b[...] = 123.0
    assert not np.any(model.get_weights()[0][0] == 123.0)
    assert not np.any(model.get_weights()[0][1] == 123.0)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_set_weights_sets_what_the_forward_pass_uses(engine):
    weights = random_weights([2, 3, 2], True, seed=3)
    model = nn.MLP([2, 3, 2], hidden="tanh", output="sigmoid", engine=engine, seed=0)
    model.set_weights(weights)
    x = np.array([0.3, -1.2])
    out = model(x)
    got = out.data if engine == "tensor" else [o.data for o in out]
    np.testing.assert_allclose(got, numpy_forward(weights, model.activations, x), rtol=1e-13)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize(
    "make_bad, match",
    [
        (lambda w: w[:1], "2 \\(W, b\\) pairs"),
        (lambda w: [*w, w[0]], "2 \\(W, b\\) pairs"),
        (lambda w: [w[0], (w[1][0].T, w[1][1])], r"layer 2 must have shape \(1, 3\)"),
        (lambda w: [w[0], (w[1][0], np.zeros(2))], r"b of layer 2 must have shape \(1,\)"),
        (lambda w: [w[0], (w[1][0], None)], "needs a bias"),
        (lambda w: [w[0], w[1][0]], "pair"),
        (lambda w: "weights", "list"),
    ],
)
def test_set_weights_rejects_bad_lists_without_changing_anything(engine, make_bad, match):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    before = model.get_weights()
    bad = make_bad(random_weights([2, 3, 1], True, seed=1))
    with pytest.raises(ValueError, match=match):
        model.set_weights(bad)
    for (W, b), (W2, b2) in zip(before, model.get_weights()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


def test_set_weights_rejects_a_bias_for_a_model_without_biases():
    model = nn.MLP([2, 3, 1], bias=False, seed=0)
    with pytest.raises(ValueError, match="no biases"):
        model.set_weights(random_weights([2, 3, 1], True, seed=1))


def test_set_weights_rejects_non_numbers_with_type_error():
    model = nn.MLP([2, 1], seed=0)
    with pytest.raises(TypeError, match="W of layer 1: expected numbers"):
        model.set_weights([(np.array([["a", "b"]]), np.zeros(1))])


# --- state_dict ----------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_state_dict_has_per_layer_names_and_copies(engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    state = model.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert state["layers.0.weight"].shape == (3, 2)
    state["layers.0.weight"][...] = 5.0
    assert not np.any(model.get_weights()[0][0] == 5.0)


def test_load_state_dict_moves_weights_between_engines():
    source = nn.MLP([2, 3, 1], seed=1)
    target = nn.MLP([2, 3, 1], engine="value", seed=2)
    target.load_state_dict(source.state_dict())
    for (W, b), (W2, b2) in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


def test_load_state_dict_names_missing_and_unexpected_keys():
    model = nn.MLP([2, 3, 1], seed=0)
    state = model.state_dict()
    state["extra"] = state.pop("layers.1.bias")
    with pytest.raises(ValueError, match=r"missing \['layers.1.bias'\].*unexpected \['extra'\]"):
        model.load_state_dict(state)


def test_generic_module_state_dict_round_trips_a_sequential():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Sigmoid(), nn.Linear(3, 1, seed=1))
    other = nn.Sequential(nn.Linear(2, 3, seed=5), nn.Sigmoid(), nn.Linear(3, 1, seed=6))
    other.load_state_dict(model.state_dict())
    for (n1, p1), (n2, p2) in zip(model.named_parameters(), other.named_parameters()):
        assert n1 == n2
        np.testing.assert_array_equal(p1.data, p2.data)
    with pytest.raises(ValueError, match="shape"):
        wider = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))
        wider.load_state_dict(model.state_dict())


# --- both engines agree, and agree with finite differences ----------------------------------


def value_loss_and_grads(model, X, T):
    """½ Σ (O − t)² summed over the samples, one graph per sample (the value engine)."""
    model.zero_grad()
    total = 0.0
    for x, t in zip(X, T):
        loss = mse_loss(model(x), list(t), reduction="half_sum")
        loss.backward()
        total += loss.data
    return total, flat_grads_value(model)


def tensor_loss_and_grads(model, X, T):
    model.zero_grad()
    loss = mse_loss(model(X), T, reduction="half_sum")
    loss.backward()
    return loss.item(), grads_tensor(model)


@pytest.mark.parametrize("sizes, hidden, output, bias", ARCHITECTURES)
def test_value_and_tensor_engines_agree_on_outputs_and_gradients(sizes, hidden, output, bias):
    rng = np.random.default_rng(0)
    weights = random_weights(sizes, bias, seed=1)
    X = rng.normal(size=(5, sizes[0]))
    T = rng.normal(size=(5, sizes[-1]))
    models = [nn.MLP(sizes, hidden, output, bias, engine=e, seed=0) for e in ("tensor", "value")]
    for model in models:
        model.set_weights(weights)
    tensor_out = models[0](X).data
    value_out = np.array([[o.data for o in models[1](x)] for x in X])
    np.testing.assert_allclose(value_out, tensor_out, rtol=0, atol=1e-12)

    loss_t, grads_t = tensor_loss_and_grads(models[0], X, T)
    loss_v, grads_v = value_loss_and_grads(models[1], X, T)
    assert loss_v == pytest.approx(loss_t, abs=1e-12)
    for (dW_t, db_t), (dW_v, db_v) in zip(grads_t, grads_v):
        np.testing.assert_allclose(dW_v, dW_t, rtol=0, atol=1e-12)
        if bias:
            np.testing.assert_allclose(db_v, db_t, rtol=0, atol=1e-12)


def flatten(weights):
    return np.concatenate([np.concatenate([W.ravel(), [] if b is None else b]) for W, b in weights])


def unflatten(theta, sizes, bias):
    weights, k = [], 0
    for n_in, n_out in itertools.pairwise(sizes):
        W = theta[k : k + n_out * n_in].reshape(n_out, n_in)
        k += n_out * n_in
        b = None
        if bias:
            b = theta[k : k + n_out]
            k += n_out
        weights.append((W, b))
    return weights


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("sizes, hidden, output, bias", ARCHITECTURES[:4])
def test_mlp_gradients_match_central_differences(engine, sizes, hidden, output, bias):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3, sizes[0]))
    T = rng.normal(size=(3, sizes[-1]))
    model = nn.MLP(sizes, hidden, output, bias, engine=engine, seed=4)
    loss_and_grads = tensor_loss_and_grads if engine == "tensor" else value_loss_and_grads
    theta = flatten(model.get_weights())

    def loss_at(theta):
        model.set_weights(unflatten(theta, sizes, bias))
        return loss_and_grads(model, X, T)[0]

    numeric = central_difference(loss_at, theta)
    model.set_weights(unflatten(theta, sizes, bias))
    _, grads = loss_and_grads(model, X, T)
    np.testing.assert_allclose(flatten(grads), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.torch
@pytest.mark.parametrize("sizes, hidden, output, bias", ARCHITECTURES)
def test_tensor_mlp_matches_torch_forward_and_gradients(sizes, hidden, output, bias):
    torch = pytest.importorskip("torch")
    weights = random_weights(sizes, bias, seed=5)
    model = nn.MLP(sizes, hidden, output, bias, seed=0)
    model.set_weights(weights)
    X = np.random.default_rng(6).normal(size=(4, sizes[0]))
    T = np.random.default_rng(7).normal(size=(4, sizes[-1]))

    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
    params = []
    out = torch.tensor(X)
    for (W, b), act in zip(weights, model.activations):
        W_t = torch.tensor(W, requires_grad=True)
        b_t = torch.tensor(b, requires_grad=True) if bias else None
        params.append((W_t, b_t))
        out = torch.nn.functional.linear(out, W_t, b_t)
        out = functions.get(act, lambda z: z)(out)
    torch.nn.functional.mse_loss(out, torch.tensor(T), reduction="sum").backward()

    pred = model(X)
    np.testing.assert_allclose(pred.data, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    mse_loss(pred, T, reduction="sum").backward()
    for (W_t, b_t), (dW, db) in zip(params, grads_tensor(model)):
        np.testing.assert_allclose(dW, W_t.grad.numpy(), rtol=1e-10, atol=1e-12)
        if bias:
            np.testing.assert_allclose(db, b_t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sizes, hidden, output, bias", ARCHITECTURES)
def test_value_engine_takes_a_batch_and_returns_one_list_per_sample(sizes, hidden, output, bias):
    model = nn.MLP(sizes, hidden=hidden, output=output, bias=bias, engine="value")
    weights = random_weights(sizes, bias, seed=3)
    model.set_weights(weights)
    X = np.random.default_rng(4).normal(size=(5, sizes[0]))
    out = model(X)
    assert len(out) == 5 and all(len(row) == sizes[-1] for row in out)
    got = np.array([[o.data for o in row] for row in out])
    np.testing.assert_allclose(got, numpy_forward(weights, model.activations, X), rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
def test_value_engine_batch_loss_gradients_match_finite_differences_and_the_tensor_engine(
    reduction,
):
    sizes, activations = [2, 3, 2], ["tanh", "sigmoid"]
    weights = random_weights(sizes, True, seed=8)
    X = np.random.default_rng(9).normal(size=(4, 2))
    y = np.random.default_rng(10).uniform(size=(4, 2))  # NumPy targets for both engines
    models = {}
    for engine in ("value", "tensor"):
        model = nn.MLP(sizes, hidden="tanh", output="sigmoid", engine=engine)
        model.set_weights(weights)
        mse_loss(model(X), y, reduction=reduction).backward()
        models[engine] = model
    c = {"mean": 1 / y.size, "sum": 1.0, "half_sum": 0.5}[reduction]

    def error(w1_flat):  # E as a function of layer 1's W, in plain numpy
        changed = [(w1_flat.reshape(3, 2), weights[0][1]), weights[1]]
        return c * float(np.sum((numpy_forward(changed, activations, X) - y) ** 2))

    numeric = central_difference(error, weights[0][0].ravel()).reshape(3, 2)
    value_grads, tensor_grads = flat_grads_value(models["value"]), grads_tensor(models["tensor"])
    np.testing.assert_allclose(value_grads[0][0], numeric, rtol=1e-6, atol=1e-9)
    for (dW_v, db_v), (dW_t, db_t) in zip(value_grads, tensor_grads):
        np.testing.assert_allclose(dW_v, dW_t, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(db_v, db_t, rtol=1e-12, atol=1e-15)


# --- dtypes: a float32 model computes in float32; weights are floats -----------------------


def _forward_by_hand(weights, x, activations):
    """The notes' forward pass in numpy, every step in x's dtype: net = x Wᵀ + b, f(net)."""
    f = {"sigmoid": lambda n: 1 / (1 + np.exp(-n)), "linear": lambda n: n}
    for (W, b), act in zip(weights, activations):
        x = f[act](x @ W.T + b)
    return x


def test_a_float32_model_casts_plain_float64_data_to_float32():
    from tinygrad_edu import data

    X = data.moons(n=20, seed=0)[0]
    assert X.dtype == np.float64
    model = nn.MLP([2, 3, 1], seed=0, dtype=np.float32)
    out = model(X)
    assert out.dtype == np.float32
    expected = _forward_by_hand(model.get_weights(), X.astype(np.float32), model.activations)
    assert expected.dtype == np.float32
    # Tensor.sigmoid is ½ tanh(½ x) + ½, accurate to an ulp of 1 (docs/numerics.md): a few
    # float32 eps absolute, whatever the size of the output
    np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=4 * np.finfo(np.float32).eps)
    layer = nn.Linear(2, 3, seed=0, dtype=np.float32)
    assert layer(X).dtype == np.float32
    assert layer([[1, 2]]).dtype == np.float32  # a list of ints too


def test_a_tensor_input_of_another_dtype_is_refused_naming_both():
    X = Tensor(np.ones((4, 2)))  # float64
    with pytest.raises(ValueError, match="dtype float64 and the model has dtype float32"):
        nn.MLP([2, 3, 1], seed=0, dtype=np.float32)(X)
    with pytest.raises(ValueError, match="dtype float64 and the model has dtype float32"):
        nn.Linear(2, 3, seed=0, dtype=np.float32)(X)
    with pytest.raises(ValueError, match="dtype float32 and the model has dtype float64"):
        nn.MLP([2, 3, 1], seed=0)(Tensor(np.ones((4, 2), dtype=np.float32)))


def test_mse_loss_casts_a_plain_target_and_refuses_a_tensor_of_another_dtype():
    pred = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    assert mse_loss(pred, np.array([0.5, 0.5])).dtype == np.float32
    with pytest.raises(ValueError, match="pred has dtype float32 and the target Tensor has dtype"):
        mse_loss(pred, Tensor(np.array([0.5, 0.5])))


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8, np.bool_, object, np.complex128])
def test_weights_must_be_floats(dtype):
    name = np.dtype(dtype).name
    with pytest.raises(ValueError, match=f"MLP: dtype must be a float dtype .*got {name}"):
        nn.MLP([2, 3, 1], seed=0, dtype=dtype)
    with pytest.raises(ValueError, match=f"Linear: dtype must be a float dtype .*got {name}"):
        nn.Linear(2, 3, dtype=dtype)


def test_a_dtype_that_is_not_a_dtype_is_a_type_error():
    with pytest.raises(TypeError, match="dtype 'floaty' is not a NumPy dtype"):
        nn.MLP([2, 1], dtype="floaty")


def test_value_engine_given_a_tensor_says_so_not_shape_against_the_same_shape():
    model = nn.MLP([2, 3, 1], engine="value", seed=0)
    with pytest.raises(ValueError, match=r"got a Tensor of shape \(2,\)") as error:
        model(Tensor([1.0, 2.0]))
    assert "expected one sample of shape" not in str(error.value)
