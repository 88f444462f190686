"""Every activation of the op table, run through everything that reads the table.

The tests are generic over ``ops.TABLE``: a new row is tested here with no test edited.
Expected values come from PyTorch (each row's own module, built from the row's
``torch`` column; ``@pytest.mark.torch``), from central finite differences of the row's
own f, from the initialisation's variance formulas and from the table itself (the docs'
lists, the CLI's choices).
"""

from __future__ import annotations

import html
import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest
from test_cli import run_main

from tinygrad_edu import Tensor, Value, cli, mse_loss, nn, ops, rules, viz
from tinygrad_edu.compare import central_difference, compare
from tinygrad_edu.diagnostics import saturation, what_saturation_counts
from tinygrad_edu.stepper import stepper
from tinygrad_edu.stepper.frames import fprime_numbers, fprime_symbol

REPO = Path(__file__).resolve().parents[1]
UNITS = ops.ACTIVATIONS  # one f per unit: any layer
ROWS = [ops.OPS[name] for name in UNITS]
BRIDGED = [name for name in ops.OUTPUT_ACTIVATIONS if ops.OPS[name].torch is not None]
# The extremes PyTorch's own op tests probe (±1e4, ±100) and 1e±300: no overflow, no NaN
POINTS = [-1e300, -1e4, -100.0, -20.0, -3.0, -0.5, -1e-300, 0.0, 1e-300, 0.7, 2.5, 20.0]
POINTS += [100.0, 1e4, 1e300]


def torch_module(name: str):
    """The row's PyTorch module, made as the row says (class name and arguments)."""
    import torch

    module = ops.OPS[name].torch
    assert module is not None, name
    return getattr(torch.nn, module.name)(**dict(module.args))


def torch_value_and_grad(name: str, x: np.ndarray, g: np.ndarray):
    import torch

    xt = torch.tensor(x, requires_grad=True)
    out = torch_module(name)(xt)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), xt.grad.numpy()


def close(ours: np.ndarray, theirs: np.ndarray, x: np.ndarray, rtol: float) -> np.ndarray:
    """Equal to a relative ``rtol``, or to a few ulps of the input's size (where a function
    computed in a different but equally right way differs by the rounding of 1 + tiny)."""
    eps = np.finfo(x.dtype).eps
    return np.abs(ours - theirs) <= rtol * np.abs(theirs) + 64 * eps * (1 + np.abs(x))


# --- the values and derivatives on both engines, against the row's PyTorch module ---------


@pytest.mark.torch
@pytest.mark.parametrize("name", UNITS)
def test_value_engine_matches_the_rows_torch_module(name):
    x = np.array(POINTS)
    theirs, their_grad = torch_value_and_grad(name, x, np.ones_like(x))
    ours, our_grad = [], []
    for z in POINTS:
        v = Value(z)
        out = getattr(v, name)()
        assert out.op == name and type(out.data) is float
        out.backward()
        ours.append(out.data)
        our_grad.append(v.grad)
    ours_a, grad_a = np.array(ours), np.array(our_grad)
    assert np.all(np.isfinite(ours_a) == np.isfinite(theirs)), (name, ours, theirs)
    assert np.all(np.isfinite(grad_a)), (name, our_grad)  # f′ stable: finite everywhere
    finite = np.isfinite(their_grad)  # (where PyTorch's own f′ overflows, ours must not)
    assert np.all(close(ours_a, theirs, x, 1e-12)), (name, ours, theirs)
    assert np.all(close(grad_a[finite], their_grad[finite], x[finite], 1e-12)), (name, our_grad)


@pytest.mark.torch
@pytest.mark.parametrize("name", UNITS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_engine_matches_the_rows_torch_module(name, dtype):
    points = [p for p in POINTS if abs(p) < float(np.finfo(dtype).max)]  # (1e300 is no float32)
    x = np.array(points, dtype=dtype)
    g = np.random.default_rng(0).normal(size=x.shape).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no NaN
        t = Tensor(x, requires_grad=True)
        out = getattr(t, name)()
        out.backward(g)
    theirs, their_grad = torch_value_and_grad(name, x, g)
    assert out.op == name and out.dtype == dtype and t.grad.dtype == dtype
    assert np.all(np.isfinite(t.grad)), (name, t.grad)
    finite = np.isfinite(their_grad)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert np.all(close(out.data, theirs, x, rtol)), (name, out.data, theirs)
    assert np.all(close(t.grad[finite], their_grad[finite], x[finite], rtol)), (name, t.grad)


@pytest.mark.parametrize("name", UNITS)
def test_both_engines_and_the_rules_agree_on_f_and_f_prime(name):
    """The float and the array forms of a row are one function: the Value engine, the Tensor
    engine and ``rules`` give the same f and f′ (to rounding) at the same nets."""
    net = np.array([-1e4, -30.0, -6.0, -1.3, -0.2, 0.4, 2.0, 7.5, 30.0, 1e4])
    t = Tensor(net, requires_grad=True)
    getattr(t, name)().sum().backward()
    values = [getattr(Value(z), name)() for z in net]
    for v in values:
        v.backward()
    O = rules.activate(name, net)
    np.testing.assert_allclose([v.data for v in values], O, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(getattr(Tensor(net), name)().data, O, rtol=1e-12, atol=1e-15)
    f_prime = rules.derivative(name, net, O)
    assert f_prime.dtype == net.dtype
    np.testing.assert_allclose(t.grad, f_prime, rtol=1e-12, atol=1e-15)
    leaves = [Value(z) for z in net]
    for leaf in leaves:
        getattr(leaf, name)().backward()
    np.testing.assert_allclose([leaf.grad for leaf in leaves], f_prime, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", UNITS)
def test_f_prime_from_the_output_equals_finite_differences(name):
    net = np.array([-6.0, -1.3, -0.2, 0.4, 2.0, 7.5])  # (no kink: relu's is at 0)
    out = rules.activate(name, net)
    numeric = central_difference(lambda a: float(rules.activate(name, a).sum()), net)
    np.testing.assert_allclose(rules.derivative(name, net, out), numeric, rtol=1e-7, atol=1e-9)
    op = ops.OPS[name]
    floats = [op.float_derivative(z, op.float_forward(z)) for z in net]
    np.testing.assert_allclose(floats, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", UNITS)
def test_an_infinite_gradient_from_above_stays_the_chain_rule(name):
    """g = inf through f′: inf · f′ where f′ ≠ 0; a switch (relu) passes exactly 0 back
    where it is off, as PyTorch, instead of 0 · inf = NaN."""
    op = ops.OPS[name]
    net = np.array([-2.0, 3.0])
    t = Tensor(net, requires_grad=True)
    getattr(t, name)().backward(np.array([np.inf, np.inf]))
    f_prime = rules.derivative(name, net, rules.activate(name, net))
    for grad, d in zip(t.grad, f_prime):
        assert grad == (0.0 if (d == 0 and op.chain is ops.Chain.SWITCH) else math.inf * d)


# --- networks that use it: autograd = δ rules = finite differences, both engines -----------


def _targets(model, x):
    rng = np.random.default_rng(4)
    n_out = model.sizes[-1]
    if ops.OPS[model.output].layer_wide:  # class indices, as cross_entropy_loss takes
        return rng.integers(0, n_out, size=x.shape[0])
    return rng.normal(size=(x.shape[0], n_out))


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize(
    "hidden, output",
    [(name, "linear") for name in UNITS]
    + [("tanh", name) for name in ops.OUTPUT_ACTIVATIONS if name != "linear"],
)
def test_compare_autograd_rules_and_finite_differences_agree(engine, hidden, output):
    model = nn.MLP([2, 3, 2, 2], hidden, output, engine=engine, seed=3)
    x = np.random.default_rng(5).normal(size=(5, 2))
    report = compare(model, x, _targets(model, x))
    assert report.ok, str(report)


@pytest.mark.parametrize("name", UNITS)
def test_the_delta_rules_give_the_gradient_of_the_error(name):
    model = nn.MLP([2, 3, 2], name, name, seed=2)
    rng = np.random.default_rng(6)
    x, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    weights = model.get_weights()
    dW1 = rules.backward(weights, model.activations, x, t)[0].dW

    def error(w: np.ndarray) -> float:
        changed = [(w.reshape(3, 2), weights[0][1]), *weights[1:]]
        return 0.5 * float(np.sum((rules.forward(changed, model.activations, x)[-1].out - t) ** 2))

    numeric = central_difference(error, weights[0][0].ravel()).reshape(3, 2)
    np.testing.assert_allclose(dW1, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", UNITS)
def test_the_rows_initialisation_has_its_variance(name):
    n_in, n_out = 400, 300
    W, _ = nn.MLP([n_in, n_out, 1], hidden=name, seed=0).get_weights()[0]
    expected = {"he": 2 / n_in, "xavier": 2 / (n_in + n_out)}[ops.OPS[name].init]
    assert W.var() == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("name", BRIDGED)
def test_nn_has_a_module_named_as_pytorchs(name):
    op = ops.OPS[name]
    module = getattr(nn, op.torch.name)()
    assert isinstance(module, nn.Activation) and module.name == name
    assert repr(module) == f"{op.torch.name}()"
    x = np.array([[-1.5, 0.2, 2.0]])
    np.testing.assert_array_equal(module(Tensor(x)).data, getattr(Tensor(x), name)().data)


# --- the drawing, the step-through page and the diagnostics ---------------------------------


@pytest.mark.parametrize("name", UNITS)
def test_the_drawings_group_it_into_neurons_and_label_its_arrows(name):
    model = nn.MLP([2, 3, 1], hidden=name, output="linear", engine="value", seed=0)
    loss = mse_loss(model([0.5, -1.0]), [0.3], reduction="half_sum")
    loss.backward()
    source = viz.draw_graph(loss, collapse="neuron").source
    assert source.count(f"{name} neuron") == 3 + (name == "linear")  # (and the output's)
    tensor_model = nn.MLP([2, 3, 1], hidden=name, output="linear", seed=0)
    loss = mse_loss(tensor_model(np.ones((4, 2))), np.zeros((4, 1)), reduction="half_sum")
    loss.backward()
    edges = viz.draw_graph(loss, edge_derivatives=True).source
    assert html.escape(ops.OPS[name].edges[0]) in edges or ops.OPS[name].edges[0] in edges


@pytest.mark.parametrize("name", UNITS)
def test_the_step_through_page_narrates_it_with_its_row(name, tmp_path):
    model = nn.MLP([2, 2, 1], hidden=name, output="linear", engine="value", seed=1)
    page = stepper(model, x=[0.5, -1.0], t=[0.2], path=tmp_path / "p.html").read_text()
    op = ops.OPS[name]
    assert op.formula in page
    assert fprime_symbol(name, "O_j", "net_j") in page  # the hidden δ rule, f′ of the row
    # and f′ with unit h1's numbers filled in, from the δ rules' own forward pass
    record = rules.forward(model.get_weights(), model.activations, np.array([0.5, -1.0]))[0]
    assert fprime_numbers(name, float(record.out[0]), float(record.net[0])) in page


@pytest.mark.parametrize("name", UNITS)
def test_the_diagnostics_count_the_units_whose_f_prime_is_nearly_zero(name):
    """One sample: the saturated share is the share of units whose f′ (from the row) is
    below 1e-6 — read by the diagnostics from the outputs alone, with the row's bounds."""
    op = ops.OPS[name]
    net = np.array([[-50.0, -30.0, 0.3, 1.0, 30.0, 50.0]])
    out = rules.activate(name, net)
    expected = float(np.mean(np.abs(rules.derivative(name, net, out)) < 1e-6))
    assert saturation(name, out) == expected
    assert name in what_saturation_counts(name)
    assert op.bounds is not None or expected == 0.0  # no bounds: f′ never comes near 0


# --- the bridge to PyTorch, both ways, and the CLI -----------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("name", BRIDGED)
def test_to_torch_and_from_torch_use_the_rows_module(name, engine):
    import torch

    op = ops.OPS[name]
    hidden = "tanh" if op.layer_wide else name
    model = nn.MLP([3, 4, 2], hidden, name, engine=engine, seed=0)
    sequential = model.to_torch()
    last = list(sequential)[-1]
    if op.chain is ops.Chain.IDENTITY:  # the identity needs no module
        assert isinstance(last, torch.nn.Linear)
    else:
        assert type(last) is type(torch_module(name))
        for key, value in op.torch.args:
            assert getattr(last, key) == value
    x = np.random.default_rng(1).normal(size=(5, 3))
    ours = model.predict(x)
    theirs = sequential(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    back = nn.MLP.from_torch(sequential, engine=engine)
    assert back.activations == model.activations
    for (W, b), (W2, b2) in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


def test_the_cli_offers_every_activation_of_one_unit(capsys):
    code, out, _ = run_main(["compare", "--help"], capsys)
    assert code == 0
    choices = re.search(r"--hidden \{([^}]*)\}", out)
    assert choices is not None and tuple(choices.group(1).split(",")) == UNITS
    assert cli.ACTIVATIONS == UNITS


@pytest.mark.parametrize("name", UNITS)
def test_the_cli_compares_a_network_of_it(name, capsys):
    code, out, err = run_main(["compare", "--hidden", name, "--output", name], capsys)
    assert code == 0, err
    assert "all agree" in out


def load_generator():
    """docs/gen_activations.py, the script that writes the docs' lists from the table."""
    path = REPO / "docs" / "gen_activations.py"
    spec = importlib.util.spec_from_file_location("gen_activations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the docs: every list of activations is the table's -----------------------------------


def test_every_list_of_activations_in_the_docs_is_the_tables():
    generator = load_generator()
    assert generator.stale() == [], "run: python docs/gen_activations.py"
    marked = [path for path in generator.files() if generator.BLOCK.search(path.read_text())]
    assert {p.name for p in marked} >= {"README.md", "cli.md", "semantics.md"}


def test_no_page_lists_the_activations_by_hand():
    """A run of four or more activation names (as `name`, name(), 'name' or the PyTorch
    module's name) outside the
    generated lists would go stale when a row is added: only an abbreviated one (…) may."""
    generator = load_generator()
    modules = [op.torch.name for op in ops.TABLE if op.torch is not None]
    names = "|".join(sorted([*ops.OUTPUT_ACTIVATIONS, *modules], key=len, reverse=True))
    item = rf"[`']?(?:{names})(?:\(\))?[`']?"
    run = re.compile(rf"{item}(?:(?:, | or | and | ){item}){{3,}}")
    for path in generator.files():
        text = generator.BLOCK.sub("", path.read_text(encoding="utf-8"))
        for match in run.finditer(text):
            following = text[match.end() : match.end() + 4]
            assert "…" in following, f"{path.name}: {match.group(0)!r} lists activations by hand"
