"""Numerical edge cases: saturation, overflow, float32 end to end, learning rates, relu at 0.

The expected behaviour of each case is written down in docs/numerics.md; every number a test
expects comes from a formula written out here (or from PyTorch in the tests marked torch).
"""

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, detect_anomaly, graph, mse_loss, nn, optim
from tinygrad_edu.anomaly import AnomalyError

EXTREMES = [-1e4, -100.0, 100.0, 1e4]


def reference_sigmoid(x: float) -> float:
    """1 / (1 + e^(−x)) written as e^x / (1 + e^x) for x < 0, so math.exp never overflows."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


# --- saturation: sigmoid and tanh at ±100 and ±1e4 ---------------------------------------


@pytest.mark.filterwarnings("error")  # an overflow warning would fail the test
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_tensor_saturation_gives_finite_outputs_and_gradients(op, dtype):
    x = Tensor(np.array(EXTREMES, dtype=dtype), requires_grad=True)
    y = getattr(x, op)()
    mse_loss(y, np.zeros(4, dtype), "half_sum").backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad))
    f = reference_sigmoid if op == "sigmoid" else math.tanh
    expected = np.array([f(v) for v in EXTREMES])
    eps = np.finfo(dtype).eps
    # tanh to an ulp. sigmoid is ½ tanh(½ x) + ½: to an ulp of 1 (absolute), so where the
    # exact value is below eps (at -100 it is 3.7e-44) the result may be 0 instead.
    atol = eps if op == "sigmoid" else np.finfo(dtype).tiny * eps  # (the smallest subnormal)
    np.testing.assert_allclose(y.data, expected, rtol=eps, atol=atol)
    # the limits themselves, exactly: 0 and 1 for sigmoid, ±1 for tanh at ±1e4
    low, high = (0.0, 1.0) if op == "sigmoid" else (-1.0, 1.0)
    assert (y.data[0], y.data[-1]) == (low, high)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_tensor_sigmoid_is_within_an_ulp_of_one_of_the_exact_value_everywhere(dtype):
    xs = [*EXTREMES, *np.linspace(-40.0, 40.0, 801).tolist()]
    x = Tensor(np.array(xs, dtype=dtype), requires_grad=True)
    y = x.sigmoid()
    # the exact value of the rounded input, computed in float64 by the two-branch formula
    expected = np.array([reference_sigmoid(float(v)) for v in x.data])
    assert np.max(np.abs(y.data - expected)) <= np.finfo(dtype).eps
    assert np.all((y.data >= 0.0) & (y.data <= 1.0))
    y.sum().backward()  # σ′ = σ (1 − σ), written with the output: within [0, ¼]
    assert np.all((x.grad >= 0.0) & (x.grad <= 0.25))


@pytest.mark.parametrize("x", [-30.0, -1.0, 0.0, 2.5, 40.0])
def test_sigmoid_of_a_0d_tensor_gives_the_formulas_value_and_derivative(x):
    # a 0-d net makes NumPy scalars inside the activation, which cannot be written into; σ′
    # written out as σ (1 − σ)
    net = Tensor(x, requires_grad=True)
    out = net.sigmoid()
    out.backward()
    s = reference_sigmoid(x)
    assert out.shape == () and net.grad.shape == ()
    ulp_of_one = 2.0**-52  # the tanh form's accuracy (docs/numerics.md)
    assert out.item() == pytest.approx(s, rel=1e-15, abs=ulp_of_one)
    assert net.grad.item() == pytest.approx(s * (1 - s), rel=1e-14, abs=2 * ulp_of_one)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("value", [0.5, 1.0, 1e-3, 0.1])
def test_a_constant_like_an_array_computes_exactly_what_the_python_number_does(value, dtype):
    from tinygrad_edu import ops

    x = np.random.default_rng(0).normal(size=(5, 3)).astype(dtype)
    c = ops.like(value, x)
    assert c.dtype == dtype and c.shape == () and not c.flags.writeable
    for got, expected in [(x * c, x * value), (c - x, value - x), (x + c, x + value)]:
        assert got.dtype == expected.dtype == dtype
        np.testing.assert_array_equal(got, expected)
    assert ops.like(value, x) is c  # made once per dtype and value


def test_a_constant_like_anything_but_a_float_array_is_the_number_itself():
    from tinygrad_edu import ops

    ints = np.arange(4)
    assert ops.like(0.5, ints) == 0.5 and type(ops.like(0.5, ints)) is float
    np.testing.assert_array_equal(ints * ops.like(0.5, ints), [0.0, 0.5, 1.0, 1.5])
    assert ops.like(0.5, 2.0) == 0.5 and ops.like(0.5, [1.0]) == 0.5


def test_constants_for_many_learning_rates_are_not_kept_without_bound():
    from tinygrad_edu import ops

    x = np.ones(2, dtype=np.float32)
    for k in range(1000):  # a schedule that changes lr at every step
        assert ops.like(1.0 / (k + 1), x) == np.float32(1.0 / (k + 1))
    assert len(ops._CONSTANTS[x.dtype]) <= 65


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sgd_step_in_a_low_precision_dtype_is_p_minus_lr_times_g_in_that_dtype(dtype):
    rng = np.random.default_rng(1)
    p0 = rng.normal(size=(4, 3)).astype(dtype)
    g = rng.normal(size=(4, 3)).astype(dtype)
    p = Tensor(p0.copy(), requires_grad=True)
    p.grad = g.copy()
    optim.SGD([p], lr=1e-3).step()
    lr = dtype(1e-3)  # lr rounded to the parameter's dtype, then one product and one difference
    assert p.data.dtype == dtype
    np.testing.assert_array_equal(p.data, p0 - (lr * g).astype(dtype))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_value_saturation_gives_finite_outputs_and_gradients(op):
    f = reference_sigmoid if op == "sigmoid" else math.tanh
    for x in EXTREMES:
        leaf = Value(x)
        out = getattr(leaf, op)()
        out.backward()
        assert out.data == pytest.approx(f(x), rel=1e-15, abs=1e-300)
        assert math.isfinite(leaf.grad) and 0.0 <= leaf.grad <= 1e-40  # f′ vanishes


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_saturation_matches_torch(op, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([*EXTREMES, -30.0, -3.0, 0.5, 30.0], dtype=dtype)
    tiny = np.finfo(dtype).tiny  # torch flushes subnormal results (float32 sigmoid(-100)) to 0
    if op == "sigmoid":  # ½ tanh(½ x) + ½ is accurate to an ulp of 1 (docs/numerics.md)
        tiny = np.finfo(dtype).eps
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    getattr(ours, op)().sum().backward()
    getattr(theirs, op)().sum().backward()
    np.testing.assert_allclose(
        getattr(ours, op)().data, getattr(theirs, op)().detach().numpy(), rtol=1e-6, atol=tiny
    )
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-5, atol=tiny)


# --- exp overflow: numpy's convention for Tensor, a clear error for Value -----------------


@pytest.mark.parametrize(
    "dtype, x", [(np.float64, 1000.0), (np.float32, 100.0)], ids=["float64", "float32"]
)
def test_tensor_exp_overflow_gives_inf_and_a_runtime_warning(dtype, x):
    t = Tensor(np.array([1.0, x], dtype=dtype), requires_grad=True)
    with pytest.warns(RuntimeWarning, match="overflow encountered in exp"):
        y = t.exp()
    assert y.data[0] == pytest.approx(math.e) and y.data[1] == np.inf
    y.sum().backward()
    assert t.grad[1] == np.inf  # (e^x)′ = e^x overflows too


def test_value_exp_overflow_is_a_value_error():
    assert Value(709.0).exp().data == pytest.approx(math.exp(709.0))  # the largest that fits
    with pytest.raises(ValueError, match=r"Value exp: exp\(710.0\) overflows a float"):
        Value(710.0).exp()


def test_value_power_overflow_is_a_value_error():
    with pytest.raises(
        ValueError, match=r"Value \*\*: 1e\+200 \*\* 2.0 or its derivative overflows"
    ):
        Value(1e200) ** 2


def test_value_products_overflow_to_inf_as_python_floats_do():
    assert (Value(1e200) * 1e200).data == math.inf  # float * float gives inf, no error


def test_value_division_by_a_tiny_number_gives_an_infinite_gradient_not_a_crash():
    b = Value(1e-200)
    q = Value(1.0) / b
    q.backward()
    assert q.data == pytest.approx(1e200) and b.grad == -math.inf  # −1/b² overflows


def exact_quotient_slope(a: float, b: float) -> float:
    """∂(a/b)/∂b = −a/b², computed in exact fractions and rounded once."""
    return float(-Fraction(a) / (Fraction(b) * Fraction(b)))


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("a, b", [(1e-200, 1e-200), (1e200, 1e200), (3e-160, -7e-170)])
def test_the_derivative_of_a_quotient_stays_finite_where_it_is(engine, a, b):
    # b · b under- or overflows (1e-400, 1e400); the derivative −a/b² does not
    if engine == "tensor":
        ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        (ta / tb).backward()
        grad_a, grad_b = ta.grad, tb.grad
    else:
        va, vb = Value(a), Value(b)
        (va / vb).backward()
        grad_a, grad_b = va.grad, vb.grad
    assert grad_b == pytest.approx(exact_quotient_slope(a, b), rel=1e-15, abs=0)
    assert grad_a == pytest.approx(float(1 / Fraction(b)), rel=1e-15, abs=0)


def test_the_derivative_of_a_float32_quotient_is_exact_to_rounding():
    # b² = 1e-44 is a float32 subnormal with 3 significant bits: b · b was 2 % off
    a = b = np.float32(1e-22)
    tb = Tensor(b, requires_grad=True)
    (Tensor(a) / tb).backward()
    expected = exact_quotient_slope(float(a), float(b))  # −1e22
    assert tb.grad.dtype == np.float32
    assert abs(float(tb.grad) - expected) <= abs(expected) * 2.0**-23  # within float32 rounding


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_x_over_x_has_exactly_zero_gradient(engine):
    xs = [3.0, 7.0, 0.1, 1e-300, 1e300, -2.5e-300]  # (1/x of a subnormal x is inf)
    if engine == "tensor":
        x = Tensor(xs, requires_grad=True)
        (x / x).sum().backward()
        assert np.array_equal(x.grad, np.zeros(len(xs)))
    else:
        for v in xs:
            leaf = Value(v)
            (leaf / leaf).backward()
            assert leaf.grad == 0.0, v


@pytest.mark.torch
@pytest.mark.parametrize(
    "a, b, dtype",
    [
        (1e-200, 1e-200, np.float64),
        (1e200, 1e200, np.float64),
        (5e-200, 1e-160, np.float64),
        (1e-22, 1e-22, np.float32),
        (5e-20, 1e-20, np.float32),
        (2.0, 3.0, np.float32),
    ],
)
def test_the_derivative_of_a_quotient_matches_torch(a, b, dtype):
    torch = pytest.importorskip("torch")
    ours = [Tensor(np.array([x, 1.5], dtype=dtype), requires_grad=True) for x in (a, b)]
    theirs = [torch.tensor(t.data, requires_grad=True) for t in ours]
    (ours[0] / ours[1]).sum().backward()
    (theirs[0] / theirs[1]).sum().backward()
    for mine, other in zip(ours, theirs):
        assert np.all(np.isfinite(mine.grad))
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-15)


def exact_power_slope(a: float, n: float) -> float:
    """n a^(n−1) in 50-digit decimals (Decimal's ** is correctly rounded), rounded once."""
    with localcontext() as context:
        context.prec = 50
        return float(Decimal(n) * Decimal(a) ** (Decimal(n) - 1))


@pytest.mark.filterwarnings("error")  # no overflow warning either
@pytest.mark.parametrize("engine", ["value", "tensor", "tensor-exponent"])
@pytest.mark.parametrize("a, n", [(1e-306, -0.01), (1e-320, 1e-20), (5e-324, 1e-20)])
def test_the_derivative_of_a_power_stays_finite_where_it_is(engine, a, n):
    # a^(n−1) overflows (1e309, 1e320, 2e323) where n a^(n−1) does not
    if engine == "value":
        leaf = Value(a)
        (leaf**n).backward()
        grad = leaf.grad
    else:
        x = Tensor([a, 2.0], requires_grad=True)
        (x ** (n if engine == "tensor" else Tensor([n, n]))).sum().backward()
        grad = x.grad[0]
    assert grad == pytest.approx(exact_power_slope(a, n), rel=1e-14, abs=0)


def test_the_derivative_of_a_float32_power_stays_finite_where_it_is():
    x = Tensor(np.array([1e-44], np.float32), requires_grad=True)  # a subnormal
    (x**1e-6).sum().backward()  # 1e-6 · x^(−0.999999) ≈ 1e38 < 3.4e38
    expected = exact_power_slope(float(x.data[0]), 1e-6)
    assert x.grad.dtype == np.float32
    assert abs(float(x.grad[0]) - expected) <= abs(expected) * 2.0**-22


def test_tensor_log_at_zero_and_below_follows_numpy():
    with pytest.warns(RuntimeWarning):
        out = Tensor([0.0, -1.0]).log()
    assert out.data[0] == -np.inf and np.isnan(out.data[1])


# --- float32 end to end -------------------------------------------------------------------

F32_OPS = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a**b),
    ("matmul", lambda a, b: a @ b.T),
    ("neg", lambda a, b: -a),
    ("exp", lambda a, b: a.exp()),
    ("log", lambda a, b: a.log()),
    ("tanh", lambda a, b: a.tanh()),
    ("sigmoid", lambda a, b: a.sigmoid()),
    ("relu", lambda a, b: (a - 1).relu()),
    ("linear", lambda a, b: a.linear()),
    ("sum", lambda a, b: a.sum(axis=0)),
    ("mean", lambda a, b: a.mean()),
    ("reshape", lambda a, b: a.reshape(3, 2)),
    ("transpose", lambda a, b: a.T),
    ("getitem", lambda a, b: a[1:, [0, 0]]),
    ("number+", lambda a, b: 1 + a + 2.5),
    ("number-", lambda a, b: 1 - a - 2.5),
    ("number*", lambda a, b: 3 * a * 0.1),
    ("number/", lambda a, b: 2 / a / 7),
    ("number**", lambda a, b: a**2 + a**0.5 + a**-1),
    ("numpy-scalar", lambda a, b: np.float64(2.0) * a + np.float64(0.5)),
    ("mse-mean", lambda a, b: mse_loss(a, b.data)),
    ("mse-sum", lambda a, b: mse_loss(a, b, "sum")),
    ("mse-half_sum", lambda a, b: mse_loss(a, b.data, "half_sum")),
]


@pytest.mark.parametrize("f", [op[1] for op in F32_OPS], ids=[op[0] for op in F32_OPS])
def test_float32_stays_float32_through_every_op_and_gradient(f):
    rng = np.random.default_rng(0)
    a = Tensor(rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32), requires_grad=True)
    out = f(a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    for node in graph.topological_order(out):  # every node of the graph, leaves included
        assert node.data.dtype == np.float32, node.op
        assert node.grad is None or node.grad.dtype == np.float32, node.op


@pytest.mark.parametrize("Optimizer", [optim.SGD, optim.Adam])
def test_float32_mlp_training_step_stays_float32(Optimizer):
    model = nn.MLP([2, 4, 1], hidden="tanh", seed=0, dtype=np.float32)
    opt = Optimizer(model.parameters(), lr=0.1)
    x = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    t = np.array([[1.0], [0.0]], dtype=np.float32)
    before = [p.data.copy() for p in model.parameters()]
    for _ in range(2):
        opt.zero_grad()
        loss = mse_loss(model(x), t)
        assert loss.dtype == np.float32
        loss.backward()
        opt.step()
    for p, old in zip(model.parameters(), before):
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
        assert not np.array_equal(p.data, old)  # it did train


# --- very large and very small learning rates ---------------------------------------------


def quadratic_step(Optimizer, lr, w0=0.5, target=3.0, **kwargs):
    """One step on E = ½ (w − target)²: returns (w before, gradient, w after)."""
    w = Tensor([w0], requires_grad=True)
    opt = Optimizer([w], lr=lr, **kwargs)
    mse_loss(w, np.array([target]), "half_sum").backward()
    grad = w.grad.copy()
    opt.step()
    return w0, grad[0], w.data[0]


@pytest.mark.parametrize("lr", [1e-30, 1e-300, 5e-324, 0.0], ids=str)
@pytest.mark.parametrize("Optimizer", [optim.SGD, optim.Adam])
def test_tiny_learning_rate_leaves_weights_finite_and_unchanged(Optimizer, lr):
    w0, grad, w1 = quadratic_step(Optimizer, lr)
    assert grad == 0.5 - 3.0  # ∂E/∂w = w − t
    # lr · (step of size ≤ |g|) is far below half an ulp of w0 = 0.5, so w is unchanged
    assert w1 == w0


@pytest.mark.parametrize("lr", [1e3, 1e150], ids=str)
def test_huge_sgd_learning_rate_takes_the_exact_step(lr):
    w0, grad, w1 = quadratic_step(optim.SGD, lr)
    assert w1 == w0 - lr * grad  # p ← p − lr · g, still finite


def test_huge_adam_learning_rate_moves_each_weight_by_about_lr():
    # Adam's first step is lr · g / (|g| + ε): at most lr, whatever the gradient's size.
    w0, grad, w1 = quadratic_step(optim.Adam, 1e6)
    assert w1 == pytest.approx(w0 - 1e6 * grad / (abs(grad) + 1e-8), rel=1e-12)


def test_divergence_with_a_huge_learning_rate_is_silent_by_default_and_named_in_anomaly_mode():
    def train(steps: int) -> Tensor:
        w = Tensor([0.5], requires_grad=True, label="w")
        opt = optim.SGD([w], lr=1e3)
        for _ in range(steps):
            opt.zero_grad()
            mse_loss(w, np.array([3.0]), "half_sum").backward()
            opt.step()
        return w

    # w − 3 grows by a factor 999 per step: |w| ~ 1e150 after 50 steps, its square overflows
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(train(120).data[0])
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"op 'mse' .* produced inf"):
        train(120)


# --- relu at 0: the documented choice (0, as PyTorch) --------------------------------------


def test_relu_gradient_at_zero_is_zero_on_both_engines():
    points = [-1.0, -0.0, 0.0, 1e-300, 1.0]
    expected = [0.0, 0.0, 0.0, 1.0, 1.0]  # relu′(x) = 1 for x > 0, else 0 (0 at x = 0)
    x = Tensor(points, requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, expected)
    for point, slope in zip(points, expected):
        v = Value(point)
        v.relu().backward()
        assert v.grad == slope


@pytest.mark.torch
def test_relu_gradient_at_zero_matches_torch():
    torch = pytest.importorskip("torch")
    points = np.array([-1.0, -0.0, 0.0, 1e-300, 1.0])
    theirs = torch.tensor(points, requires_grad=True)
    theirs.relu().sum().backward()
    ours = Tensor(points, requires_grad=True)
    ours.relu().sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
