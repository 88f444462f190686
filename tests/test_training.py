"""Training works end to end: nn + losses + optim learn XOR and moons on both engines."""

import numpy as np
import pytest

from tinygrad_edu import data, mse_loss, nn, optim


def half_sum_error_tensor(model, X, y):
    """E = ½ Σ (O − t)² over the whole set, computed in numpy from the model's outputs."""
    return 0.5 * float(np.sum((model(X).data - y) ** 2))


def train_tensor(model, X, y, opt, steps, reduction="mean"):
    for _ in range(steps):
        opt.zero_grad()
        loss = mse_loss(model(X), y, reduction=reduction)
        loss.backward()
        opt.step()


def train_value(model, X, y, opt, steps):
    """Full-batch training, one graph per sample: E = (1/n) Σ_samples mse(sample)."""
    for _ in range(steps):
        opt.zero_grad()
        loss = sum((mse_loss(model(x), list(t)) for x, t in zip(X, y)), start=0.0) / len(X)
        loss.backward()
        opt.step()


def accuracy(predictions, y):
    return float(np.mean((np.reshape(predictions, y.shape) > 0.5) == (y > 0.5)))


@pytest.mark.parametrize("seed", [0, 1])
def test_tensor_mlp_learns_xor_with_adam(seed):
    X, y = data.xor()
    model = nn.MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=seed)
    train_tensor(model, X, y, optim.Adam(model.parameters(), lr=0.1), steps=300)
    assert half_sum_error_tensor(model, X, y) < 0.01


def test_tensor_mlp_learns_xor_with_sgd_momentum_on_the_notes_error():
    X, y = data.xor()
    model = nn.MLP([2, 4, 1], hidden="tanh", output="sigmoid", seed=3)
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    train_tensor(model, X, y, opt, steps=500, reduction="half_sum")
    assert half_sum_error_tensor(model, X, y) < 0.01


def test_tensor_mlp_learns_moons_to_95_percent_on_unseen_points():
    X, y = data.moons(n=200, noise=0.1, seed=0)
    X_test, y_test = data.moons(n=400, noise=0.1, seed=1)
    model = nn.MLP([2, 16, 16, 1], hidden="tanh", output="sigmoid", seed=0)
    before = accuracy(model(X_test).data, y_test)
    train_tensor(model, X, y, optim.Adam(model.parameters(), lr=0.05), steps=300)
    assert accuracy(model(X).data, y) >= 0.95
    assert accuracy(model(X_test).data, y_test) >= 0.95
    assert before < 0.9  # it was learning, not luck of the initialisation


def test_value_mlp_learns_xor():
    X, y = data.xor()
    model = nn.MLP([2, 4, 1], hidden="tanh", output="sigmoid", engine="value", seed=0)
    train_value(model, X, y, optim.Adam(model.parameters(), lr=0.1), steps=300)
    error = sum(0.5 * (model(x)[0].data - t[0]) ** 2 for x, t in zip(X, y))
    assert error < 0.01


def test_value_mlp_learns_a_small_moons_subset():
    X, y = data.moons(n=40, noise=0.1, seed=0)
    X_test, y_test = data.moons(n=200, noise=0.1, seed=1)
    model = nn.MLP([2, 8, 1], hidden="tanh", output="sigmoid", engine="value", seed=0)
    train_value(model, X, y, optim.Adam(model.parameters(), lr=0.05), steps=150)
    assert accuracy([model(x)[0].data for x in X], y) >= 0.95
    assert accuracy([model(x)[0].data for x in X_test], y_test) >= 0.95


def test_both_engines_follow_the_same_training_path():
    # Same seed, same data, same optimizer: after 20 Adam steps the weights still agree.
    X, y = data.xor()
    models = [
        nn.MLP([2, 3, 1], hidden="sigmoid", output="linear", engine=e, seed=5)
        for e in ("tensor", "value")
    ]
    train_tensor(models[0], X, y, optim.Adam(models[0].parameters(), lr=0.05), steps=20)
    train_value(models[1], X, y, optim.Adam(models[1].parameters(), lr=0.05), steps=20)
    for (W1, b1), (W2, b2) in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(W1, W2, rtol=0, atol=1e-10)
        np.testing.assert_allclose(b1, b2, rtol=0, atol=1e-10)
