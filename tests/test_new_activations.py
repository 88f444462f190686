"""softplus and leaky_relu: added as one row of the op table each and a method per engine.

Everything else picks them up from the table: the δ rules, compare, the drawings, the
step-through page and the CLI's --hidden/--output. Expected values come from PyTorch, from
central finite differences and from the formulas written out here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from test_cli import run

from tinygrad_edu import Tensor, Value, mse_loss, nn, rules, viz
from tinygrad_edu.compare import central_difference, compare
from tinygrad_edu.stepper import stepper

REPO = Path(__file__).resolve().parents[1]
NEW = ["softplus", "leaky_relu"]
# ±100 and ±1e4 as tinygrad's op tests probe: no overflow, no NaN
POINTS = [-1e4, -100.0, -20.0, -3.0, -0.5, -1e-8, 0.0, 1e-8, 0.7, 2.5, 20.0, 100.0, 1e4]


def softplus(z: float) -> float:
    """ln(1 + e^z), written independently of the library (math.log1p / math.exp)."""
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


def leaky_relu(z: float) -> float:
    return z if z > 0 else 0.01 * z


# --- the ops on both engines -----------------------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("name", NEW)
def test_value_op_matches_torch_value_and_derivative(name):
    import torch

    f = {"softplus": torch.nn.functional.softplus, "leaky_relu": torch.nn.functional.leaky_relu}
    for z in POINTS:
        v = Value(z)
        out = getattr(v, name)()
        out.backward()
        zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        ot = f[name](zt)
        ot.backward()
        assert out.data == pytest.approx(ot.item(), rel=1e-12, abs=1e-300)
        assert v.grad == pytest.approx(zt.grad.item(), rel=1e-12, abs=1e-300)


@pytest.mark.torch
@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_op_matches_torch_value_and_gradient(name, dtype):
    import torch

    f = {"softplus": torch.nn.functional.softplus, "leaky_relu": torch.nn.functional.leaky_relu}
    z = np.array(POINTS, dtype=dtype)
    g = np.random.default_rng(0).normal(size=z.shape).astype(dtype)
    x = Tensor(z, requires_grad=True)
    out = getattr(x, name)()
    out.backward(g)
    zt = torch.tensor(z, requires_grad=True)
    ot = f[name](zt)
    ot.backward(torch.tensor(g))
    assert out.dtype == dtype and x.grad.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(out.data, ot.detach().numpy(), rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(x.grad, zt.grad.numpy(), rtol=rtol, atol=1e-30)


def test_values_are_the_formulas_at_extremes():
    for z in POINTS:
        assert Value(z).softplus().data == pytest.approx(softplus(z), rel=1e-12, abs=1e-300)
        assert Value(z).leaky_relu().data == leaky_relu(z)
    x = Tensor(np.array(POINTS)).softplus().data
    assert np.all(np.isfinite(x)) and x[0] == 0.0 and x[-1] == 1e4


def test_leaky_relu_derivative_is_one_above_zero_and_the_slope_at_and_below():
    for z, slope in [(-2.0, 0.01), (0.0, 0.01), (3.0, 1.0)]:
        v = Value(z)
        v.leaky_relu().backward()
        assert v.grad == slope
        t = Tensor([z], requires_grad=True)
        t.leaky_relu().sum().backward()
        assert t.grad[0] == slope


# --- the δ rules read the table: f′ in the notes' form -----------------------------------------


@pytest.mark.parametrize("name", NEW)
def test_rules_derivative_from_the_output_equals_finite_differences(name):
    net = np.array([-6.0, -1.3, -0.2, 0.4, 2.0, 7.5])
    out = rules.activate(name, net)
    expected = [{"softplus": softplus, "leaky_relu": leaky_relu}[name](z) for z in net]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    numeric = central_difference(lambda a: float(rules.activate(name, a).sum()), net)
    np.testing.assert_allclose(rules.derivative(name, net, out), numeric, rtol=1e-7, atol=1e-9)


# --- networks using them: autograd = δ rules = finite differences, on both engines -----------


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("hidden, output", [("softplus", "leaky_relu"), ("leaky_relu", "softplus")])
def test_autograd_equals_delta_rules_equals_finite_differences(engine, hidden, output):
    model = nn.MLP([2, 3, 2, 2], hidden, output, engine=engine, seed=3)
    rng = np.random.default_rng(4)
    x, t = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    report = compare(model, x, t)
    assert report.ok, str(report)
    assert len(report.rows) == (6 if engine == "tensor" else 23)  # arrays, or every weight
    # and the δ rules by themselves against the finite differences of the model's error
    weights = model.get_weights()
    dW1 = rules.backward(weights, model.activations, x, t)[0].dW

    def error(w: np.ndarray) -> float:
        changed = [(w.reshape(3, 2), weights[0][1]), *weights[1:]]
        return 0.5 * float(np.sum((rules.forward(changed, model.activations, x)[-1].out - t) ** 2))

    numeric = central_difference(error, weights[0][0].ravel()).reshape(3, 2)
    np.testing.assert_allclose(dW1, numeric, rtol=1e-6, atol=1e-7)


def test_leaky_relu_networks_start_with_he_initialisation():
    W, _ = nn.MLP([400, 300, 1], hidden="leaky_relu", seed=0).get_weights()[0]
    assert W.var() == pytest.approx(2 / 400, rel=0.05)  # N(0, 2 / fan_in)


# --- drawings, the stepper and the CLI pick them up from the table -----------------------------


def test_drawings_group_the_new_activations_into_neurons_and_label_their_arrows():
    model = nn.MLP([2, 3, 1], hidden="softplus", output="leaky_relu", engine="value", seed=0)
    loss = mse_loss(model([0.5, -1.0]), [0.3], reduction="half_sum")
    loss.backward()
    source = viz.draw_graph(loss, collapse="neuron").source
    assert source.count("softplus neuron") == 3 and "leaky_relu neuron" in source
    tensor_model = nn.MLP([2, 3, 1], hidden="softplus", output="leaky_relu", seed=0)
    loss = mse_loss(tensor_model(np.ones((4, 2))), np.zeros((4, 1)), reduction="half_sum")
    loss.backward()
    edges = viz.draw_graph(loss, edge_derivatives=True).source
    assert "g·(1−e^(−y))" in edges and "g·(1 or 0.01)" in edges


def test_stepper_narrates_softplus_with_the_table_formula_and_its_numbers(tmp_path):
    model = nn.MLP([2, 2, 1], hidden="softplus", output="linear", engine="value", seed=1)
    page = stepper(model, x=[0.5, -1.0], t=[0.2], path=tmp_path / "p.html").read_text()
    assert "ln(1 + e^net)" in page
    assert "(1 − e^(−O_j))" in page  # the hidden δ rule, f′ written with the output
    # the numbers filled in: O_j of unit h1 from the forward pass
    W, b = model.get_weights()[0]
    o1 = softplus(float(W[0] @ np.array([0.5, -1.0]) + b[0]))
    assert o1 > 0 and f"(1 − e^(−{o1:.6g}))" in page


@pytest.mark.parametrize("command", ["compare", "graph", "step"])
def test_cli_accepts_hidden_softplus_and_output_leaky_relu(tmp_path, command):
    out = {
        "compare": [],
        "graph": ["--out", "g.dot"],
        "step": ["--out", "s.html", "--sizes", "2,2,1"],
    }
    done = run(
        command, "--hidden", "softplus", "--output", "leaky_relu", *out[command], cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    if command == "compare":
        assert "all agree" in done.stdout
    else:
        written = tmp_path / out[command][1]
        assert written.exists() and "softplus" in written.read_text()
