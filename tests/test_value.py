"""Value: every op's forward against math, its gradient against finite differences."""

import math
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, nn, no_grad
from tinygrad_edu.compare import central_difference
from tinygrad_edu.value import affine, sum_values

# (name, expression on Values, the same expression on floats via math, inputs in its domain)
UNARY = [
    ("neg", lambda a: -a, lambda a: -a, [0.7, -1.3]),
    ("exp", lambda a: a.exp(), math.exp, [0.7, -1.3]),
    ("log", lambda a: a.log(), math.log, [0.7, 2.5]),
    ("tanh", lambda a: a.tanh(), math.tanh, [0.7, -1.3]),
    ("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + math.exp(-a)), [0.7, -1.3]),
    ("relu", lambda a: a.relu(), lambda a: max(a, 0.0), [0.7, -1.3]),
    ("linear", lambda a: a.linear(), lambda a: a, [0.7, -1.3]),
    ("pow3", lambda a: a**3, lambda a: a**3, [0.7, -1.3]),
    ("pow-half", lambda a: a**-0.5, lambda a: a**-0.5, [0.7, 2.5]),
]
BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
]
WITH_NUMBERS = [
    ("radd", lambda a: 2 + a, lambda a: 2 + a),
    ("rsub", lambda a: 1 - a, lambda a: 1 - a),
    ("rmul", lambda a: 2 * a, lambda a: 2 * a),
    ("rdiv", lambda a: 3 / a, lambda a: 3 / a),
    ("add-number", lambda a: a + 2, lambda a: a + 2),
    ("sub-number", lambda a: a - 1, lambda a: a - 1),
    ("div-number", lambda a: a / 3, lambda a: a / 3),
]


def value_grad(f, *xs):
    """Autograd gradient of f at xs, through Value."""
    leaves = [Value(x) for x in xs]
    f(*leaves).backward()
    return np.array([leaf.grad for leaf in leaves])


def numeric_grad(f, *xs):
    """Central-difference gradient of f at xs, through Value's forward only."""
    return central_difference(lambda v: f(*(Value(x) for x in v)).data, np.array(xs))


@pytest.mark.parametrize("name, f, reference, points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_matches_math(name, f, reference, points):
    for x in points:
        assert f(Value(x)).data == pytest.approx(reference(x), rel=1e-15, abs=1e-15)


@pytest.mark.parametrize("name, f, reference, points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradient_matches_finite_differences(name, f, reference, points):
    for x in points:
        np.testing.assert_allclose(value_grad(f, x), numeric_grad(f, x), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name, f", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradient_matches_finite_differences(name, f):
    for a, b in [(0.7, -1.3), (2.0, 0.5), (-3.0, 4.0)]:
        assert f(Value(a), Value(b)).data == pytest.approx(f(a, b), rel=1e-15)
        np.testing.assert_allclose(value_grad(f, a, b), numeric_grad(f, a, b), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name, f, reference", WITH_NUMBERS, ids=[w[0] for w in WITH_NUMBERS])
def test_python_numbers_on_either_side(name, f, reference):
    out = f(Value(0.7))
    assert isinstance(out, Value)
    assert out.data == pytest.approx(reference(0.7), rel=1e-15)
    np.testing.assert_allclose(value_grad(f, 0.7), numeric_grad(f, 0.7), rtol=1e-7)


def test_numpy_scalars_defer_to_value():
    out = np.float64(2.0) * Value(3.0)
    assert isinstance(out, Value) and out.data == 6.0


def test_relu_gradient_at_zero_is_zero_as_pytorch():
    a = Value(0.0)
    a.relu().backward()
    assert a.grad == 0.0


def test_graph_records_parents_op_and_label():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    assert c.parents == (a, b) and c.op == "*" and c.label == ""
    assert a.parents == () and a.op == "" and a.label == "a"
    assert (a + 1).parents[0] is a


def test_repr_is_readable():
    text = repr(Value(2.5, label="w1") * 2)
    assert text.startswith("Value(data=5") and "op='*'" in text
    assert "label='w1'" in repr(Value(2.5, label="w1"))


# --- accumulation: every shape of reuse ------------------------------------------------


def test_node_times_itself_gets_both_contributions():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # d(a²)/da = 2a


def test_node_plus_itself_gets_both_contributions():
    x = Value(3.0)
    (x + x).backward()
    assert x.grad == 2.0


def test_weight_shared_by_two_paths():
    w, x1, x2 = Value(0.5), Value(2.0), Value(-3.0)
    y = (w * x1).tanh() + (w * x2).sigmoid()
    y.backward()
    t1, s2 = math.tanh(0.5 * 2.0), 1 / (1 + math.exp(1.5))
    assert w.grad == pytest.approx((1 - t1**2) * 2.0 + s2 * (1 - s2) * -3.0, rel=1e-14)


def test_parent_with_several_children_and_a_diamond():
    a = Value(1.5)
    b = a * 2  # b feeds three children
    y = b * b + b.exp() + b
    y.backward()
    expected_b = 2 * 3.0 + math.exp(3.0) + 1
    assert b.grad == pytest.approx(expected_b, rel=1e-14)
    assert a.grad == pytest.approx(2 * expected_b, rel=1e-14)


def test_second_backward_adds_the_same_gradient_to_leaves_only():
    a, b = Value(2.0), Value(-1.0)
    mid = a * b
    y = mid * mid + a
    y.backward()
    first = (a.grad, b.grad, mid.grad)
    y.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert mid.grad == first[2]  # an intermediate is recomputed, not double counted
    assert y.grad == 1.0


def test_every_node_keeps_its_gradient_after_backward():
    a, b = Value(2.0), Value(3.0)
    s = a + b
    y = s * s
    y.backward()
    assert (y.grad, s.grad, a.grad, b.grad) == (1.0, 10.0, 10.0, 10.0)


def test_zero_grad_resets_whole_graph_or_one_leaf():
    a, b = Value(2.0), Value(3.0)
    y = a * b
    y.backward()
    a.zero_grad()
    assert a.grad == 0.0 and b.grad == 2.0
    y.zero_grad()
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)


def test_no_grad_records_no_graph():
    a = Value(2.0)
    with no_grad():
        y = (a * 3).tanh()
    assert y.parents == () and y.data == pytest.approx(math.tanh(6.0))
    assert (a * 3).parents != ()  # recording is back on after the block


def test_backward_on_a_million_node_chain_is_iterative():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


# --- numerics and errors ---------------------------------------------------------------


@pytest.mark.parametrize("x", [100.0, -100.0, 1e4, -1e4, 710.0, -745.0])
def test_sigmoid_is_stable_at_extremes(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = Value(x)
        s = a.sigmoid()
        s.backward()
    assert 0.0 <= s.data <= 1.0 and math.isfinite(a.grad)
    assert s.data == pytest.approx(1.0 if x > 0 else 0.0, abs=1e-40)


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive_raises_value_error(x):
    with pytest.raises(ValueError, match="log"):
        Value(x).log()


def test_exp_overflow_raises_value_error():
    with pytest.raises(ValueError, match="exp"):
        Value(1000.0).exp()


def test_domain_errors_of_division_and_power():
    with pytest.raises(ValueError, match="division by zero"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match=r"0 \*\*"):
        Value(0.0) ** -1


@pytest.mark.parametrize("bad", ["2", None, [1.0], 1 + 2j, True])
def test_non_numbers_raise_type_error(bad):
    with pytest.raises(TypeError, match="Value"):
        Value(bad)
    with pytest.raises(TypeError, match="Value"):
        Value(1.0) + bad


def test_value_exponent_is_a_type_error():
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(3.0)


# --- sum_values: a neuron's net = Σ w x + b as one node --------------------------------


def test_sum_values_is_one_node_with_a_parent_per_term():
    a, b, c = Value(1.5), Value(-2.0), Value(0.25)
    total = sum_values([a * b, c, 3])  # a number becomes a constant leaf
    assert total.op == "+" and len(total.parents) == 3
    assert total.parents[0].op == "*" and total.parents[1] is c
    assert total.parents[2].op == "" and total.parents[2].data == 3.0
    assert total.data == 1.5 * -2.0 + 0.25 + 3


def test_sum_values_gradient_matches_finite_differences_and_the_binary_chain():
    def f(x, y, z):
        return sum_values([x * y, y, z.tanh(), x])

    point = (0.7, -1.3, 0.4)
    np.testing.assert_allclose(value_grad(f, *point), numeric_grad(f, *point), rtol=1e-7)
    # the same numbers as the same sum written with binary "+"
    np.testing.assert_allclose(
        value_grad(f, *point), value_grad(lambda x, y, z: x * y + y + z.tanh() + x, *point)
    )


def test_sum_values_term_used_twice_gets_both_contributions():
    x = Value(2.0)
    sum_values([x, x, x * 3]).backward()
    assert x.grad == 5.0  # d(x + x + 3x)/dx


def test_sum_values_is_exactly_rounded():
    # 1e16 + 1 − 1e16 is 0 in float arithmetic left to right, 1 exactly; fsum gives 1
    assert sum_values([1e16, 1.0, -1e16]).data == 1.0


@pytest.mark.parametrize(
    "terms, expected",
    [
        ([1e308, 1e308], math.inf),  # math.fsum raises OverflowError here
        ([-1e308, -1e308, 1.0], -math.inf),
        ([math.inf, -math.inf], math.nan),  # math.fsum raises ValueError here
        ([math.inf, 1e308, 1e308], math.inf),
        ([math.nan, 1.0], math.nan),
    ],
)
def test_sums_that_are_not_finite_give_inf_or_nan_as_float_sums_do(terms, expected):
    # as the float sum, the Tensor engine and docs/numerics.md: no exception
    with np.errstate(all="ignore"):
        tensor_sum = Tensor(terms).sum().item()
    ones = [1.0] * len(terms)
    for net in (sum_values(terms), affine(ones, terms), affine(ones[1:], terms[1:], terms[0])):
        np.testing.assert_array_equal([net.data, net.data], [expected, tensor_sum])
    w = [Value(2.0), Value(3.0)]
    net = affine(terms[:2], w, 1.0)  # and the gradient is unchanged: ∂net/∂w = x
    net.backward()
    np.testing.assert_array_equal([v.grad for v in w], terms[:2])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, from the Tensor engine
@pytest.mark.parametrize("x", [[1e308, 1e308], [math.inf, -math.inf]])
def test_a_value_mlp_on_huge_inputs_gives_what_the_tensor_engine_gives(x):
    outputs = [
        nn.MLP([2, 2, 1], engine=engine, seed=0).predict(np.array([x]))
        for engine in ("value", "tensor")
    ]
    np.testing.assert_array_equal(np.asarray(outputs[0], float), np.asarray(outputs[1], float))


def test_sum_values_of_nothing_or_of_a_non_number_is_refused():
    with pytest.raises(ValueError, match="sum_values: needs at least one term"):
        sum_values([])
    with pytest.raises(TypeError, match="sum_values: unsupported operand of type str"):
        sum_values([Value(1.0), "2"])


# --- affine: a neuron's net = Σ w x + b as one node, the notes' rules as its derivatives --


def test_affine_is_one_node_whose_derivatives_are_the_notes_rules():
    w = [Value(0.5), Value(-2.0), Value(1.5)]
    x = [Value(0.25), Value(3.0), Value(-1.0)]
    b = Value(0.125)
    net = affine(x, w, b)
    assert net.op == "w·x+b" and net.parents == (w[0], x[0], w[1], x[1], w[2], x[2], b)
    assert net.data == 0.5 * 0.25 + -2.0 * 3.0 + 1.5 * -1.0 + 0.125  # exact in binary
    net.backward()
    # ∂net/∂w_i = x_i, ∂net/∂x_i = w_i, ∂net/∂b = 1, written out
    assert [v.grad for v in w] == [0.25, 3.0, -1.0]
    assert [v.grad for v in x] == [0.5, -2.0, 1.5]
    assert b.grad == 1.0
    assert affine(x[:2], w[:2]).op == "w·x"  # without a bias


def test_affine_gradient_matches_finite_differences_and_the_products_and_sum():
    def f(w1, w2, x1, x2, b):
        return affine([x1, x2], [w1, w2], b).tanh()

    point = (0.7, -1.3, 0.4, 2.0, -0.2)
    np.testing.assert_allclose(value_grad(f, *point), numeric_grad(f, *point), rtol=1e-7)
    np.testing.assert_allclose(  # the same net as micrograd builds it: two "*" and a "+"
        value_grad(f, *point),
        value_grad(lambda w1, w2, x1, x2, b: (w1 * x1 + w2 * x2 + b).tanh(), *point),
    )


def test_affine_input_used_twice_and_number_inputs():
    x, w1, w2 = Value(2.0), Value(3.0), Value(-0.5)
    affine([x, x], [w1, w2]).backward()
    assert x.grad == 3.0 - 0.5  # d(w1 x + w2 x)/dx
    net = affine([1.5, -2], [w1, 4], 0.5)  # numbers become constant leaves
    assert [p.data for p in net.parents] == [3.0, 1.5, 4.0, -2.0, 0.5]
    assert net.data == 3.0 * 1.5 + 4 * -2.0 + 0.5


def test_affine_is_exactly_rounded_and_builds_no_graph_under_no_grad():
    ones = [Value(1.0), Value(1.0), Value(1.0)]
    # 1e16 + 1 − 1e16 left to right is 0; exactly it is 1
    assert affine(ones, [Value(1e16), Value(1.0), Value(-1e16)]).data == 1.0
    with no_grad():
        assert affine(ones, ones, Value(1.0)).parents == ()


def test_affine_with_mismatched_or_no_terms_is_refused():
    with pytest.raises(ValueError, match="Value affine: 2 weights for 3 inputs"):
        affine([1.0, 2.0, 3.0], [Value(1.0), Value(2.0)])
    with pytest.raises(ValueError, match="Value affine: needs at least one weight or a bias"):
        affine([], [])
    with pytest.raises(TypeError, match="Value affine: unsupported operand of type str"):
        affine(["1"], [Value(1.0)])
