"""Issue 11, engine level: gradients at the edges, aliasing, and inputs refused in words.

Every expected value is written out here from the derivative's definition (exact numbers that
need no torch); the tests marked ``torch`` check the same cases against PyTorch's autograd.
The rows of docs/numerics.md and docs/errors.md name these tests.
"""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value

INF, NAN = math.inf, math.nan


# --- 1. a derivative that is a switch selects: a dead relu unit passes back exactly 0 ---------

# f(relu(x)) at x = [-1, 0, 4]: the first two units are dead (relu′ = 0 there), so their
# gradient is 0 whatever f′ is at 0 (inf for √ and log, -inf for 1/r). The live unit: r = 4,
# (√r)′ = 1 / (2 √4) = 1/4, (ln r)′ = 1/4, (1/r)′ = -1/16.
AFTER_RELU = {
    "sqrt": (lambda r: r**0.5, [0.0, 0.0, 0.25]),
    "log": (lambda r: r.log(), [0.0, 0.0, 0.25]),
    "reciprocal": (lambda r: 1 / r, [0.0, 0.0, -1 / 16]),
}


@pytest.mark.parametrize("name", list(AFTER_RELU))
def test_dead_relu_unit_passes_back_exactly_zero_on_the_tensor_engine(name):
    f, expected = AFTER_RELU[name]
    x = Tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # f(0) itself is ±inf: NumPy's way
        f(x.relu()).sum().backward()
    np.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("upstream", [INF, -INF, NAN])
def test_dead_relu_unit_blocks_inf_and_nan_on_both_engines(upstream):
    # d/dx [relu(x) · c] = c · relu′(x): 0 at a dead unit, even for c = inf or NaN
    x = Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    with np.errstate(invalid="ignore"):  # the forward 0 · inf is NaN: NumPy's way
        (x.relu() * upstream).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, upstream])
    for start, expected in [(-2.0, 0.0), (0.0, 0.0), (3.0, upstream)]:
        v = Value(start)
        (v.relu() * Value(upstream)).backward()
        assert v.grad == expected or (math.isnan(expected) and math.isnan(v.grad))


def test_dead_relu_unit_blocks_an_overflowed_gradient_on_the_value_engine():
    # relu(x) · 1e200 · 1e200: d/d relu = 1e400 = inf in floats; relu′(-1) = 0 must win
    v, big = Value(-1.0), Value(1e200)
    (v.relu() * big * big).backward()
    assert v.grad == 0.0
    traced = Value(-1.0)
    (traced.relu() * Value(1e200) * Value(1e200)).backward(trace=True)
    assert traced.grad == 0.0  # the traced walk makes the same choice


def test_relu_of_nan_keeps_the_gradient_as_pytorch_does():
    # torch.relu's backward zeroes where the input is <= 0; NaN <= 0 is False
    x = Tensor([NAN, 1.0], requires_grad=True)
    (x.relu() * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    v = Value(NAN)
    (v.relu() * 2.0).backward()
    assert v.grad == 2.0


@pytest.mark.torch
@pytest.mark.parametrize("name", list(AFTER_RELU))
def test_dead_relu_unit_matches_torch(name):
    torch = pytest.importorskip("torch")
    f, _ = AFTER_RELU[name]
    theirs = torch.tensor([-1.0, 0.0, 4.0, NAN], dtype=torch.float64, requires_grad=True)
    f(theirs.relu()).sum().backward()
    ours = Tensor([-1.0, 0.0, 4.0, NAN], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        f(ours.relu()).sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


# --- 2. ** at base 0 ----------------------------------------------------------------------

BASES = [0.0, -0.0, 5e-324, 2.0, -3.0]


def test_power_zero_has_derivative_zero_everywhere_on_both_engines():
    # a ** 0 = 1 for every a (0 ** 0 too): a constant, so d/da = 0 exactly, even where the
    # formula n a^(n-1) is 0 · inf (a = 0) or overflows (a = 5e-324)
    x = Tensor(BASES, requires_grad=True)
    y = x**0
    y.sum().backward()
    np.testing.assert_array_equal(y.data, np.ones(5))
    np.testing.assert_array_equal(x.grad, np.zeros(5))
    for a in BASES:
        v = Value(a)
        w = v**0
        w.backward()
        assert (w.data, v.grad) == (1.0, 0.0)
    v = Value(0.0)
    (v**0 * Value(INF)).backward()  # and an infinite gradient from above stays out
    assert v.grad == 0.0


def test_value_keeps_a_value_error_for_a_truly_infinite_derivative():
    # √a at 0: d/da = 1 / (2 √0) = inf; 0 ** -1 is itself infinite
    for n in (0.5, 0.25, -1.0):
        with pytest.raises(ValueError, match=rf"Value \*\*: 0 \*\* {n} has no finite derivative"):
            Value(0.0) ** n
    v = Value(0.0)
    (v**1).backward()  # n = 1: 1 · 0^0 = 1
    assert v.grad == 1.0
    v = Value(0.0)
    (v**2.5).backward()  # 2.5 · 0^1.5 = 0
    assert v.grad == 0.0


# d(a^b)/da = b a^(b-1) and d(a^b)/db = a^b ln a at a = 0, written out case by case:
# b = 0: a^0 = 1 is constant in a → 0; 0^b is 0 for b > 0 and 1 for b = 0, constant in b → 0;
# b = 1: 1 · 0^0 = 1; b = -1: -1 · 0^(-2) = -inf, and for b: 0^(-1) ln 0 = inf · (-inf) = -inf;
# a = 2, b = 0.5: 0.5 / √2 and √2 ln 2; a = -2, b = 0: 0 for a, and 1 · ln(-2) = NaN for b.
POW_A = [0.0, 0.0, 0.0, 2.0, -2.0]
POW_B = [0.0, 1.0, -1.0, 0.5, 0.0]
POW_DA = [0.0, 1.0, -INF, 0.5 / math.sqrt(2.0), 0.0]
POW_DB = [0.0, 0.0, -INF, math.sqrt(2.0) * math.log(2.0), NAN]


def test_tensor_exponent_at_base_zero_gives_the_agreed_derivatives():
    a, b = Tensor(POW_A, requires_grad=True), Tensor(POW_B, requires_grad=True)
    with np.errstate(divide="ignore"):  # the forward 0 ** -1 = inf: NumPy's warning
        (a**b).sum().backward()
    np.testing.assert_allclose(a.grad, POW_DA, rtol=1e-15)
    np.testing.assert_allclose(b.grad, POW_DB, rtol=1e-15)


@pytest.mark.torch
def test_power_at_base_zero_matches_torch():
    torch = pytest.importorskip("torch")
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (POW_A, POW_B)]
    (theirs[0] ** theirs[1]).sum().backward()
    ours = [Tensor(POW_A, requires_grad=True), Tensor(POW_B, requires_grad=True)]
    with np.errstate(divide="ignore"):
        (ours[0] ** ours[1]).sum().backward()
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-15)
    # A Python-number exponent, bases including 0 (not -0.0: torch's 0.5 · (-0.0)^(-0.5) is
    # -inf, NumPy's +inf, as IEEE's pow(-0, -0.5))
    bases = [b for b in BASES if math.copysign(1.0, b) > 0 or b != 0]
    for n in (0, 0.0, 0.5, 1, 2, -1):
        theirs_x = torch.tensor(bases, dtype=torch.float64, requires_grad=True)
        (theirs_x**n).sum().backward()
        x = Tensor(bases, requires_grad=True)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            (x**n).sum().backward()
        np.testing.assert_allclose(x.grad, theirs_x.grad.numpy(), rtol=1e-15)


# --- 11. Python ints beyond float range are refused in words -----------------------------

HUGE = 10**400  # 1329 bits; floats stop near 1.8e308 (2**1024 = 1025 bits)


@pytest.mark.parametrize(
    "make, what",
    [
        (lambda: Value(HUGE), "Value"),
        (lambda: Value(1.0) + HUGE, r"Value \+"),
        (lambda: HUGE * Value(1.0), r"Value \*"),
        (lambda: Value(2.0) ** HUGE, r"Value \*\* exponent"),
        (lambda: Tensor([1.0]) ** HUGE, r"Tensor \*\* exponent"),
        (lambda: Tensor([1.0]) + HUGE, r"Tensor \+"),
        (lambda: HUGE - Tensor([1.0]), "Tensor -"),
    ],
    ids=["Value", "v+", "*v", "v**", "t**", "t+", "-t"],
)
def test_integers_beyond_float_range_are_a_value_error_naming_the_op(make, what):
    with pytest.raises(
        ValueError,
        match=rf"^{what} must be a finite number, got an integer too large for a float \(1329 bits",
    ):
        make()
    assert float(2**1023) == 2.0**1023  # the largest power of two that still fits works
    assert Value(2**1023).data == 2.0**1023 and (Tensor([1.0]) * 2**1023).data[0] == 2.0**1023


# --- 3. two leaves never share one .grad array --------------------------------------------


def assert_own_arrays(*leaves: Tensor) -> None:
    for i, a in enumerate(leaves):
        for b in leaves[i + 1 :]:
            assert not np.shares_memory(a.grad, b.grad)


def test_leaves_of_a_sum_get_their_own_gradient_arrays():
    from tinygrad_edu import mse_loss

    rng = np.random.default_rng(0)
    X, t = rng.normal(size=(4, 3)), rng.normal(size=4)
    w_base = Tensor(rng.normal(size=3), requires_grad=True)
    w_delta = Tensor(rng.normal(size=3), requires_grad=True)
    mse_loss(X @ (w_base + w_delta), t).backward()
    # E = (1/N) Σ (X w − t)², dE/dw = (2/N) Xᵀ (X w − t) for w = w_base + w_delta, for each
    expected = 2 / 4 * X.T @ (X @ (w_base.data + w_delta.data) - t)
    np.testing.assert_allclose(w_base.grad, expected, rtol=1e-12)
    np.testing.assert_allclose(w_delta.grad, expected, rtol=1e-12)
    assert_own_arrays(w_base, w_delta)
    w_delta.grad += 1  # changes w_delta's gradient only
    np.testing.assert_allclose(w_base.grad, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "combine, b_shape",
    [
        (lambda a, b: a.reshape(6) + b.reshape(6), (6,)),
        (lambda a, b: a.T + b.reshape(3, 2), (6,)),
        (lambda a, b: (a.linear() + b).transpose(1, 0), (2, 3)),
    ],
    ids=["reshape", "transpose", "linear-add-transpose"],
)
def test_leaves_get_their_own_arrays_through_reshape_and_transpose(combine, b_shape):
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = Tensor(np.ones(b_shape), requires_grad=True)
    weights = np.arange(1.0, 7.0)  # d Σ w · out / d out = w: a gradient that is not all ones
    out = combine(a, b)
    (out * weights.reshape(out.shape)).sum().backward()
    assert_own_arrays(a, b)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    before = a.grad.copy()
    b.grad += 100.0
    np.testing.assert_array_equal(a.grad, before)


def test_the_fused_linear_node_gives_its_bias_its_own_array():
    from tinygrad_edu import nn

    layer = nn.Linear(2, 3, seed=0)
    c = Tensor(np.zeros(3), requires_grad=True)
    x = Tensor([1.0, -2.0], requires_grad=True)
    w = np.array([1.0, 2.0, 3.0])
    ((layer(x) + c) * w).sum().backward()  # one sample: ∂E/∂b is the node's own gradient g
    np.testing.assert_array_equal(layer.bias.grad, w)  # d Σ w · (net + c) / d b = w
    np.testing.assert_array_equal(c.grad, w)
    np.testing.assert_allclose(x.grad, w @ layer.weight.data, rtol=1e-15)  # Σ_j w_j W_ji
    assert_own_arrays(layer.bias, c, x, layer.weight)
    c.grad[0] = 7.0
    assert layer.bias.grad[0] == 1.0 and x.grad.shape == (2,)


def test_a_leaf_fed_an_array_its_loss_keeps_gets_a_writable_copy_of_its_own():
    # The half-sum loss hands out O − t itself (read-only, kept for a second backward); the
    # walk's fast path keeps a gradient as it is only if it is new and writable
    from tinygrad_edu import mse_loss

    O = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    t = np.array([[1.0, 1.0], [0.0, 0.0]])
    loss = mse_loss(O, t, reduction="half_sum")
    loss.backward()
    np.testing.assert_array_equal(O.grad, O.data - t)  # ∂(½ Σ (O − t)²)/∂O = O − t
    assert O.grad.flags.writeable
    O.grad += 10.0  # the user's array: changing it leaves the loss node's O − t alone
    O.grad = None
    loss.backward()
    np.testing.assert_array_equal(O.grad, O.data - t)


def test_a_layer_checked_once_gives_its_leaves_own_gradients_summed_where_shared():
    # affine checks its dtypes when it runs (own_grads) and the walk then keeps its gradients
    # unchecked: they must still be new, writable arrays of their own, added where a weight
    # is used twice. Expected: the notes' rules written out, ∂E/∂W = Σ_layers δᵀ O_prev,
    # ∂E/∂b = Σ δ over samples and layers, ∂E/∂x = δ₁ W, for E = Σ C ⊙ net₂.
    from tinygrad_edu.tensor import affine

    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        X, W0, b0, C = (rng.normal(size=s).astype(dtype) for s in [(5, 3), (3, 3), 3, (5, 3)])
        x = Tensor(X, requires_grad=True)
        W, b = Tensor(W0, requires_grad=True), Tensor(b0, requires_grad=True)
        h = affine(x, W, b)
        assert h.own_grads
        (affine(h, W, b) * Tensor(C)).sum().backward()
        H = X @ W0.T + b0
        delta1 = C @ W0  # δ of the first layer's net: g W of the second
        np.testing.assert_allclose(W.grad, C.T @ H + delta1.T @ X, rtol=1e-5)
        np.testing.assert_allclose(b.grad, C.sum(axis=0) + delta1.sum(axis=0), rtol=1e-5)
        np.testing.assert_allclose(x.grad, delta1 @ W0, rtol=1e-5)
        assert W.grad.dtype == b.grad.dtype == x.grad.dtype == dtype
        assert W.grad.flags.writeable and b.grad.flags.writeable and x.grad.flags.writeable
        assert_own_arrays(W, b, x)


def test_a_layer_of_mixed_dtypes_is_checked_at_every_push():
    # float64 inputs into a float32 layer: net is float64, so the layer's gradients for W and
    # b come out float64; the walk casts them to the leaves' float32 (no own_grads here)
    from tinygrad_edu.tensor import affine

    x = Tensor(np.array([[1.0, 2.0], [3.0, -1.0]]))
    W = Tensor(np.array([[0.5, -0.25]], dtype=np.float32), requires_grad=True)
    b = Tensor(np.array([0.125], dtype=np.float32), requires_grad=True)
    net = affine(x, W, b)
    assert net.dtype == np.float64 and not net.own_grads
    net.sum().backward()
    assert W.grad.dtype == b.grad.dtype == np.float32
    np.testing.assert_array_equal(W.grad, [[4.0, 1.0]])  # Σ_samples x: 1+3, 2−1
    np.testing.assert_array_equal(b.grad, [2.0])  # two samples


def test_an_op_nodes_first_gradient_in_another_dtype_is_cast_to_the_nodes_dtype():
    # A user's op whose gradient function returns float64 for a float32 parent: the walk's
    # fast path for an op node's first gradient keeps only a gradient of the node's dtype
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    h = x * 3.0  # an op node, float32
    y = Tensor.from_op(h.data * 2, (h,), "double", lambda g: (g * 2).astype(np.float64))
    y.backward(np.ones(2, dtype=np.float32))
    assert h.grad.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])  # d(2 · 3x)/dx = 6


# --- 5. indexing a Tensor with a Tensor ----------------------------------------------------


def test_indexing_with_a_tensor_is_a_type_error():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for index in [Tensor([1.0, 0.0]), Tensor([True, False]), (Tensor([0.0]), 0), Value(1.0)]:
        with pytest.raises(TypeError, match=r"Tensor\[\.\.\.\]: cannot index with a Tensor"):
            t[index]
    # NumPy's own indexes keep working: a bool mask picks rows, its gradient lands on them
    picked = t[np.array([False, True])]
    np.testing.assert_array_equal(picked.data, [[3.0, 4.0]])
    picked.sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(IndexError):  # a float array: NumPy refuses it, so do we
        t[np.array([1.0])]


# --- 6. the engine's dtypes: floats only where gradients live ------------------------------


@pytest.mark.parametrize("make", [Tensor.randn, Tensor.zeros, Tensor.ones])
@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8, bool, object, np.complex128])
def test_new_tensors_refuse_a_dtype_that_is_not_float(make, dtype):
    name = np.dtype(dtype).name
    with pytest.raises(ValueError, match=rf"dtype must be a float dtype .*got {name}$"):
        make(3, dtype=dtype)
    with pytest.raises(TypeError, match="'abc' is not a NumPy dtype"):
        make(3, dtype="abc")
    for ok in (np.float16, np.float32, np.float64, float):
        assert make(2, dtype=ok).dtype == np.dtype(ok)


def test_randn_draws_the_same_numbers_in_every_float_dtype():
    # float64 draws cast to the dtype: float32 samples are the float64 ones rounded
    rng = np.random.default_rng(7)
    expected = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(Tensor.randn(2, 3, seed=7).data, expected)
    np.testing.assert_array_equal(
        Tensor.randn(2, 3, dtype=np.float32, seed=7).data, expected.astype(np.float32)
    )


@pytest.mark.parametrize(
    "data", [np.array([1, 2]), [1, 2], 3, np.array([True, False]), np.array([1], np.uint8)]
)
def test_requires_grad_on_integer_data_is_refused_naming_the_dtype(data):
    dtype = np.array(data).dtype
    with pytest.raises(
        ValueError, match=rf"requires_grad=True needs float data, got dtype {dtype}"
    ):
        Tensor(data, requires_grad=True)
    assert Tensor(data).dtype == np.float64  # as an input it is still converted


# --- 12 (engine part). shapes too large, repeated axes, labels that are not strings ---------


def test_a_shape_too_large_to_allocate_is_a_value_error():
    for make in (Tensor.zeros, Tensor.ones, Tensor.randn):
        with pytest.raises(ValueError, match=r"cannot make an array of shape \(10{20},\)"):
            make(10**20)
    with pytest.raises(ValueError, match=r"cannot make an array of shape \(10{10}, 10{10}\)"):
        Tensor.zeros(10**10, 10**10)


def test_sum_over_a_repeated_axis_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match=r"Tensor.sum: axis \(0, 0\) for shape \(2, 3\): dup"):
        Tensor.zeros(2, 3).sum(axis=(0, 0))
    assert Tensor.ones(2, 3).sum(axis=(0, 1)).item() == 6.0  # distinct axes are fine


@pytest.mark.parametrize("label", [3, None, b"w", ("w",)])
def test_a_label_that_is_not_a_string_is_refused_at_construction(label):
    kind = type(label).__name__
    with pytest.raises(TypeError, match=rf"^Value: label must be a string, got {kind}"):
        Value(1.0, label=label)
    with pytest.raises(TypeError, match=rf"^Tensor: label must be a string, got {kind}"):
        Tensor([1.0], label=label)
    assert Value(1.0, label="w1").label == "w1" and Tensor([1.0], label="W").label == "W"


# --- 9. the engines agree: no_grad, and NaN into log ---------------------------------------


def test_value_backward_on_a_graph_built_inside_no_grad_is_an_error_as_for_a_tensor():
    from tinygrad_edu import no_grad

    a, t = Value(2.0), Tensor([2.0], requires_grad=True)
    with no_grad():
        v, y = a * a, (t * t).sum()
    with pytest.raises(ValueError, match=r"Value.backward: this value \(op '\*'\) was computed "):
        v.backward()
    with pytest.raises(ValueError, match=r"Tensor\.backward: this tensor does not require grad"):
        y.backward()
    assert a.grad == 0.0  # nothing was silently "computed"
    leaf = Value(3.0)
    leaf.backward()  # a leaf alone is fine: d leaf / d leaf = 1
    assert leaf.grad == 1.0
    (a * a).backward()  # and outside no_grad the graph is walked: d a² / da = 2a
    assert a.grad == 4.0


def test_value_log_of_nan_goes_on_as_nan_as_the_docs_say():
    v = Value(NAN)
    y = v.log()
    y.backward()
    assert math.isnan(y.data) and math.isnan(v.grad)  # 1 / NaN
    assert np.isnan(Tensor([NAN]).log().data[0])  # the Tensor engine: the same
    for bad in (0.0, -1.0, -INF):  # the domain error stays an error
        with pytest.raises(ValueError, match="log is defined for positive numbers only"):
            Value(bad).log()


# --- 10. empty and 0-d data follow NumPy --------------------------------------------------


def test_mean_of_nothing_is_nan_with_numpys_warning():
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"), np.errstate(invalid="ignore"):
        expected = np.zeros(0).mean()  # NumPy's own answer (and warning) is the reference
    assert math.isnan(expected)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert math.isnan(Tensor.zeros(0).mean().item())
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        m = x.mean(axis=0)
    assert np.isnan(m.data).all() and m.shape == (3,)
    m.sum().backward()  # an empty gradient, without a second warning
    assert x.grad.shape == (0, 3)
    assert Tensor.zeros(3, 0).mean(axis=0).shape == (0,)  # no elements out: nothing to warn


def test_bool_of_a_tensor_follows_numpy():
    assert bool(Tensor([2.0])) is True and bool(Tensor(0.0)) is False
    assert bool(Tensor([[0.0]])) is False
    with pytest.raises(ValueError, match=r"Tensor of shape \(2,\): The truth value of an array"):
        bool(Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"Tensor of shape \(0,\): The truth value of an empty"):
        bool(Tensor.zeros(0))


def test_the_gradient_of_a_0d_leaf_is_a_0d_ndarray():
    x = Tensor(3.0, requires_grad=True)
    (x * x).backward()  # d x² / dx = 2x = 6
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad == 6.0
    (x * x + x).backward()  # accumulates: 6 + (2x + 1) = 13, still a 0-d array
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad == 13.0
    x.grad[()] = 0.0  # writable, as the user's own array


# --- 15. value.sum_values keeps a bounded cache --------------------------------------------


def test_sum_values_keeps_a_bounded_number_of_cached_tuples():
    from tinygrad_edu import value

    value._ones.cache_clear()
    for n in range(1, 1001):  # 1,000 distinct lengths
        total = value.sum_values([1.0] * n)
        assert total.data == n and total.local == (1.0,) * n
    assert value._ones.cache_info().currsize <= 256
    leaves = [Value(float(i)) for i in range(300)]
    total = value.sum_values(leaves)
    total.backward()
    assert all(leaf.grad == 1.0 for leaf in leaves)  # d Σ / d term = 1 for every term
