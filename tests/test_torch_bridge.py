"""MLP.to_torch() / MLP.from_torch(): the same network in PyTorch, and back.

PyTorch is the oracle: the converted Sequential's forward outputs and the gradients of the
same loss must equal ours to 1e-12 in float64, on both engines and several activations.
"""

import re
import sys

import numpy as np
import pytest

from tinygrad_edu import Tensor, mse_loss, nn
from tinygrad_edu.torch_bridge import INSTALL

NETWORKS = [
    # (sizes, hidden, output, bias)
    ([2, 3, 1], "sigmoid", "linear", True),
    ([3, 4, 2], "tanh", "sigmoid", True),
    ([2, 5, 4, 2], "relu", "tanh", False),
    ([3, 2], "linear", "relu", True),
    ([2, 4, 3, 2], "softplus", "leaky_relu", True),
    ([3, 3, 1], "leaky_relu", "softplus", False),
]
ENGINES = ["tensor", "value"]


def our_outputs_and_grads(model, X, T):
    """Our forward outputs and the (dW, db) per layer of E = ½ Σ (O − t)²."""
    model.zero_grad()
    if model.engine == "tensor":
        out = model(Tensor(X))
        mse_loss(out, T, reduction="half_sum").backward()
        grads = [
            (layer.weight.grad, None if layer.bias is None else layer.bias.grad)
            for layer in model.layers
        ]
        return out.data, grads
    outputs, error = [], None
    for x, t in zip(X, T):
        out = model(list(x))
        outputs.append([v.data for v in out])
        e = mse_loss(out, list(t), reduction="half_sum")
        error = e if error is None else error + e
    error.backward()
    grads = []
    for layer in model.layers:
        dW = np.array([[w.grad for w in neuron.w] for neuron in layer.neurons])
        db = np.array([neuron.b.grad for neuron in layer.neurons]) if model.bias else None
        grads.append((dW, db))
    return np.array(outputs), grads


def torch_outputs_and_grads(sequential, X, T):
    import torch

    out = sequential(torch.from_numpy(X))
    (0.5 * ((out - torch.from_numpy(T)) ** 2).sum()).backward()
    linears = [m for m in sequential if isinstance(m, torch.nn.Linear)]
    grads = [
        (m.weight.grad.numpy(), None if m.bias is None else m.bias.grad.numpy()) for m in linears
    ]
    return out.detach().numpy(), grads


def data(sizes, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, sizes[0])), rng.uniform(size=(n, sizes[-1]))


@pytest.mark.torch
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sizes, hidden, output, bias", NETWORKS)
def test_to_torch_gives_the_same_outputs_and_gradients(engine, sizes, hidden, output, bias):
    import torch

    model = nn.MLP(sizes, hidden, output, bias=bias, engine=engine, seed=1)
    sequential = model.to_torch()
    assert isinstance(sequential, torch.nn.Sequential)
    kinds = [type(m).__name__ for m in sequential]
    expected = []
    for l in range(len(sizes) - 1):
        activation = model.activations[l]
        expected += ["Linear"] + ([] if activation == "linear" else [activation])
    names = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "Linear": "Linear"}
    names |= {"Softplus": "softplus", "LeakyReLU": "leaky_relu"}
    assert [names[k] for k in kinds] == expected
    assert all(p.dtype == torch.float64 for p in sequential.parameters())

    X, T = data(sizes)
    ours, our_grads = our_outputs_and_grads(model, X, T)
    theirs, their_grads = torch_outputs_and_grads(sequential, X, T)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    for (dW, db), (tW, tb) in zip(our_grads, their_grads):
        np.testing.assert_allclose(dW, tW, rtol=0, atol=1e-12)
        if bias:
            np.testing.assert_allclose(db, tb, rtol=0, atol=1e-12)
        else:
            assert db is None and tb is None


@pytest.mark.torch
def test_to_torch_copies_the_weights_and_keeps_float32():
    import torch

    model = nn.MLP([2, 3, 1], seed=0, dtype=np.float32)
    sequential = model.to_torch()
    assert sequential[0].weight.dtype == torch.float32
    np.testing.assert_array_equal(sequential[0].weight.detach().numpy(), model.get_weights()[0][0])
    before = model.get_weights()[0][0].copy()
    with torch.no_grad():
        sequential[0].weight.add_(1.0)  # the two never share memory
    np.testing.assert_array_equal(model.get_weights()[0][0], before)


@pytest.mark.torch
@pytest.mark.parametrize("engine", ENGINES)
def test_from_torch_brings_a_torch_network_back(engine):
    import torch

    torch.manual_seed(0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(3, 4, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 4, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2, dtype=torch.float64),
        torch.nn.Identity(),
    )
    model = nn.MLP.from_torch(sequential, engine=engine)
    assert model.sizes == [3, 4, 4, 2] and model.activations == ["tanh", "tanh", "linear"]
    assert model.engine == engine and model.bias
    for (W, b), linear in zip(model.get_weights(), sequential[::2]):
        np.testing.assert_array_equal(W, linear.weight.detach().numpy())
        np.testing.assert_array_equal(b, linear.bias.detach().numpy())
    X, T = data([3, 2])
    ours, our_grads = our_outputs_and_grads(model, X, T)
    theirs, their_grads = torch_outputs_and_grads(sequential, X, T)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    for (dW, db), (tW, tb) in zip(our_grads, their_grads):
        np.testing.assert_allclose(dW, tW, rtol=0, atol=1e-12)
        np.testing.assert_allclose(db, tb, rtol=0, atol=1e-12)


@pytest.mark.torch
def test_a_round_trip_keeps_everything():
    model = nn.MLP([2, 3, 3, 1], "relu", "sigmoid", bias=False, seed=4, dtype=np.float32)
    back = nn.MLP.from_torch(model.to_torch())
    assert (back.sizes, back.activations, back.bias) == (model.sizes, model.activations, False)
    assert back.dtype == np.float32
    for (W, _), (W0, _) in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(W, W0)


@pytest.mark.torch
def test_a_single_linear_layer_and_a_last_layer_without_activation():
    import torch

    model = nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, dtype=torch.float64)))
    assert model.sizes == [2, 1] and model.activations == ["linear"]
    model = nn.MLP.from_torch(
        torch.nn.Sequential(
            torch.nn.Linear(2, 3, dtype=torch.float64),
            torch.nn.Sigmoid(),
            torch.nn.Linear(3, 1, dtype=torch.float64),
        )
    )
    assert model.activations == ["sigmoid", "linear"]


def _unsupported():
    import torch

    nn_ = torch.nn
    return [
        ([nn_.Linear(2, 3), nn_.Dropout(), nn_.Linear(3, 1)], "layer 1 (Dropout) is not supported"),
        ([nn_.Linear(2, 3), nn_.Hardshrink()], "layer 1 (Hardshrink) is not supported"),
        # an activation module with other arguments is another function: refused by name
        ([nn_.Linear(2, 3), nn_.LeakyReLU(0.2)], "layer 1 (LeakyReLU) has negative_slope=0.2"),
        ([nn_.Linear(2, 3), nn_.Softplus(beta=2.0)], "layer 1 (Softplus) has beta=2.0"),
        ([nn_.Linear(2, 3), nn_.Softplus(threshold=5)], "layer 1 (Softplus) has threshold=5"),
        ([nn_.Sigmoid(), nn_.Linear(2, 3)], "layer 0 (Sigmoid) does not follow a Linear"),
        ([nn_.Linear(2, 3), nn_.Tanh(), nn_.Tanh()], "layer 2 (Tanh) does not follow a Linear"),
        ([nn_.Linear(2, 3), nn_.Linear(4, 1)], "Linear 1 takes 4 inputs"),
        ([nn_.Linear(2, 3), nn_.Linear(3, 1, bias=False)], "some Linear layers have a bias"),
        (
            [nn_.Linear(2, 3), nn_.Tanh(), nn_.Linear(3, 3), nn_.ReLU(), nn_.Linear(3, 1)],
            "different activations",
        ),
        ([nn_.Linear(2, 3, dtype=torch.float16)], "float16"),
        ([], "has no Linear layer"),
    ]


@pytest.mark.torch
def test_unsupported_layers_are_refused_by_name():
    import torch

    for modules, message in _unsupported():
        with pytest.raises(ValueError) as info:
            nn.MLP.from_torch(torch.nn.Sequential(*modules))
        assert str(info.value).startswith("MLP.from_torch:") and message in str(info.value)
    with pytest.raises(TypeError, match=r"expected a torch\.nn\.Sequential, got Linear"):
        nn.MLP.from_torch(torch.nn.Linear(2, 1))


@pytest.mark.torch
def test_softplus_and_leaky_relu_are_torch_modules_both_ways():
    import torch

    model = nn.MLP([2, 3, 3, 1], "leaky_relu", "softplus", seed=0)
    modules = list(model.to_torch())
    assert [type(m).__name__ for m in modules] == [
        "Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "Softplus"
    ]  # fmt: skip
    assert modules[1].negative_slope == 0.01  # PyTorch's default, spelt out by the row
    assert (modules[5].beta, modules[5].threshold) == (1.0, 20.0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(2, 3, dtype=torch.float64),
        torch.nn.Softplus(),
        torch.nn.Linear(3, 1, dtype=torch.float64),
        torch.nn.LeakyReLU(negative_slope=0.01),
    )
    for engine in ENGINES:
        back = nn.MLP.from_torch(sequential, engine=engine)
        assert back.activations == ["softplus", "leaky_relu"]


def test_without_torch_both_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    model = nn.MLP([2, 3, 1], seed=0)
    with pytest.raises(ImportError, match="to_torch needs PyTorch") as info:
        model.to_torch()
    assert INSTALL in str(info.value)
    assert INSTALL == "pip install torch --index-url https://download.pytorch.org/whl/cpu"
    with pytest.raises(ImportError, match=r"MLP\.from_torch needs PyTorch") as info:
        nn.MLP.from_torch(object())
    assert INSTALL in str(info.value)


def test_importing_tinygrad_edu_does_not_import_torch():
    import subprocess

    code = "import sys, tinygrad_edu, tinygrad_edu.nn; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# --- the value engine, dtypes and devices -------------------------------------------------


@pytest.mark.torch
def test_from_torch_reads_a_default_float32_network_into_float64_values_exactly():
    import torch

    torch.manual_seed(1)
    sequential = torch.nn.Sequential(  # PyTorch's default dtype: float32
        torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 3), torch.nn.Softmax(dim=-1)
    )
    model = nn.MLP.from_torch(sequential, engine="value")
    assert model.engine == "value" and model.dtype == np.float64
    assert model.activations == ["sigmoid", "softmax"]
    for (W, b), linear in zip(model.get_weights(), sequential[::2]):
        # every float32 is a float64: the numbers are the same, bit for bit
        np.testing.assert_array_equal(W, linear.weight.detach().numpy().astype(np.float64))
        np.testing.assert_array_equal(b, linear.bias.detach().numpy().astype(np.float64))
    assert all(type(p.data) is float for p in model.parameters())
    X = np.random.default_rng(0).normal(size=(5, 3))
    theirs = sequential.double()(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(model.predict(X), theirs, rtol=0, atol=1e-12)
    # the tensor engine keeps float32
    assert nn.MLP.from_torch(sequential.float()).dtype == np.float32


@pytest.mark.torch
def test_the_error_lists_every_module_from_torch_accepts():
    import torch

    candidates = [
        "Sigmoid", "Tanh", "ReLU", "Identity", "Softmax", "Softplus", "LeakyReLU", "GELU",
        "SiLU", "ELU", "Hardtanh", "LogSoftmax", "Softsign", "Mish",
    ]  # fmt: skip
    accepted = []
    for kind in candidates:
        module = getattr(torch.nn, kind)(dim=-1) if "Softmax" in kind else getattr(torch.nn, kind)()
        try:
            nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), module))
            accepted.append(kind)
        except ValueError:
            pass
    assert {"Sigmoid", "Tanh", "ReLU", "Identity", "Softmax"} <= set(accepted)
    with pytest.raises(ValueError) as info:
        nn.MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()))
    listed = re.findall(r"(\w+)\(", str(info.value).split("at most one of ")[1])
    for kind in accepted:  # each with the arguments it is accepted with: Softmax(dim=-1)
        assert kind in listed, kind


@pytest.mark.torch
@pytest.mark.parametrize("engine", ENGINES)
def test_bfloat16_and_meta_networks_are_refused_by_name(engine):
    import torch

    bf16 = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh()).to(torch.bfloat16)
    with pytest.raises(ValueError, match=r"MLP.from_torch: the Linear layers' dtype is bfloat16"):
        nn.MLP.from_torch(bf16, engine=engine)
    meta = torch.nn.Sequential(torch.nn.Linear(2, 3, device="meta"), torch.nn.Tanh())
    with pytest.raises(ValueError, match=r"MLP.from_torch: Linear 0 is on the meta device"):
        nn.MLP.from_torch(meta, engine=engine)
    mixed = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"dtype is float32, float64; .* the same in every"):
        nn.MLP.from_torch(mixed, engine=engine)
