"""tinygrad_edu.optim: SGD and Adam by hand-computed steps and against torch.optim."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, optim


def param(values, grad=None, dtype=np.float64):
    p = Tensor(np.array(values, dtype=dtype), requires_grad=True)
    p.grad = None if grad is None else np.array(grad, dtype=dtype)
    return p


# --- SGD, by hand ----------------------------------------------------------------------------


def test_sgd_step_is_p_minus_lr_times_grad():
    p = param([1.0, -2.0], grad=[0.5, 0.25])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 0.25])


def test_sgd_momentum_two_steps_by_hand():
    lr, mu = 0.1, 0.9
    g1, g2 = 0.5, -0.3
    p = param([1.0], grad=[g1])
    opt = optim.SGD([p], lr=lr, momentum=mu)
    opt.step()  # b1 = g1 (PyTorch starts the buffer at the first gradient)
    p1 = 1.0 - lr * g1
    np.testing.assert_allclose(p.data, [p1], rtol=1e-15)
    p.grad = np.array([g2])
    opt.step()  # b2 = μ b1 + g2
    b2 = mu * g1 + g2
    np.testing.assert_allclose(p.data, [p1 - lr * b2], rtol=1e-15)


def test_sgd_on_values_uses_the_same_formula():
    w = Value(2.0)
    w.grad = 4.0
    opt = optim.SGD([w], lr=0.25, momentum=0.5)
    opt.step()
    assert w.data == 2.0 - 0.25 * 4.0
    w.grad = 1.0
    opt.step()
    assert w.data == pytest.approx(1.0 - 0.25 * (0.5 * 4.0 + 1.0), abs=1e-15)
    assert isinstance(w.data, float)


def test_sgd_momentum_buffer_does_not_share_memory_with_grad():
    p = param([1.0], grad=[1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    p.grad += 1.0  # gradients accumulate in place; the buffer must keep the old 1.0
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * 1.0 - 0.1 * (0.9 * 1.0 + 2.0)], rtol=1e-15)


# --- Adam, by hand ---------------------------------------------------------------------------


def test_adam_two_steps_by_hand():
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    g1, g2 = 0.5, -2.0
    p = param([1.0], grad=[g1])
    opt = optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    opt.step()
    m1 = (1 - beta1) * g1
    v1 = (1 - beta2) * g1**2
    p1 = 1.0 - lr * (m1 / (1 - beta1)) / (math.sqrt(v1 / (1 - beta2)) + eps)
    np.testing.assert_allclose(p.data, [p1], rtol=1e-14)
    # After one step m̂ = g and v̂ = g², so the step is lr · sign(g) (up to ε).
    assert p1 == pytest.approx(1.0 - lr, rel=1e-7)

    p.grad = np.array([g2])
    opt.step()
    m2 = beta1 * m1 + (1 - beta1) * g2
    v2 = beta2 * v1 + (1 - beta2) * g2**2
    p2 = p1 - lr * (m2 / (1 - beta1**2)) / (math.sqrt(v2 / (1 - beta2**2)) + eps)
    np.testing.assert_allclose(p.data, [p2], rtol=1e-14)


def test_adam_on_values_matches_adam_on_a_tensor():
    grads = [0.3, -1.2, 0.7, 0.05]
    w = Value(0.4)
    p = param([0.4])
    opt_v = optim.Adam([w], lr=0.05)
    opt_t = optim.Adam([p], lr=0.05)
    for g in grads:
        w.grad, p.grad = g, np.array([g])
        opt_v.step()
        opt_t.step()
    assert w.data == pytest.approx(p.data[0], abs=1e-15)
    assert type(w.data) is float  # a Value's data stays a Python float, never a numpy scalar


def test_adam_defaults_are_pytorchs():
    opt = optim.Adam([param([0.0])])
    assert (opt.lr, opt.betas, opt.eps) == (1e-3, (0.9, 0.999), 1e-8)


# --- both optimizers ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), optim.Adam])
def test_a_tensor_without_grad_is_skipped(make):
    with_grad, without = param([1.0], grad=[1.0]), param([5.0])
    make([with_grad, without]).step()
    assert with_grad.data[0] != 1.0
    np.testing.assert_array_equal(without.data, [5.0])


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), optim.Adam])
def test_update_is_in_place_and_keeps_float32(make):
    p = param([1.0, 2.0], grad=[0.5, 0.5], dtype=np.float32)
    array = p.data
    make([p]).step()
    assert p.data is array
    assert p.data.dtype == np.float32
    assert np.all(p.data < [1.0, 2.0])


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1), optim.Adam])
def test_zero_grad_sets_tensor_grads_to_none_and_value_grads_to_zero(make):
    p, w = param([1.0], grad=[3.0]), Value(1.0)
    w.grad = 3.0
    make([p, w]).zero_grad()
    assert p.grad is None
    assert w.grad == 0.0


def test_optimizer_accepts_a_generator_of_parameters():
    ps = [param([1.0], grad=[1.0]), param([2.0], grad=[1.0])]
    opt = optim.SGD((p for p in ps), lr=0.5)
    opt.step()
    assert [p.data[0] for p in ps] == [0.5, 1.5]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_empty_parameter_list_is_an_error(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
@pytest.mark.parametrize("lr", [-0.1, math.nan, math.inf])
def test_negative_or_non_finite_learning_rate_is_an_error(cls, lr):
    with pytest.raises(ValueError, match="lr"):
        cls([param([1.0])], lr=lr)


@pytest.mark.parametrize("lr", ["0.1", None, True])
def test_learning_rate_of_the_wrong_type_is_a_type_error(lr):
    with pytest.raises(TypeError, match="lr"):
        optim.SGD([param([1.0])], lr=lr)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (0.9,), 0.9])
def test_adam_rejects_bad_betas(betas):
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([param([1.0])], betas=betas)


def test_negative_momentum_or_eps_is_an_error():
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD([param([1.0])], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="eps"):
        optim.Adam([param([1.0])], eps=-1e-8)


def test_non_parameters_are_a_type_error():
    with pytest.raises(TypeError, match="Tensors or Values"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="list of parameters"):
        optim.SGD(param([1.0]), lr=0.1)


# --- against torch.optim -------------------------------------------------------------------


def run_both(torch, make_ours, make_torch, steps=6):
    """The same gradient sequence fed to ours and to torch; returns both final parameters."""
    rng = np.random.default_rng(0)
    start = [rng.normal(size=(3, 2)), rng.normal(size=3)]
    ours = [Tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt, topt = make_ours(ours), make_torch(theirs)
    for _ in range(steps):
        for p, tp in zip(ours, theirs):
            g = rng.normal(size=p.shape)
            p.grad, tp.grad = g.copy(), torch.tensor(g.copy())
        opt.step()
        topt.step()
    return [p.data for p in ours], [tp.detach().numpy() for tp in theirs]


@pytest.mark.torch
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("decay", [0.0, 0.03])
def test_sgd_matches_torch_over_several_steps(momentum, decay):
    torch = pytest.importorskip("torch")
    ours, theirs = run_both(
        torch,
        lambda ps: optim.SGD(ps, lr=0.05, momentum=momentum, weight_decay=decay),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum, weight_decay=decay),
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("lr, betas, eps", [(1e-3, (0.9, 0.999), 1e-8), (0.1, (0.5, 0.9), 1e-3)])
def test_adam_matches_torch_over_several_steps(lr, betas, eps):
    torch = pytest.importorskip("torch")
    ours, theirs = run_both(
        torch,
        lambda ps: optim.Adam(ps, lr=lr, betas=betas, eps=eps),
        lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps),
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.torch
def test_adam_skipping_a_parameter_matches_torch_step_counts():
    # A parameter without a gradient is not stepped, and its step count does not advance.
    torch = pytest.importorskip("torch")
    p, tp = (
        Tensor(np.array([1.0]), requires_grad=True),
        torch.tensor([1.0], dtype=torch.float64, requires_grad=True),
    )
    opt, topt = optim.Adam([p], lr=0.1), torch.optim.Adam([tp], lr=0.1)
    for g in [0.5, None, -1.0, None, 2.0]:
        p.grad = None if g is None else np.array([g])
        tp.grad = None if g is None else torch.tensor([g], dtype=torch.float64)
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12)


# --- Value parameters that start receiving gradients late; duplicates ----------------------


def _late_value_run(make_opt, steps=5, late=2):
    """w1 is used from the start, w2 only from step ``late`` on; returns both (Values)."""
    w1, w2 = Value(0.5), Value(-1.5)
    opt = make_opt([w1, w2])
    for step in range(steps):
        opt.zero_grad()
        loss = (w1 - 2.0) * (w1 - 2.0)
        if step >= late:
            loss = loss + (w2 * 3.0 - 1.0) * (w2 * 3.0 - 1.0)
        loss.backward()
        opt.step()
    return w1, w2


def test_value_adam_counts_a_late_parameters_steps_from_its_first_gradient():
    # Adam's first step for a parameter moves it by lr · g / (|g| + ε) (m̂ = g, v̂ = g²),
    # whatever step the optimizer is at: its own step count starts at its first gradient.
    lr, eps = 0.1, 1e-8
    _, w2 = _late_value_run(lambda ps: optim.Adam(ps, lr=lr, eps=eps), steps=3, late=2)
    g = 2 * (3 * -1.5 - 1.0) * 3  # dE/dw2 = 2 (3 w2 − 1) · 3 at w2 = −1.5
    assert w2.data == pytest.approx(-1.5 - lr * g / (abs(g) + eps), rel=1e-14)


@pytest.mark.torch
def test_value_adam_with_a_late_parameter_matches_torch():
    torch = pytest.importorskip("torch")
    w1, w2 = _late_value_run(lambda ps: optim.Adam(ps, lr=0.1), steps=6, late=3)
    t1 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    t2 = torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([t1, t2], lr=0.1)
    for step in range(6):
        topt.zero_grad()
        loss = (t1 - 2.0) ** 2
        if step >= 3:
            loss = loss + (t2 * 3.0 - 1.0) ** 2
        loss.backward()
        topt.step()
    assert (w1.data, w2.data) == pytest.approx((t1.item(), t2.item()), rel=1e-13)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_a_parameter_listed_twice_is_refused(cls):
    w, p = Value(1.0), param([1.0])
    with pytest.raises(ValueError, match="parameter 2 is the same object as parameter 0"):
        cls([w, p, w], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        cls([p, p], lr=0.1)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_params_none_or_a_number_is_a_type_error(cls):
    with pytest.raises(
        TypeError, match=f"{cls.__name__}: params must be a list of parameters, got NoneType"
    ):
        cls(None, lr=0.1)
    with pytest.raises(TypeError, match="got float"):
        cls(1.5, lr=0.1)


@pytest.mark.parametrize("lr", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_a_python_int_beyond_float_range_is_a_value_error(lr):
    with pytest.raises(
        ValueError, match="SGD: lr must be a finite number, got an integer too large for a float"
    ):
        optim.SGD([param([1.0])], lr=lr)
    with pytest.raises(ValueError, match="Adam: eps"):
        optim.Adam([param([1.0])], eps=10**400)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam])
def test_a_gradient_of_another_dtype_is_refused_naming_both(cls):
    p = param([1.0], dtype=np.float32)
    p.grad = np.array([0.5])  # float64
    opt = cls([p], lr=0.1)
    with pytest.raises(ValueError, match="dtype float32 but its gradient has dtype float64"):
        opt.step()
    np.testing.assert_array_equal(p.data, [1.0])


def test_an_exact_zero_gradient_on_a_value_counts_as_none():
    # The value engine cannot tell "not reached" from "reached with exactly 0.0": both skip.
    # (PyTorch steps a parameter whose gradient is a zero tensor, with its momentum.)
    w = Value(1.0)
    opt = optim.Adam([w], lr=0.1)
    w.grad = 2.0
    opt.step()
    after_first = w.data
    assert after_first == pytest.approx(1.0 - 0.1 * 2.0 / (2.0 + 1e-8), rel=1e-14)
    w.grad = 0.0
    opt.step()
    assert w.data == after_first and opt.t == [1]


# --- weight decay (L2): g + λ p before momentum, as torch.optim writes it -------------------


def test_sgd_weight_decay_by_hand_with_momentum():
    lr, mu, lam = 0.1, 0.9, 0.01
    p = param([2.0], grad=[0.5])
    opt = optim.SGD([p], lr=lr, momentum=mu, weight_decay=lam)
    opt.step()
    b1 = 0.5 + lam * 2.0  # the gradient of E + ½ λ p²
    p1 = 2.0 - lr * b1
    np.testing.assert_allclose(p.data, [p1], rtol=1e-15)
    np.testing.assert_array_equal(p.grad, [0.5])  # .grad itself is left alone
    p.grad = np.array([-0.3])
    opt.step()
    b2 = mu * b1 + (-0.3 + lam * p1)
    np.testing.assert_allclose(p.data, [p1 - lr * b2], rtol=1e-15)


def test_sgd_weight_decay_on_a_value_and_a_skipped_parameter():
    w, idle = Value(3.0), Value(5.0)
    w.grad = 1.0  # idle.grad stays 0.0: no gradient reached it, so no decay either
    optim.SGD([w, idle], lr=0.5, weight_decay=0.1).step()
    assert w.data == pytest.approx(3.0 - 0.5 * (1.0 + 0.1 * 3.0), abs=1e-15)
    assert idle.data == 5.0


def test_adam_weight_decay_first_step_by_hand():
    lr, lam = 0.1, 0.5
    p = param([1.0], grad=[0.2])
    optim.Adam([p], lr=lr, weight_decay=lam).step()
    g = 0.2 + lam * 1.0
    m, v = 0.1 * g, 0.001 * g * g
    expected = 1.0 - lr / 0.1 * m / (math.sqrt(v) / math.sqrt(0.001) + 1e-8)
    np.testing.assert_allclose(p.data, [expected], rtol=1e-14)


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf, "0.1", True])
def test_weight_decay_must_be_a_finite_number_at_least_zero(bad):
    for make in (optim.SGD, optim.Adam):
        with pytest.raises((TypeError, ValueError), match="weight_decay"):
            make([param([1.0])], lr=0.1, weight_decay=bad)


@pytest.mark.torch
def test_adam_weight_decay_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = run_both(
        torch,
        lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.2),
        lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.2),
    )
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
