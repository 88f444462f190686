"""Note 03 (Wang, derivations for a 2-3-1 network): autograd equals its four update rules.

The note's network: inputs x_k (k = 1, 2) → hidden neurons i = 1, 2, 3 with
v_i = Σ_k w_ik x_k + b_i and log-sigmoid f → one linear ("purelin") output neuron j = 4 with
v_4 = Σ_i w_4i f(v_i) + b_4 and y = v_4. Per sample n: e = d − y, E = ½ e². Its rules:

    (1) w_4i(n+1) = w_4i(n) + η (d − y) f(v_i)
    (2) b_4(n+1)  = b_4(n)  + η (d − y)
    (3) w_ik(n+1) = w_ik(n) + η (d − y) w_4i f(v_i) (1 − f(v_i)) x_k
    (4) b_i(n+1)  = b_i(n)  + η (d − y) w_4i f(v_i) (1 − f(v_i))

The note writes w_ik for the weight INTO neuron i FROM input k: the same order as
tinygrad_edu's W[out, in]. So (indices counted from 1 as in the note)

    w_ik = layer-1 W[i-1, k-1]     b_i = layer-1 b[i-1]
    w_4i = layer-2 W[0, i-1]       b_4 = layer-2 b[0]

and on the value engine w_ik is the Value labelled "w1_ik", w_4i is "w2_1i", b_i is "b1_i"
and b_4 is "b2_1". The note also derives tanh′ = 1 − tanh²: with tanh hidden neurons,
f(v_i)(1 − f(v_i)) in rules (3) and (4) becomes 1 − f(v_i)².
"""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, mse_loss, nn
from tinygrad_edu.compare import compare
from tinygrad_edu.optim import SGD

HIDDEN = [1, 2, 3]  # i
INPUTS = [1, 2]  # k

# f and f′ of the hidden neurons, f′ written with f as the note does.
ACTIVATIONS = {
    "sigmoid": (lambda v: 1.0 / (1.0 + math.exp(-v)), lambda f: f * (1 - f)),
    "tanh": (math.tanh, lambda f: 1 - f**2),
}


def note_symbols(model):
    """The model's weights under the note's names: w_ik, b_i, w_4i, b_4."""
    if model.engine == "value":  # each weight is a Value labelled after the note
        p = {name: param.data for name, param in model.named_parameters()}
        symbols = {f"w_{i}{k}": p[f"w1_{i}{k}"] for i in HIDDEN for k in INPUTS}
        symbols |= {f"b_{i}": p[f"b1_{i}"] for i in HIDDEN}
        symbols |= {f"w_4{i}": p[f"w2_1{i}"] for i in HIDDEN}
        symbols["b_4"] = p["b2_1"]
        return symbols
    (W1, b1), (W2, b2) = model.get_weights()
    symbols = {f"w_{i}{k}": W1[i - 1, k - 1] for i in HIDDEN for k in INPUTS}
    symbols |= {f"b_{i}": b1[i - 1] for i in HIDDEN}
    symbols |= {f"w_4{i}": W2[0, i - 1] for i in HIDDEN}
    symbols["b_4"] = b2[0]
    return symbols


def note_03_update(w, x, d, eta, hidden):
    """The note's rules (1)-(4): the weights at step n+1 from those at step n."""
    f, f_prime = ACTIVATIONS[hidden]
    x_k = {1: x[0], 2: x[1]}
    v = {i: sum(w[f"w_{i}{k}"] * x_k[k] for k in INPUTS) + w[f"b_{i}"] for i in HIDDEN}
    f_v = {i: f(v[i]) for i in HIDDEN}
    y = sum(w[f"w_4{i}"] * f_v[i] for i in HIDDEN) + w["b_4"]  # y = v_4, purelin
    new = {}
    for i in HIDDEN:
        new[f"w_4{i}"] = w[f"w_4{i}"] + eta * (d - y) * f_v[i]  # (1)
    new["b_4"] = w["b_4"] + eta * (d - y)  # (2)
    for i in HIDDEN:
        for k in INPUTS:  # (3)
            new[f"w_{i}{k}"] = (
                w[f"w_{i}{k}"] + eta * (d - y) * w[f"w_4{i}"] * f_prime(f_v[i]) * x_k[k]
            )
        new[f"b_{i}"] = w[f"b_{i}"] + eta * (d - y) * w[f"w_4{i}"] * f_prime(f_v[i])  # (4)
    return y, new


def one_sgd_step(model, x, d, eta):
    """E = ½ (d − y)² by autograd, then one optim.SGD step of η. Returns y."""
    model.zero_grad()
    if model.engine == "tensor":
        y = model(Tensor(x))
        mse_loss(y, np.array([d]), reduction="half_sum").backward()
        y = y.data[0]
    else:
        (y,) = model(list(x))
        mse_loss([y], [d], reduction="half_sum").backward()
        y = y.data
    SGD(model.parameters(), lr=eta).step()
    return y


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_the_four_update_rules_over_several_samples(engine, hidden):
    model = nn.MLP([2, 3, 1], hidden=hidden, output="linear", engine=engine, seed=0)
    rng = np.random.default_rng(1)
    samples = [(rng.normal(size=2), float(rng.normal())) for _ in range(3)]
    eta = 0.2
    for x, d in samples:  # one update per sample n, as the note's rules are written
        w_n = note_symbols(model)
        y_note, w_expected = note_03_update(w_n, x, d, eta, hidden)
        y = one_sgd_step(model, x, d, eta)
        assert y == pytest.approx(y_note, rel=1e-13)
        w_next = note_symbols(model)
        assert w_next.keys() == w_expected.keys()
        for name in w_expected:
            assert w_next[name] == pytest.approx(w_expected[name], rel=1e-12, abs=1e-15), name


def test_rules_on_hand_picked_weights_with_the_error_written_out():
    # A fixed example, so that a reader can follow one number: every weight 0.5, biases 0,
    # x = (1, 2): v_i = 1.5, f(v_i) = σ(1.5), y = 3 · 0.5 · σ(1.5), d = 1, η = 0.1.
    model = nn.MLP([2, 3, 1], hidden="sigmoid", output="linear", engine="value")
    model.set_weights([(np.full((3, 2), 0.5), np.zeros(3)), (np.full((1, 3), 0.5), np.zeros(1))])
    s = 1 / (1 + math.exp(-1.5))
    y = 1.5 * s
    one_sgd_step(model, np.array([1.0, 2.0]), 1.0, 0.1)
    w = note_symbols(model)
    assert w["w_41"] == pytest.approx(0.5 + 0.1 * (1 - y) * s, rel=1e-14)  # (1)
    assert w["b_4"] == pytest.approx(0.1 * (1 - y), rel=1e-14)  # (2)
    assert w["w_32"] == pytest.approx(0.5 + 0.1 * (1 - y) * 0.5 * s * (1 - s) * 2, rel=1e-14)  # (3)
    assert w["b_2"] == pytest.approx(0.1 * (1 - y) * 0.5 * s * (1 - s), rel=1e-14)  # (4)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_2_3_1_rules_autograd_and_finite_differences_agree(hidden, engine):
    model = nn.MLP([2, 3, 1], hidden=hidden, output="linear", engine=engine, seed=2)
    rng = np.random.default_rng(3)
    report = compare(model, rng.normal(size=(4, 2)), rng.normal(size=(4, 1)))
    assert report.ok, str(report)
