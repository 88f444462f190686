"""Note 01 (HKUST COMP 2211, derivation of backpropagation): autograd equals its δ rules.

The note's network: input units i → hidden units j → output units k, sigmoid everywhere,
biases θ, error E = ½ Σ_k (O_k − t_k)². Its results, written out below with its indices:

    δ_k = (O_k − t_k) O_k (1 − O_k)          ∂E/∂W_jk = O_j δ_k
    δ_j = O_j (1 − O_j) Σ_k δ_k W_jk         ∂E/∂W_ij = O_i δ_j
    ∂E/∂θ = δ                                 ΔW_xy = −η δ_y O_x,  Δθ = −η δ

The note writes W_ij for the weight FROM unit i TO unit j. tinygrad_edu stores W[out, in]
(row = the unit the weight goes into), so

    W_ij = layer-1 W[j, i]    W_jk = layer-2 W[k, j]    θ_j = layer-1 b[j]   θ_k = layer-2 b[k]

and on the value engine the weight W_ij is the Value labelled "w1_{j+1}{i+1}".
"""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, mse_loss, nn
from tinygrad_edu.compare import compare
from tinygrad_edu.optim import SGD


def sigma(x):
    return 1.0 / (1.0 + math.exp(-x))


def note_01_closed_form(W1, theta_j, W2, theta_k, x, t):
    """The note's forward pass and δ rules for one sample, index by index."""
    I, J, K = len(x), len(theta_j), len(theta_k)

    def W_ij(i, j):  # from input i to hidden j
        return W1[j, i]

    def W_jk(j, k):  # from hidden j to output k
        return W2[k, j]

    O_i = list(x)
    O_j = [sigma(sum(W_ij(i, j) * O_i[i] for i in range(I)) + theta_j[j]) for j in range(J)]
    O_k = [sigma(sum(W_jk(j, k) * O_j[j] for j in range(J)) + theta_k[k]) for k in range(K)]
    delta_k = [(O_k[k] - t[k]) * O_k[k] * (1 - O_k[k]) for k in range(K)]
    delta_j = [
        O_j[j] * (1 - O_j[j]) * sum(delta_k[k] * W_jk(j, k) for k in range(K)) for j in range(J)
    ]
    return {
        "O_j": O_j,
        "O_k": O_k,
        "delta_k": delta_k,
        "delta_j": delta_j,
        "dE/dW_ij": {(i, j): O_i[i] * delta_j[j] for i in range(I) for j in range(J)},
        "dE/dW_jk": {(j, k): O_j[j] * delta_k[k] for j in range(J) for k in range(K)},
        "dE/dtheta_j": delta_j,
        "dE/dtheta_k": delta_k,
    }


def random_network(sizes, seed):
    rng = np.random.default_rng(seed)
    W1, theta_j = rng.normal(size=(sizes[1], sizes[0])), rng.normal(size=sizes[1])
    W2, theta_k = rng.normal(size=(sizes[2], sizes[1])), rng.normal(size=sizes[2])
    return W1, theta_j, W2, theta_k


def autograd_gradients(model, X, T):
    """∂E/∂(W1, θ_j, W2, θ_k) by autograd, E = ½ Σ (O − t)² summed over the samples."""
    model.zero_grad()
    if model.engine == "tensor":
        mse_loss(model(Tensor(X)), T, reduction="half_sum").backward()
        (L1, L2) = model.layers
        return L1.weight.grad, L1.bias.grad, L2.weight.grad, L2.bias.grad
    E = sum(mse_loss(model(list(x)), list(t), reduction="half_sum") for x, t in zip(X, T))
    E.backward()
    p = dict(model.named_parameters())
    J, I, K = model.sizes[1], model.sizes[0], model.sizes[2]
    # The value engine's labels: W_ij is "w1_{j}{i}", W_jk is "w2_{k}{j}" (counted from 1).
    dW1 = np.array([[p[f"w1_{j + 1}{i + 1}"].grad for i in range(I)] for j in range(J)])
    dW2 = np.array([[p[f"w2_{k + 1}{j + 1}"].grad for j in range(J)] for k in range(K)])
    dtheta_j = np.array([p[f"b1_{j + 1}"].grad for j in range(J)])
    dtheta_k = np.array([p[f"b2_{k + 1}"].grad for k in range(K)])
    return dW1, dtheta_j, dW2, dtheta_k


@pytest.mark.parametrize("samples", [1, 3])
@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_every_gradient_of_a_3_4_2_network_matches_note_01(engine, samples):
    W1, theta_j, W2, theta_k = random_network([3, 4, 2], seed=1)
    model = nn.MLP([3, 4, 2], hidden="sigmoid", output="sigmoid", engine=engine)
    model.set_weights([(W1, theta_j), (W2, theta_k)])
    rng = np.random.default_rng(2)
    X, T = rng.normal(size=(samples, 3)), rng.uniform(size=(samples, 2))

    dW1, dtheta_j, dW2, dtheta_k = autograd_gradients(model, X, T)

    # The note's rules are per sample; a batch's error is the sum, so are its gradients.
    notes = [note_01_closed_form(W1, theta_j, W2, theta_k, x, t) for x, t in zip(X, T)]
    for i in range(3):
        for j in range(4):
            expected = sum(n["dE/dW_ij"][i, j] for n in notes)  # O_i δ_j
            assert dW1[j, i] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    for j in range(4):
        for k in range(2):
            expected = sum(n["dE/dW_jk"][j, k] for n in notes)  # O_j δ_k
            assert dW2[k, j] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    for j in range(4):
        assert dtheta_j[j] == pytest.approx(sum(n["delta_j"][j] for n in notes), rel=1e-12)
    for k in range(2):
        assert dtheta_k[k] == pytest.approx(sum(n["delta_k"][k] for n in notes), rel=1e-12)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_one_gradient_descent_step_is_delta_W_xy_equals_minus_eta_delta_y_O_x(engine):
    W1, theta_j, W2, theta_k = random_network([3, 4, 2], seed=3)
    model = nn.MLP([3, 4, 2], hidden="sigmoid", output="sigmoid", engine=engine)
    model.set_weights([(W1, theta_j), (W2, theta_k)])
    x, t = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0])
    eta = 0.5

    if engine == "tensor":
        E = mse_loss(model(Tensor(x)), t, reduction="half_sum")
    else:
        E = mse_loss(model(list(x)), list(t), reduction="half_sum")
    E.backward()
    SGD(model.parameters(), lr=eta).step()
    (W1_new, theta_j_new), (W2_new, theta_k_new) = model.get_weights()

    note = note_01_closed_form(W1, theta_j, W2, theta_k, x, t)
    O_i, O_j, delta_j, delta_k = x, note["O_j"], note["delta_j"], note["delta_k"]
    for i in range(3):
        for j in range(4):  # W_ij ← W_ij − η δ_j O_i
            assert W1_new[j, i] == pytest.approx(W1[j, i] - eta * delta_j[j] * O_i[i], rel=1e-12)
    for j in range(4):
        for k in range(2):  # W_jk ← W_jk − η δ_k O_j
            assert W2_new[k, j] == pytest.approx(W2[k, j] - eta * delta_k[k] * O_j[j], rel=1e-12)
    for j in range(4):  # θ ← θ − η δ
        assert theta_j_new[j] == pytest.approx(theta_j[j] - eta * delta_j[j], rel=1e-12)
    for k in range(2):
        assert theta_k_new[k] == pytest.approx(theta_k[k] - eta * delta_k[k], rel=1e-12)


def test_two_hidden_layers_apply_the_hidden_delta_rule_twice():
    # Input i → hidden j → hidden h → output k. The note's δ_j rule, applied once per
    # hidden layer going backwards: δ_h = O_h (1 − O_h) Σ_k δ_k W_hk, then
    # δ_j = O_j (1 − O_j) Σ_h δ_h W_jh, and ∂E/∂W_ij = O_i δ_j as before.
    rng = np.random.default_rng(4)
    sizes = [2, 3, 4, 2]
    W = [rng.normal(size=(sizes[l + 1], sizes[l])) for l in range(3)]  # W[out, in]
    theta = [rng.normal(size=n) for n in sizes[1:]]
    model = nn.MLP(sizes, hidden="sigmoid", output="sigmoid")
    model.set_weights(list(zip(W, theta)))
    x, t = np.array([0.3, -0.7]), np.array([0.2, 0.9])
    E = mse_loss(model(Tensor(x)), t, reduction="half_sum")
    E.backward()

    I, J, H, K = sizes
    O_i = list(x)
    O_j = [sigma(sum(W[0][j, i] * O_i[i] for i in range(I)) + theta[0][j]) for j in range(J)]
    O_h = [sigma(sum(W[1][h, j] * O_j[j] for j in range(J)) + theta[1][h]) for h in range(H)]
    O_k = [sigma(sum(W[2][k, h] * O_h[h] for h in range(H)) + theta[2][k]) for k in range(K)]
    delta_k = [(O_k[k] - t[k]) * O_k[k] * (1 - O_k[k]) for k in range(K)]
    delta_h = [
        O_h[h] * (1 - O_h[h]) * sum(delta_k[k] * W[2][k, h] for k in range(K)) for h in range(H)
    ]
    delta_j = [
        O_j[j] * (1 - O_j[j]) * sum(delta_h[h] * W[1][h, j] for h in range(H)) for j in range(J)
    ]

    L1, L2, L3 = model.layers
    for i in range(I):
        for j in range(J):
            assert L1.weight.grad[j, i] == pytest.approx(O_i[i] * delta_j[j], rel=1e-12)
    for j in range(J):
        for h in range(H):
            assert L2.weight.grad[h, j] == pytest.approx(O_j[j] * delta_h[h], rel=1e-12)
    for h in range(H):
        for k in range(K):
            assert L3.weight.grad[k, h] == pytest.approx(O_h[h] * delta_k[k], rel=1e-12)
    np.testing.assert_allclose(L1.bias.grad, delta_j, rtol=1e-12)
    np.testing.assert_allclose(L2.bias.grad, delta_h, rtol=1e-12)
    np.testing.assert_allclose(L3.bias.grad, delta_k, rtol=1e-12)


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize(
    "sizes, hidden", [([2, 3, 4, 2], "sigmoid"), ([3, 4, 3, 1], "tanh"), ([2, 3, 3, 3, 2], "tanh")]
)
def test_deeper_networks_rules_autograd_and_finite_differences_agree(sizes, hidden, engine):
    model = nn.MLP(sizes, hidden=hidden, output="sigmoid", engine=engine, seed=5)
    rng = np.random.default_rng(6)
    X, T = rng.normal(size=(3, sizes[0])), rng.uniform(size=(3, sizes[-1]))
    report = compare(model, X, T)
    assert report.ok, str(report)
    assert len(report.rows) == len(model.parameters())


@pytest.mark.parametrize("hidden, output", [("sigmoid", "sigmoid"), ("tanh", "linear")])
def test_value_engine_equals_tensor_engine_on_the_same_weights(hidden, output):
    W1, theta_j, W2, theta_k = random_network([3, 4, 2], seed=7)
    rng = np.random.default_rng(8)
    X, T = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
    grads = {}
    for engine in ("tensor", "value"):
        model = nn.MLP([3, 4, 2], hidden=hidden, output=output, engine=engine)
        model.set_weights([(W1, theta_j), (W2, theta_k)])
        grads[engine] = autograd_gradients(model, X, T)
    for g_tensor, g_value in zip(grads["tensor"], grads["value"]):
        np.testing.assert_allclose(g_value, g_tensor, rtol=1e-12, atol=1e-15)
