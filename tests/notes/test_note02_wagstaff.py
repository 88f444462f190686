"""Note 02 (Wagstaff, weight updates for hidden nodes): autograd equals its update rules.

The note's network: d inputs x_j → H sigmoid hidden nodes z_h = sigmoid(w_hᵀ x) → one
linear output ŷ = Σ_h v_h z_h + v_0, error E = ½ (y − ŷ)². The biases are weights on a
constant +1 input: w_h0 multiplies x_0 = +1, and v_0 multiplies z_0 = +1. Its results:

    Δv_h  = η (y − ŷ) z_h                       (h = 0 gives the output bias, z_0 = 1)
    Δw_hj = η (y − ŷ) v_h z_h (1 − z_h) x_j      (j = 0 gives the hidden bias, x_0 = 1)

In tinygrad_edu's W[out, in] layout (j and h counted from 1 as in the note):

    w_hj = layer-1 W[h-1, j-1]     w_h0 = layer-1 b[h-1]
    v_h  = layer-2 W[0, h-1]       v_0  = layer-2 b[0]
"""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, mse_loss, nn
from tinygrad_edu.optim import SGD


def sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


def note_02_updates(w, v, x, y, eta):
    """The note's Δv_h and Δw_hj for one sample, with the bias weights at index 0.

    ``w[h][j]`` for h = 1..H, j = 0..d (``w[0]`` unused), ``v[h]`` for h = 0..H,
    ``x[j]`` for j = 0..d with x[0] = +1.
    """
    H, d = len(v) - 1, len(x) - 1
    z = [1.0] + [sigmoid(sum(w[h][j] * x[j] for j in range(d + 1))) for h in range(1, H + 1)]
    y_hat = sum(v[h] * z[h] for h in range(H + 1))  # z[0] = +1 carries v_0
    delta_v = [eta * (y - y_hat) * z[h] for h in range(H + 1)]
    delta_w = [None] + [
        [eta * (y - y_hat) * v[h] * z[h] * (1 - z[h]) * x[j] for j in range(d + 1)]
        for h in range(1, H + 1)
    ]
    return y_hat, delta_v, delta_w


def note_weights(W1, b1, W2, b2):
    """Our (W, b) pairs in the note's notation: w[h][j] with w[h][0] = w_h0, v[h]."""
    H, d = W1.shape
    w = [None] + [
        [b1[h - 1]] + [W1[h - 1, j - 1] for j in range(1, d + 1)] for h in range(1, H + 1)
    ]
    v = [b2[0]] + [W2[0, h - 1] for h in range(1, H + 1)]
    return w, v


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("d, H, seed", [(2, 3, 0), (4, 5, 1), (1, 1, 2)])
def test_one_step_of_sgd_is_the_notes_delta_v_and_delta_w(d, H, seed, engine):
    rng = np.random.default_rng(seed)
    W1, b1 = rng.normal(size=(H, d)), rng.normal(size=H)
    W2, b2 = rng.normal(size=(1, H)), rng.normal(size=1)
    x_in, y, eta = rng.normal(size=d), float(rng.normal()), 0.1
    model = nn.MLP([d, H, 1], hidden="sigmoid", output="linear", engine=engine)
    model.set_weights([(W1, b1), (W2, b2)])

    if engine == "tensor":
        out = model(Tensor(x_in))
        E = mse_loss(out, np.array([y]), reduction="half_sum")  # ½ (y − ŷ)²
        y_model = out.data[0]
    else:
        out = model(list(x_in))
        E = mse_loss(out, [y], reduction="half_sum")
        y_model = out[0].data
    E.backward()
    SGD(model.parameters(), lr=eta).step()
    (W1_new, b1_new), (W2_new, b2_new) = model.get_weights()

    w, v = note_weights(W1, b1, W2, b2)
    x = [1.0, *x_in]  # x_0 = +1
    y_hat, delta_v, delta_w = note_02_updates(w, v, x, y, eta)
    assert y_model == pytest.approx(y_hat, rel=1e-13)
    w_new, v_new = note_weights(W1_new, b1_new, W2_new, b2_new)
    for h in range(H + 1):  # v_h ← v_h + Δv_h, including v_0
        assert v_new[h] == pytest.approx(v[h] + delta_v[h], rel=1e-12, abs=1e-15)
    for h in range(1, H + 1):
        for j in range(d + 1):  # w_hj ← w_hj + Δw_hj, including w_h0
            assert w_new[h][j] == pytest.approx(w[h][j] + delta_w[h][j], rel=1e-12, abs=1e-15)


def test_gradients_are_minus_the_updates_over_eta():
    # ∂E/∂v_h = −(y − ŷ) z_h and ∂E/∂w_hj = −(y − ŷ) v_h z_h (1 − z_h) x_j.
    rng = np.random.default_rng(3)
    W1, b1, W2, b2 = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3)), [0.5]
    model = nn.MLP([2, 3, 1], hidden="sigmoid", output="linear")
    model.set_weights([(W1, b1), (W2, b2)])
    x_in, y = np.array([0.4, -1.3]), 2.0
    mse_loss(model(Tensor(x_in)), np.array([y]), reduction="half_sum").backward()
    L1, L2 = model.layers

    w, v = note_weights(W1, b1, W2, np.array(b2))
    _, delta_v, delta_w = note_02_updates(w, v, [1.0, *x_in], y, eta=1.0)
    assert L2.bias.grad[0] == pytest.approx(-delta_v[0], rel=1e-12)
    for h in range(1, 4):
        assert L2.weight.grad[0, h - 1] == pytest.approx(-delta_v[h], rel=1e-12)
        assert L1.bias.grad[h - 1] == pytest.approx(-delta_w[h][0], rel=1e-12)
        for j in range(1, 3):
            assert L1.weight.grad[h - 1, j - 1] == pytest.approx(-delta_w[h][j], rel=1e-12)


def test_a_bias_is_a_weight_on_a_constant_plus_one_input():
    # The note's own form, built from plain Values: x_0 = +1 and z_0 = +1 are inputs like
    # any other, and w_h0, v_0 ordinary weights. Its gradients equal the MLP's bias gradients.
    rng = np.random.default_rng(4)
    d, H = 3, 2
    W1, b1, W2, b2 = rng.normal(size=(H, d)), rng.normal(size=H), rng.normal(size=(1, H)), [0.2]
    x_in, y = rng.normal(size=d), -0.5

    w_note, v_note = note_weights(W1, b1, W2, np.array(b2))
    w = [None] + [[Value(w_note[h][j]) for j in range(d + 1)] for h in range(1, H + 1)]
    v = [Value(v_note[h]) for h in range(H + 1)]
    x = [Value(1.0)] + [Value(float(xj)) for xj in x_in]  # x_0 = +1
    z = [Value(1.0)]  # z_0 = +1
    for h in range(1, H + 1):
        a = w[h][0] * x[0]
        for j in range(1, d + 1):
            a = a + w[h][j] * x[j]
        z.append(a.sigmoid())
    y_hat = v[0] * z[0]
    for h in range(1, H + 1):
        y_hat = y_hat + v[h] * z[h]
    E = 0.5 * (y - y_hat) ** 2
    E.backward()

    model = nn.MLP([d, H, 1], hidden="sigmoid", output="linear")
    model.set_weights([(W1, b1), (W2, b2)])
    mse_loss(model(Tensor(x_in)), np.array([y]), reduction="half_sum").backward()
    L1, L2 = model.layers
    assert v[0].grad == pytest.approx(L2.bias.grad[0], rel=1e-12)  # v_0 is the output bias
    for h in range(1, H + 1):
        assert w[h][0].grad == pytest.approx(L1.bias.grad[h - 1], rel=1e-12)  # w_h0
        assert v[h].grad == pytest.approx(L2.weight.grad[0, h - 1], rel=1e-12)
        for j in range(1, d + 1):
            assert w[h][j].grad == pytest.approx(L1.weight.grad[h - 1, j - 1], rel=1e-12)
