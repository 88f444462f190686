"""Tensor: every op's gradient against finite differences (and PyTorch when installed)."""

import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, no_grad
from tinygrad_edu.compare import central_difference

RNG = np.random.default_rng(0)
POSITIVE = RNG.uniform(0.5, 2.0, size=(3, 4))
ANY = RNG.normal(size=(3, 4))

# (name, op on Tensors, inputs). Each input gets a gradient check.
UNARY = [
    ("neg", lambda a: -a, ANY),
    ("exp", lambda a: a.exp(), ANY),
    ("log", lambda a: a.log(), POSITIVE),
    ("tanh", lambda a: a.tanh(), ANY),
    ("sigmoid", lambda a: a.sigmoid(), ANY),
    ("relu", lambda a: a.relu(), ANY),
    ("linear", lambda a: a.linear(), ANY),
    ("pow2", lambda a: a**2, ANY),
    ("pow-1.5", lambda a: a**-1.5, POSITIVE),
    ("sum", lambda a: a.sum(), ANY),
    ("sum-axis0", lambda a: a.sum(axis=0), ANY),
    ("sum-axis-1-keepdims", lambda a: a.sum(axis=-1, keepdims=True), ANY),
    ("sum-axes", lambda a: a.sum(axis=(0, 1)), ANY),
    ("mean", lambda a: a.mean(), ANY),
    ("mean-axis1", lambda a: a.mean(axis=1), ANY),
    ("reshape", lambda a: a.reshape(4, 3) * np.arange(12.0).reshape(4, 3), ANY),
    ("reshape-tuple", lambda a: a.reshape((2, 6)), ANY),
    ("transpose", lambda a: a.transpose() * np.arange(12.0).reshape(4, 3), ANY),
    ("T", lambda a: a.T, ANY),
    ("transpose-negative-axes", lambda a: a.reshape(3, 2, 2).transpose(-1, 0, -2), ANY),
    ("getitem-row", lambda a: a[1], ANY),
    ("getitem-slice", lambda a: a[:, 1:3], ANY),
    ("getitem-repeat", lambda a: a[[0, 0, 2]], ANY),
    ("rsub", lambda a: 1 - a, ANY),
    ("rdiv", lambda a: 2 / a, POSITIVE),
    ("number-ops", lambda a: (a * 2 + 1) / 3 - 0.5, ANY),
]
BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("pow", lambda a, b: a**b),
]
# Broadcasting: size-1 axes, prepended axes, a scalar.
SHAPE_PAIRS = [
    ((3, 1), (1, 4)),
    ((4,), (2, 4)),
    ((), (2, 3)),
    ((2, 3), (2, 3)),
    ((2, 1, 3), (4, 1)),
]


def check_gradients(f, *arrays, rtol=1e-6, atol=1e-8):
    """Autograd vs central differences of L = Σ f(x) · r, r a fixed random weighting.

    The random weighting makes the incoming gradient non-uniform, so a wrong transpose or
    axis in a backward rule cannot hide behind a gradient of ones.
    """
    probe = f(*(Tensor(a) for a in arrays))
    weights = np.random.default_rng(1).normal(size=probe.shape)
    leaves = [Tensor(a, requires_grad=True) for a in arrays]
    (f(*leaves) * weights).sum().backward()
    for i, leaf in enumerate(leaves):

        def loss(x, i=i):
            inputs = [Tensor(x) if j == i else Tensor(a) for j, a in enumerate(arrays)]
            return (f(*inputs).data * weights).sum()

        numeric = central_difference(loss, arrays[i])
        np.testing.assert_allclose(leaf.grad, numeric, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name, f, x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradient_matches_finite_differences(name, f, x):
    check_gradients(f, x)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name, f", BINARY, ids=[b[0] for b in BINARY])
def test_broadcast_binary_gradient_matches_finite_differences(name, f, shapes):
    rng = np.random.default_rng(2)
    a, b = (rng.uniform(0.5, 2.0, size=s) for s in shapes)
    check_gradients(f, a, b)


@pytest.mark.parametrize(
    "shapes",
    [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)), ((5, 2, 3), (3, 4))],
    ids=str,
)
def test_matmul_gradient_matches_finite_differences(shapes):
    rng = np.random.default_rng(3)
    a, b = (rng.normal(size=s) for s in shapes)
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)
    check_gradients(lambda x, y: x @ y, a, b)


def test_forward_values_match_numpy():
    x = Tensor(ANY)
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-ANY)), rtol=1e-15)
    np.testing.assert_allclose(x.tanh().data, np.tanh(ANY))
    np.testing.assert_allclose(x.mean(axis=0).data, ANY.mean(axis=0))
    np.testing.assert_array_equal(x[:, 1:3].data, ANY[:, 1:3])
    np.testing.assert_array_equal(x.T.data, ANY.T)


def test_same_expression_through_value_and_tensor_gives_same_gradients():
    def expression(a, b):
        return ((a * b + a / b) ** 2).sigmoid() * (a - 3).tanh() + (b * 0.5).exp().log()

    va, vb = Value(0.8), Value(-1.7)
    expression(va, vb).backward()
    for shape in [(), (1,)]:
        ta = Tensor(np.full(shape, 0.8), requires_grad=True)
        tb = Tensor(np.full(shape, -1.7), requires_grad=True)
        expression(ta, tb).sum().backward()
        assert ta.grad.shape == shape
        assert ta.grad.sum() == pytest.approx(va.grad, rel=1e-12)
        assert tb.grad.sum() == pytest.approx(vb.grad, rel=1e-12)


# --- dtypes ------------------------------------------------------------------------------


def test_float64_by_default_and_ints_become_float64():
    assert Tensor([1.0, 2.0]).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor.zeros(2, 3).shape == (2, 3) and Tensor.ones((2,)).data.sum() == 2


def test_float32_stays_float32_through_every_op_constant_and_gradient():
    a = Tensor(np.ones((2, 3), np.float32) * 0.5, requires_grad=True)
    b = Tensor(np.ones((3,), np.float32), requires_grad=True)
    W = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    y = ((a * 2 + b - 1) / 3) ** 2
    y = (y.exp().log().tanh().sigmoid().relu().linear() @ W).T.reshape(4)[1:].mean()
    assert y.dtype == np.float32
    y.backward()
    for leaf in (a, b, W):
        assert leaf.grad.dtype == np.float32


def test_randn_is_seeded():
    np.testing.assert_array_equal(
        Tensor.randn(3, 2, seed=4).data, Tensor.randn((3, 2), seed=4).data
    )
    assert not np.array_equal(Tensor.randn(3, seed=4).data, Tensor.randn(3, seed=5).data)


# --- requires_grad, accumulation, graph ------------------------------------------------


def test_constants_get_no_gradient_and_no_graph():
    x = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    y.backward()
    assert x.grad is None and w.grad is not None
    z = x * 2
    assert not z.requires_grad and z.parents == ()


def test_node_reuse_accumulates_for_every_shape_of_reuse():
    a = Tensor([1.0, -2.0], requires_grad=True)
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, -4.0])

    x = Tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])

    w = Tensor([0.5], requires_grad=True)  # one weight on two paths
    ((w * 2).tanh() + (w * 3).exp()).sum().backward()
    np.testing.assert_allclose(w.grad, [(1 - np.tanh(1.0) ** 2) * 2 + 3 * np.exp(1.5)])

    p = Tensor([1.5], requires_grad=True)  # a parent with three children
    b = p * 2
    (b * b + b.exp() + b).sum().backward()
    np.testing.assert_allclose(b.grad, [6.0 + np.exp(3.0) + 1])
    np.testing.assert_allclose(p.grad, [2 * (6.0 + np.exp(3.0) + 1)])


def test_second_backward_adds_to_leaves_recomputes_intermediates():
    a = Tensor([2.0, 3.0], requires_grad=True)
    mid = a * a
    y = (mid * 3).sum()
    y.backward()
    first_a, first_mid = a.grad.copy(), mid.grad.copy()
    y.backward()
    np.testing.assert_array_equal(a.grad, 2 * first_a)
    np.testing.assert_array_equal(mid.grad, first_mid)


def test_zero_grad_resets_to_none():
    a = Tensor([2.0], requires_grad=True)
    y = (a * 3).sum()
    y.backward()
    y.zero_grad()
    assert a.grad is None and y.grad is None


def test_leaf_gradient_is_its_own_array():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([1.0, 2.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1  # must not change b.grad
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_backward_with_explicit_grad():
    a = Tensor([1.0, 2.0], requires_grad=True)
    (a * 3).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(a.grad, [3.0, 30.0])


def test_no_grad_records_no_graph():
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = (w * 2).sigmoid()
    assert y.parents == () and not y.requires_grad


def test_detach_numpy_item():
    w = Tensor([[2.5]], requires_grad=True)
    d = (w * 2).detach()
    assert d.parents == () and not d.requires_grad and d.item() == 5.0
    assert isinstance(w.numpy(), np.ndarray)


def test_backward_on_a_100k_op_chain_is_iterative():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad[0] == 1.0


# --- numerics and errors ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_at_extremes(dtype):
    x = Tensor(np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = x.sigmoid()
        s.sum().backward()
    np.testing.assert_allclose(s.data, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-40)
    assert np.all(np.isfinite(x.grad))


def test_log_of_non_positive_follows_numpy():
    with pytest.warns(RuntimeWarning):
        out = Tensor([-1.0, 0.0, 1.0]).log()
    assert np.isnan(out.data[0]) and out.data[1] == -np.inf and out.data[2] == 0.0


def test_backward_on_non_scalar_needs_grad():
    a = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        (a * 2).backward()
    with pytest.raises(ValueError, match=r"\(3,\)"):
        (a * 2).backward(np.ones(3))


def test_backward_without_requires_grad_is_an_error():
    with pytest.raises(ValueError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_matmul_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        Tensor.zeros(2, 3) @ Tensor.zeros(4, 5)
    with pytest.raises(ValueError, match="@"):
        Tensor(1.0) @ Tensor.zeros(2)


def test_shape_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"Tensor \+: shapes \(2, 3\) and \(4,\)"):
        Tensor.zeros(2, 3) + Tensor.zeros(4)
    with pytest.raises(ValueError, match="reshape"):
        Tensor.zeros(2, 3).reshape(4)
    with pytest.raises(ValueError, match="sum"):
        Tensor.zeros(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match="item"):
        Tensor.zeros(2).item()


@pytest.mark.parametrize("bad", ["abc", None, [1, "a"], np.array([1 + 2j]), [[1, 2], [3]]])
def test_bad_data_is_rejected_clearly(bad):
    with pytest.raises((TypeError, ValueError), match="Tensor"):
        Tensor(bad)


def test_mixing_engines_is_a_type_error():
    with pytest.raises(TypeError, match="Value"):
        Tensor([1.0]) + Value(1.0)


# --- PyTorch as an oracle --------------------------------------------------------------

TORCH_CASES = [
    ("sigmoid-matmul", lambda a, b, m: ((a @ m).sigmoid() * b.T[:, :2]).sum()),
    ("tanh-broadcast", lambda a, b, m: (a.tanh() + b.T[0]).mean()),
    ("exp-log-div", lambda a, b, m: ((a.exp() + 1).log() / (b * b + 1).T).sum()),
    ("relu-pow", lambda a, b, m: ((a - 0.1).relu() ** 3).sum() - (b**2).mean()),
    ("reshape-getitem", lambda a, b, m: (a.reshape(4, 3)[1:, :2] * 2).sum()),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, f", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_gradients_match_torch_autograd(name, f):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=(3, 4)), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = f(*ours), f(*theirs)
    out.backward()
    ref.backward()
    assert out.item() == pytest.approx(ref.item(), rel=1e-12)
    for mine, other in zip(ours, theirs):
        if other.grad is None:  # an input the expression does not use
            assert mine.grad is None
        else:
            np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-10, atol=1e-12)


# The unary cases written the same way in both APIs (torch has no .linear(), no .transpose()).
SHARED_API = [u for u in UNARY if u[0].split("-")[0] not in {"linear", "reshape", "transpose"}]


@pytest.mark.torch
@pytest.mark.parametrize("name, f, x", SHARED_API, ids=[u[0] for u in SHARED_API])
def test_every_unary_op_matches_torch(name, f, x):
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = f(ours), f(theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name, f", BINARY, ids=[b[0] for b in BINARY])
def test_every_binary_op_matches_torch(name, f):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a, b = rng.uniform(0.5, 2, size=(3, 1)), rng.uniform(0.5, 2, size=(4,))
    ours = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    f(*ours).sum().backward()
    f(*theirs).sum().backward()
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("x_shape", [(5, 3), (3,)], ids=["batch", "one-sample"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no-bias"])
def test_linear_layer_node_matches_x_times_w_transposed_plus_b(x_shape, dtype, with_bias):
    """nn.Linear's one-node x Wᵀ + b against numpy, and its gradients against finite differences."""
    from tinygrad_edu.tensor import affine

    rng = np.random.default_rng(7)
    x, W, b = rng.normal(size=x_shape), rng.normal(size=(4, 3)), rng.normal(size=4)
    expected = x @ W.T + b if with_bias else x @ W.T
    bias = Tensor(b.astype(dtype)) if with_bias else None
    fused = affine(Tensor(x.astype(dtype)), Tensor(W.astype(dtype)), bias)
    assert fused.op == ("@ᵀ+b" if with_bias else "@ᵀ")
    assert fused.dtype == dtype and fused.shape == expected.shape
    np.testing.assert_allclose(fused.data, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)
    if dtype == np.float64 and with_bias:
        check_gradients(affine, x, W, b)
    elif dtype == np.float64:
        check_gradients(lambda x, W: affine(x, W, None), x, W)
