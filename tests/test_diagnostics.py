"""Training diagnostics (fit(diagnostics=True)): the recorded norms and saturated fractions.

Expected values come from elsewhere: the notes' δ rules (``rules.backward``, numpy by hand),
central finite differences of E computed with numpy, PyTorch, and networks whose weights are
set by hand so that a known set of units saturates.
"""

import numpy as np
import pytest

from tinygrad_edu import data, nn, rules
from tinygrad_edu.diagnostics import saturation
from tinygrad_edu.train import fit

ENGINES = ["tensor", "value"]


def fit_recording_weights(model, X, y, steps, **options):
    """fit with diagnostics, keeping a copy of the weights each step's numbers belong to."""
    weights = []
    history = fit(
        model,
        X,
        y,
        lr=0.3,
        steps=steps,
        diagnostics=True,
        on_step=lambda step: weights.append(model.get_weights()),
        **options,
    )
    return history, weights


@pytest.mark.parametrize("engine", ENGINES)
def test_norms_equal_the_norms_of_the_notes_delta_rules_at_every_step(engine):
    X, y = data.moons(12, noise=0.1, seed=1)
    model = nn.MLP([2, 4, 3, 1], hidden="sigmoid", output="sigmoid", engine=engine, seed=3)
    history, weights = fit_recording_weights(model, X, y, 3, reduction="half_sum")
    for step, W in enumerate(weights):
        records = rules.backward(W, model.activations, X, y)  # E = ½ Σ (O − t)², the notes' E
        for l, record in enumerate(records):
            assert history.delta_norm[step][l] == pytest.approx(np.linalg.norm(record.delta))
            assert history.grad_W_norm[step][l] == pytest.approx(np.linalg.norm(record.dW))
            assert history.grad_b_norm[step][l] == pytest.approx(np.linalg.norm(record.db))


def numpy_error(weights, activations, X, y):
    """The mean squared error of fit's default loss, mean over samples and outputs."""
    out = X
    for (W, b), name in zip(weights, activations):
        net = out @ W.T + b
        out = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z}[name](
            net
        )
    return np.mean((out - y) ** 2)


def test_gradient_norms_equal_finite_differences_of_the_mean_error():
    X, y = data.sine(10, seed=2)
    model = nn.MLP([1, 5, 4, 1], hidden="tanh", output="linear", seed=4)
    history, weights = fit_recording_weights(model, X, y, 2)  # reduction "mean"
    h = 1e-6
    for step, W in enumerate(weights):
        for l, (Wl, bl) in enumerate(W):
            grads = []
            for array in (Wl, bl):
                grad = np.zeros_like(array)
                for index in np.ndindex(array.shape):
                    saved = array[index]
                    array[index] = saved + h
                    up = numpy_error(W, model.activations, X, y)
                    array[index] = saved - h
                    down = numpy_error(W, model.activations, X, y)
                    array[index] = saved
                    grad[index] = (up - down) / (2 * h)
                grads.append(grad)
            assert history.grad_W_norm[step][l] == pytest.approx(np.linalg.norm(grads[0]), 1e-6)
            assert history.grad_b_norm[step][l] == pytest.approx(np.linalg.norm(grads[1]), 1e-6)


@pytest.mark.torch
def test_delta_norms_equal_pytorchs_gradient_of_each_net():
    import torch

    X, y = data.moons(16, noise=0.1, seed=5)
    model = nn.MLP([2, 6, 6, 1], hidden="relu", output="sigmoid", seed=6)
    history, weights = fit_recording_weights(model, X, y, 1)
    out, nets = torch.tensor(X), []
    for (W, b), name in zip(weights[0], model.activations):
        net = out @ torch.tensor(W, requires_grad=True).T + torch.tensor(b)
        net.retain_grad()
        nets.append(net)
        out = torch.relu(net) if name == "relu" else torch.sigmoid(net)
    torch.nn.functional.mse_loss(out, torch.tensor(y)).backward()
    for l, net in enumerate(nets):
        expected = torch.linalg.norm(net.grad).item()
        assert history.delta_norm[0][l] == pytest.approx(expected, rel=1e-10)


def test_diagnostics_change_nothing_in_the_training_and_are_empty_when_off():
    X, y = data.xor()
    a = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    b = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    plain = fit(a, X, y, lr=0.5, steps=20, momentum=0.9)
    measured = fit(b, X, y, lr=0.5, steps=20, momentum=0.9, diagnostics=True)
    assert plain.loss == measured.loss
    assert plain.delta_norm == plain.grad_W_norm == plain.saturated == []
    assert np.array(measured.delta_norm).shape == (20, 2)
    for (Wa, ba), (Wb, bb) in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


def test_a_layer_without_bias_records_nan_for_its_bias_gradient():
    X, y = data.xor()
    model = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", bias=False, seed=0)
    history = fit(model, X, y, lr=0.1, steps=1, diagnostics=True)
    assert np.isnan(history.grad_b_norm[0]).all()
    assert np.all(np.array(history.grad_W_norm[0]) > 0)


def test_a_loss_function_that_never_calls_the_model_is_refused():
    X, y = data.xor()
    model = nn.MLP([2, 3, 1], seed=0)

    def loss_without_model(m, xb, yb):
        return sum(p.sum() for p in m.parameters())

    with pytest.raises(ValueError, match="never called the model"):
        fit(model, X, y, lr=0.1, steps=1, loss=loss_without_model, diagnostics=True)


def test_a_model_outside_the_network_protocol_is_refused_by_name():
    X, y = data.xor()
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 1, seed=1))
    with pytest.raises(TypeError, match="Sequential has no forward_layers, get_gradients"):
        fit(model, X, y, lr=0.1, steps=1, diagnostics=True)
    fit(model, X, y, lr=0.1, steps=1)  # without diagnostics it trains


@pytest.mark.parametrize("engine", ENGINES)
def test_forward_layers_keeps_net_and_out_of_every_layer(engine):
    X, _ = data.moons(5, seed=0)
    model = nn.MLP([2, 3, 2], hidden="tanh", output="sigmoid", engine=engine, seed=1)
    layers = model.forward_layers(X)
    expected = rules.forward(model.get_weights(), model.activations, X)
    for (net, out), record in zip(layers, expected):
        read = (
            (lambda n: n.data)
            if engine == "tensor"
            else (lambda n: [[v.data for v in r] for r in n])
        )
        np.testing.assert_allclose(read(net), record.net, rtol=1e-12)
        np.testing.assert_allclose(read(out), record.out, rtol=1e-12)
    one = model.forward_layers(X[0])
    np.testing.assert_allclose(
        one[-1][1].data if engine == "tensor" else [v.data for v in one[-1][1]],
        expected[-1].out[0],
        rtol=1e-12,
    )


# --- saturation: hand-built networks where a known set of units saturates ---------------

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y4 = np.array([[0.0], [1.0], [1.0], [0.0]])


def hidden_saturation(hidden, W1, b1, engine):
    model = nn.MLP([2, 4, 1], hidden=hidden, output="linear", engine=engine, seed=0)
    model.set_weights([(np.array(W1, float), np.array(b1, float)), (np.ones((1, 4)), np.zeros(1))])
    history = fit(model, X4, Y4, lr=0.0, steps=1, diagnostics=True)
    return history.saturated[0]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_sigmoid_and_tanh_units_driven_far_from_zero_count_as_saturated(hidden, engine):
    # units 1 and 3: |net| ≥ 20 for every sample (output within 1e-3 of a bound);
    # unit 2: net = 0 (O = 0.5 or 0); unit 4: net = 20 x1, saturated for half the samples
    W1 = [[0, 0], [0, 0], [-30, -30], [20, 0]]
    b1 = [20, 0, -20, 0]
    hidden_layer, output_layer = hidden_saturation(hidden, W1, b1, engine)
    assert hidden_layer == (4 + 0 + 4 + 2) / 16
    assert output_layer == 0.0  # a linear unit never saturates


@pytest.mark.parametrize("engine", ENGINES)
def test_a_relu_unit_is_dead_when_its_output_is_zero_for_every_sample(engine):
    # unit 1: net = −1 − x1 − x2 < 0 always (dead); unit 2: net = x1 − 0.5 (alive for half);
    # unit 3: net = 0 exactly for every sample (output 0: dead too); unit 4: net = 1 (alive)
    W1 = [[-1, -1], [1, 0], [0, 0], [0, 0]]
    b1 = [-1, -0.5, 0, 1]
    hidden_layer, _ = hidden_saturation("relu", W1, b1, engine)
    assert hidden_layer == 2 / 4


def test_saturation_counts_outputs_within_the_tolerance_of_a_bound():
    assert saturation("sigmoid", [[0.0009, 0.5, 0.9991, 0.998]]) == 2 / 4
    assert saturation("tanh", [[-0.9995, 0.0], [0.99, 0.9999]]) == 2 / 4
    assert saturation("sigmoid", [[0.01, 0.99]], tolerance=0.02) == 1.0
    assert saturation("relu", [[0.0, 1.0], [0.0, 0.0]]) == 1 / 2  # one sample: per unit
    assert saturation("linear", [[1e9, -1e9]]) == 0.0
    # softplus: f′ = 1 − e^(−O) → 0 as O → 0 (the bound of its row), never above
    assert saturation("softplus", [[0.0005, 1.0], [1e9, 0.002]]) == 1 / 4
    assert saturation("leaky_relu", [[-1e9, 0.0]]) == 0.0  # f′ ≥ 0.01 everywhere
    with pytest.raises(ValueError, match="saturation: unknown activation 'heaviside'"):
        saturation("heaviside", [[1.0]])  # not a silent NaN


# --- the notes' point: f′ ≤ ¼ shrinks δ layer by layer in a sigmoid network -------------

DEEP = [2, 16, 16, 16, 16, 16, 1]  # six layers of weights


def first_step_deltas(hidden):
    X, y = data.moons(200, noise=0.1, seed=0)
    model = nn.MLP(DEEP, hidden=hidden, output="sigmoid", seed=0)
    weights = model.get_weights()
    history = fit(model, X, y, lr=0.5, steps=1, diagnostics=True)
    return np.array(history.delta_norm[0]), weights


def test_sigmoid_delta_obeys_the_quarter_bound_layer_by_layer():
    # δ_l = f′(net_l) ⊙ (δ_{l+1} W_{l+1}) with 0 < f′ ≤ ¼, so per sample and over the
    # batch ‖δ_l‖ ≤ ¼ ‖W_{l+1}‖₂ ‖δ_{l+1}‖ (‖·‖₂ the largest singular value)
    deltas, weights = first_step_deltas("sigmoid")
    for l in range(len(deltas) - 1):
        spectral = np.linalg.norm(weights[l + 1][0], 2)
        assert deltas[l] <= 0.25 * spectral * deltas[l + 1]


def test_delta_shrinks_from_the_output_to_the_input_far_more_with_sigmoid():
    # seed 0, moons(200, seed 0), 2-16-16-16-16-16-1 with a sigmoid output; the ratio
    # ‖δ_1‖/‖δ_6‖ at the first step (docs/vanishing-gradients.md quotes these numbers)
    ratio = {
        name: (d := first_step_deltas(name)[0])[0] / d[-1] for name in ["sigmoid", "tanh", "relu"]
    }
    assert ratio["sigmoid"] < 2e-3  # about (¼)⁵ ≈ 1e-3: five sigmoid layers below the output
    assert 0.5 < ratio["tanh"] < 2
    assert 0.5 < ratio["relu"] < 2


def test_the_picture_names_the_loss_and_says_what_the_fraction_counts(tmp_path, monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    from tinygrad_edu import plot

    model = nn.MLP([2, 4, 4, 1], hidden="relu", output="sigmoid", seed=0)
    X, y = data.xor()
    history = fit(model, X, y, lr=0.5, steps=3, diagnostics=True)
    figures = []
    monkeypatch.setattr(plt, "close", figures.append)  # keep the figure to read it
    plot.diagnostics(history, tmp_path / "d.png", "xor", model.activations)
    titles = [ax.get_title() for ax in figures[0].axes]
    # history.loss is fit's default, the mean squared error, as loss.png and the demo say
    assert titles[0] == "training loss: mean squared error" and "E" not in titles[0]
    saturation_title = titles[3]
    assert "layer 1, 2: dead (relu: 0 for every sample)" in saturation_title
    assert "layer 3: saturated (sigmoid: within 0.001 of a bound)" in saturation_title
