"""train.fit / predict / accuracy: the one training loop the demo, the stepper and the
examples share. Expected values come from a hand-written loop in this file or from numpy."""

import numpy as np
import pytest

from tinygrad_edu import data, mse_loss, nn, optim
from tinygrad_edu.train import accuracy, fit, predict, predict_fast


def hand_loop(model, X, y, lr, steps, momentum):
    """The notes' loop written out: forward, E, zero_grad, backward, step."""
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for _ in range(steps):
        loss = mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    return losses


def test_fit_is_the_hand_written_loop_step_for_step():
    X, y = data.xor()
    a = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    b = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    history = fit(a, X, y, lr=0.5, steps=25, momentum=0.9)
    assert history.loss == hand_loop(b, X, y, 0.5, 25, 0.9)
    for (Wa, ba), (Wb, bb) in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_fit_learns_xor_on_both_engines(engine):
    X, y = data.xor()
    model = nn.MLP([2, 4, 1], hidden="tanh", output="sigmoid", engine=engine, seed=0)
    history = fit(model, X, y, lr=0.2, steps=500, momentum=0.9, reduction="half_sum")
    assert history.loss[-1] < history.loss[0] / 10
    assert accuracy(model, X, y) == 1.0


def test_batch_size_one_takes_sample_k_mod_n_and_on_step_sees_it_before_the_update():
    X = np.arange(6.0).reshape(3, 2)
    y = np.array([[0.0], [1.0], [0.5]])
    model = nn.MLP([2, 1], hidden="linear", output="linear", engine="value", seed=0)
    seen = []

    def look(step):
        w = model.get_weights()[0][0].copy()
        seen.append((step.number, step.X.tolist(), step.trace is not None, w))

    fit(model, X, y, lr=0.01, steps=5, batch_size=1, trace=True, on_step=look)
    assert [s[1] for s in seen] == [[X[k % 3].tolist()] for k in range(5)]
    assert all(s[2] for s in seen)  # the recorded walk came along
    assert not np.array_equal(seen[0][3], seen[1][3])  # the update ran between two looks


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_predict_is_the_forward_pass_as_an_array_without_a_graph(engine):
    X, _ = data.moons(10, seed=0)
    model = nn.MLP([2, 3, 2], hidden="sigmoid", output="sigmoid", engine=engine, seed=1)
    out = predict(model, X)
    # the same network in numpy: O = σ(W O_prev + b), layer by layer
    o = X
    for W, b in model.get_weights():
        o = 1 / (1 + np.exp(-(o @ W.T + b)))
    np.testing.assert_allclose(out, o, rtol=1e-12)
    np.testing.assert_allclose(predict_fast(model, X), o, rtol=1e-12)
    assert isinstance(out, np.ndarray) and out.shape == (10, 2)
