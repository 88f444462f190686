"""tinygrad_edu.compare: the three-way report, gradcheck, and central differences."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, mse_loss, nn
from tinygrad_edu.compare import (
    CompareReport,
    CompareRow,
    GradcheckError,
    central_difference,
    compare,
    gradcheck,
)

ARCHITECTURES = [
    # (sizes, hidden, output, bias)
    ([2, 3, 1], "sigmoid", "linear", True),
    ([3, 4, 2], "sigmoid", "sigmoid", True),
    ([2, 4, 3, 2], "tanh", "linear", False),
    ([3, 2], "tanh", "sigmoid", True),
]


def data(sizes, n, seed=0):
    rng = np.random.default_rng(seed)
    shape = (sizes[0],) if n is None else (n, sizes[0])
    out = (sizes[-1],) if n is None else (n, sizes[-1])
    return rng.normal(size=shape), rng.uniform(size=out)


# --- central_difference -------------------------------------------------------------------


def test_central_difference_of_a_known_function_and_input_left_unchanged():
    x = np.array([[0.5, -1.0], [2.0, 0.3]])
    before = x.copy()
    grad = central_difference(lambda a: np.sum(np.sin(a) * a), x)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), atol=1e-8)
    np.testing.assert_array_equal(x, before)


# --- compare --------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [None, 4])
@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("sizes, hidden, output, bias", ARCHITECTURES)
def test_compare_is_ok_on_correct_models(sizes, hidden, output, bias, engine, n):
    model = nn.MLP(sizes, hidden, output, bias, engine=engine, seed=1)
    x, t = data(sizes, n)
    report = compare(model, x, t)
    assert isinstance(report, CompareReport)
    assert report.ok
    assert len(report.rows) == len(model.parameters())
    assert report.samples == (1 if n is None else n)
    for row in report.rows:
        assert row.ok and row.max_abs_error < 1e-6
        assert row.autograd.shape == row.rules.shape == row.finite_difference.shape


def test_compare_rows_hold_the_gradients_of_the_half_sum_error():
    model = nn.MLP([2, 3, 1], seed=2)
    x, t = data([2, 3, 1], 5, seed=3)
    report = compare(model, x, t)
    loss = mse_loss(model(Tensor(x)), t, reduction="half_sum")
    loss.backward()
    assert report.loss == pytest.approx(loss.item(), rel=1e-14)
    for (name, param), row in zip(model.named_parameters(), report.rows):
        assert row.name == name
        np.testing.assert_allclose(row.autograd, param.grad, rtol=1e-14)


def test_value_engine_rows_are_one_per_weight_named_like_the_notes():
    model = nn.MLP([2, 3, 1], engine="value", seed=4)
    report = compare(model, *data([2, 3, 1], 3))
    assert [row.name for row in report.rows] == [name for name, _ in model.named_parameters()]
    assert report["w1_21"].autograd.shape == ()
    # w1_21 is W[1, 0] of layer 1 in the get_weights() layout; the tensor engine agrees
    tensor_model = nn.MLP([2, 3, 1], seed=0)
    tensor_model.set_weights(model.get_weights())
    tensor_report = compare(tensor_model, *data([2, 3, 1], 3))
    assert report["w1_21"].autograd == pytest.approx(
        tensor_report["layers.0.weight"].autograd[1, 0], rel=1e-12
    )


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_str_is_a_table_naming_every_parameter(engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=5)
    text = str(compare(model, *data([2, 3, 1], 2)))
    for name, _ in model.named_parameters():
        assert name in text
    assert "autograd" in text and "δ rules" in text and "finite diff." in text
    assert "E = ½ Σ (O − t)²" in text and "all agree" in text and "FAIL" not in text


def test_table_summarises_large_parameters_and_can_show_everything():
    model = nn.MLP([3, 4, 1], seed=6)
    report = compare(model, *data([3, 4, 1], 2))
    assert "… 8 more entries of layers.0.weight" in str(report)
    full = report.table(max_entries=None)
    assert "layers.0.weight[3, 2]" in full and "more entries" not in full


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_compare_leaves_weights_and_gradients_as_they_were(engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=7)
    x, t = data([2, 3, 1], 3)
    if engine == "value":
        loss = mse_loss(model(x[0].tolist()), t[0].tolist(), "sum")
    else:
        loss = mse_loss(model(x[0]), t[0], "sum")
    loss.backward()  # some gradient the user has accumulated
    weights = model.get_weights()
    grads = [np.array(p.grad, copy=True) for p in model.parameters()]
    compare(model, x, t)
    for (W, b), (W_after, b_after) in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(W, W_after)
        np.testing.assert_array_equal(b, b_after)
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_array_equal(p.grad, g)


def test_compare_detects_a_wrong_autograd_derivative(monkeypatch):
    def sigmoid_with_wrong_derivative(self):
        s = 1 / (1 + np.exp(-self.data))
        # wrong on purpose: σ′ is s (1 − s), not s
        return Tensor.from_op(s, (self,), "sigmoid", lambda g: g * s)

    monkeypatch.setattr(Tensor, "sigmoid", sigmoid_with_wrong_derivative)
    model = nn.MLP([2, 3, 1], hidden="sigmoid", output="linear", seed=8)
    report = compare(model, *data([2, 3, 1], 4))
    assert not report.ok
    assert not report["layers.0.weight"].ok and not report["layers.0.bias"].ok
    assert report["layers.1.bias"].ok  # the output bias does not pass through a sigmoid′
    assert "FAIL" in str(report) and "MISMATCH" in str(report)


def test_zero_tolerance_flags_the_finite_difference_noise():
    model = nn.MLP([2, 3, 1], seed=9)
    report = compare(model, *data([2, 3, 1], 3), atol=0.0, rtol=0.0)
    assert not report.ok
    assert all(0 < row.max_abs_error < 1e-8 for row in report.rows)


def test_compare_works_for_a_float32_model_with_its_own_defaults():
    model = nn.MLP([2, 3, 1], hidden="tanh", seed=10, dtype=np.float32)
    report = compare(model, *data([2, 3, 1], 4))
    assert report.ok and report.atol == 1e-3
    assert report["layers.0.weight"].max_abs_error > 1e-8  # float32 noise, yet within 1e-3


def test_compare_accepts_tensors_for_x_and_t():
    model = nn.MLP([2, 3, 1], seed=11)
    x, t = data([2, 3, 1], 3)
    assert compare(model, Tensor(x), Tensor(t)).ok


@pytest.mark.parametrize(
    "x_shape, t_shape, match",
    [
        ((3, 2), (3,), r"t has shape \(3,\).*\(3, 1\)"),
        ((3, 2), (3, 2), r"t has shape \(3, 2\)"),
        ((2,), (1, 1), r"t has shape \(1, 1\)"),
        ((3, 5), (3, 1), r"x must have shape \(2,\) or \(N, 2\)"),
    ],
)
def test_compare_rejects_mismatched_shapes(x_shape, t_shape, match):
    model = nn.MLP([2, 3, 1], seed=12)
    with pytest.raises(ValueError, match=match):
        compare(model, np.zeros(x_shape), np.zeros(t_shape))


def test_compare_needs_a_model():
    with pytest.raises(TypeError, match=r"compare: model must be an nn\.MLP"):
        compare(lambda x: x, np.zeros(2), np.zeros(1))


def test_report_lookup_of_an_unknown_name_is_a_key_error():
    report = compare(nn.MLP([2, 1], seed=13), np.zeros(2), np.zeros(1))
    with pytest.raises(KeyError, match="no parameter named 'W9'"):
        report["W9"]


# --- gradcheck -----------------------------------------------------------------------------


def tensors(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [
        Tensor(rng.normal(size=s), requires_grad=True, label=f"in{k}") for k, s in enumerate(shapes)
    ]


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: (a @ b).tanh().sum(), [(3, 4), (4, 2)]),
        (lambda a, b: (a @ b).sigmoid(), [(3, 4), (4, 2)]),  # a matrix output
        (lambda a, b: a * b + a / (b * b + 1.0), [(2, 3), (3,)]),  # broadcasting
        (lambda a: (a.exp() + 1.0).log().mean(), [(5,)]),
        (lambda a, b: mse_loss(a.sigmoid(), b, reduction="half_sum"), [(4, 2), (4, 2)]),
        (lambda a: a.T.reshape(6)[1:4] ** 2, [(2, 3)]),
    ],
)
def test_gradcheck_passes_correct_tensor_functions(fn, shapes):
    assert gradcheck(fn, tensors(*shapes)) is True


def test_gradcheck_passes_correct_value_functions_and_lists_of_values():
    a, b = Value(0.3, label="a"), Value(-1.2, label="b")
    assert gradcheck(lambda a, b: (a * b).tanh() + a**2 / b, [a, b])
    assert gradcheck(lambda a, b: [(a * b).sigmoid(), a - b, (a + 2.0).log()], (a, b))
    assert gradcheck(lambda a: a.exp(), a)  # a single input need not be in a list


def test_gradcheck_passes_an_mlp_forward_on_its_weights():
    model = nn.MLP([3, 4, 2], hidden="tanh", seed=1)
    x = np.random.default_rng(2).normal(size=(5, 3))
    assert gradcheck(lambda *params: model(x), model.parameters())


def square_with_wrong_value_derivative(a):
    # d(a²)/da is 2a; this node claims a
    return Value.from_op(a.data**2, (a,), "square", (a.data,))


def square_with_one_wrong_tensor_entry(a):
    def grad_fn(g):
        grad = g * 2 * a.data
        grad[1, 2] *= 1.5  # one wrong entry of the Jacobian
        return grad

    return Tensor.from_op(a.data**2, (a,), "square", grad_fn)


def test_gradcheck_raises_on_a_wrong_value_derivative_naming_the_input():
    a = Value(0.7, label="a")
    with pytest.raises(
        GradcheckError, match=r"input 0 \(Value 'a'\): autograd 2\.1, finite difference 4\.2"
    ):
        gradcheck(lambda a: square_with_wrong_value_derivative(a) * 3.0, [a])
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_names_the_worst_tensor_element():
    good, bad = tensors((2, 2), (2, 3))
    with pytest.raises(
        GradcheckError, match=r"input 1 \(Tensor 'in1' of shape \(2, 3\)\), element \(1, 2\)"
    ):
        gradcheck(lambda g, b: g.sum() + square_with_one_wrong_tensor_entry(b).sum(), [good, bad])


def test_gradcheck_returns_false_instead_of_raising_when_asked():
    (a,) = tensors((2, 3))
    assert gradcheck(square_with_one_wrong_tensor_entry, [a], raise_exception=False) is False
    v = Value(2.0)
    assert gradcheck(square_with_wrong_value_derivative, v, raise_exception=False) is False


def test_gradcheck_leaves_inputs_data_and_grads_as_they_were():
    a, b = tensors((2, 2), (2, 2))
    a.grad = np.full((2, 2), 7.0)
    data_a, data_b = a.data.copy(), b.data
    v = Value(1.5)
    v.grad = 3.0
    gradcheck(lambda a, b: (a * b).sum(), [a, b])
    gradcheck(lambda v: v * v, [v])
    np.testing.assert_array_equal(a.data, data_a)
    assert b.data is data_b
    np.testing.assert_array_equal(a.grad, np.full((2, 2), 7.0))
    assert b.grad is None and v.grad == 3.0 and v.data == 1.5


def test_gradcheck_holds_tensors_without_requires_grad_fixed():
    (a,) = tensors((3,))
    c = Tensor([1.0, 2.0, 3.0])
    assert gradcheck(lambda a, c: (a * c).sum(), [a, c])


def test_gradcheck_accepts_an_output_that_does_not_depend_on_the_input():
    (a,) = tensors((3,))
    assert gradcheck(lambda a: Tensor([1.0, 2.0]), [a])


def test_gradcheck_tolerance_arguments_are_used():
    (a,) = tensors((3,))
    # finite differences are never exact, so zero tolerance must fail
    assert not gradcheck(lambda a: (a.exp()).sum(), [a], atol=0.0, rtol=0.0, raise_exception=False)


@pytest.mark.parametrize(
    "inputs, error, match",
    [
        ([Tensor([1.0, 2.0])], ValueError, "no input requires grad"),
        ([Tensor(np.ones(2, dtype=np.float32), requires_grad=True)], ValueError, "float64"),
        ([np.ones(2)], TypeError, "input 0 is a ndarray"),
        (np.ones(2), TypeError, "inputs must be a Tensor, a Value or a sequence"),
    ],
)
def test_gradcheck_rejects_bad_inputs(inputs, error, match):
    with pytest.raises(error, match=match):
        gradcheck(lambda a: a, inputs)


def test_gradcheck_rejects_a_function_returning_a_number_and_bad_eps():
    (a,) = tensors((2,))
    with pytest.raises(TypeError, match="fn must return a Value, a Tensor or a list of Values"):
        gradcheck(lambda a: 1.0, [a])
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        gradcheck(lambda a: a.sum(), [a], eps=0.0)


@pytest.mark.torch
def test_gradcheck_agrees_with_torch_gradcheck_on_the_same_function():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    ours = gradcheck(
        lambda a, b: (a @ b).tanh() * 2.0,
        [Tensor(A, requires_grad=True), Tensor(B, requires_grad=True)],
    )
    theirs = torch.autograd.gradcheck(
        lambda a, b: torch.tanh(a @ b) * 2.0,
        (torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)),
    )
    assert ours is True and theirs is True


def test_summary_counts_weights_and_biases_the_same_on_both_engines():
    # [2, 3, 1]: 2·3 + 3 in layer 1 and 3·1 + 1 in layer 2 make 13 numbers, which the value
    # engine holds as 13 parameters and the tensor engine as 4 arrays.
    counts = []
    for engine in ("tensor", "value"):
        model = nn.MLP([2, 3, 1], engine=engine, seed=5)
        last = str(compare(model, *data([2, 3, 1], 2))).splitlines()[-1]
        counts.append(last)
    assert counts == ["13 weights and biases compared, all agree"] * 2


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"eps": 0}, ValueError, "compare: eps must be a finite number > 0, got 0"),
        ({"eps": -1e-6}, ValueError, "compare: eps must be a finite number > 0"),
        ({"atol": "a"}, TypeError, "compare: atol must be a number, got str 'a'"),
        ({"rtol": None}, None, None),  # None is the dtype's default, not an error
        ({"rtol": float("nan")}, ValueError, "compare: rtol must be a finite number >= 0"),
        ({"atol": 10**400}, ValueError, "compare: atol must be a finite number, got an integer"),
    ],
)
def test_compare_checks_its_tolerances_by_name(kwargs, error, match):
    model = nn.MLP([2, 2, 1], seed=0)
    x, t = np.ones((3, 2)), np.zeros((3, 1))
    if error is None:
        assert compare(model, x, t, **kwargs).ok
        return
    with pytest.raises(error, match=match):
        compare(model, x, t, **kwargs)


def test_gradcheck_rejects_an_int_beyond_float_range():
    (a,) = tensors((2,))
    with pytest.raises(ValueError, match="gradcheck: eps must be a finite number, got an integer"):
        gradcheck(lambda a: a.sum(), [a], eps=10**400)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_compare_rejects_strings_and_empty_data_by_name(engine):
    model = nn.MLP([2, 2, 1], seed=0, engine=engine)
    with pytest.raises(TypeError, match="compare: x: expected numbers, got list of dtype <U1"):
        compare(model, [["a", "b"]], [[1.0]])
    with pytest.raises(TypeError, match="compare: t: expected numbers"):
        compare(model, [[1.0, 2.0]], [["a"]])
    with pytest.raises(ValueError, match=r"compare: x has no samples \(shape \(0, 2\)\)"):
        compare(model, np.zeros((0, 2)), np.zeros((0, 1)))


def test_a_row_with_a_nan_column_shows_nan_for_both_errors():
    # autograd and the rules agree to 2.8e-9; the finite difference is NaN: both error
    # columns are NaN (never abs err nan beside a finite rel err), and the row fails
    a, r, n = np.array([1.0]), np.array([1.0 + 2.8e-9]), np.array([np.nan])
    row = CompareRow("w", a, r, n, max_abs_error=np.nan, max_rel_error=np.nan, ok=False)
    report = CompareReport(rows=[row], loss=1.0, engine="tensor", samples=1, atol=1e-6, rtol=1e-4)
    line = report.table().splitlines()[3]
    assert line.split()[-3:] == ["nan", "nan", "FAIL"]
