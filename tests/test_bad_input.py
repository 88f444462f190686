"""Every mistake a learner can feed the framework meets a clear error that names it.

Each test here backs rows of docs/errors.md. The rule (docs/semantics.md, "Errors and
numbers"): a wrong shape or value raises ValueError, a wrong type TypeError, and the message
names the op and the cause (the shapes, the offending value or type) — never a wrong number,
never a numpy traceback.
"""

import ast
import contextlib
import operator
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, detect_anomaly, mse_loss, nn, no_grad, optim
from tinygrad_edu.anomaly import AnomalyError, is_anomaly_enabled


@contextlib.contextmanager
def fails(error: type[Exception], *fragments: str) -> Iterator[None]:
    """Expect ``error`` whose message contains every fragment, literally (no regex)."""
    with pytest.raises(error) as info:
        yield
    assert type(info.value) is error or issubclass(type(info.value), error)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in the message {message!r}"


def ids(cases: list[tuple]) -> list[str]:
    return [case[0] for case in cases]


def args(cases: list[tuple]) -> list[tuple]:
    return [case[1:] for case in cases]


# --- non-numeric data: strings, None, objects, complex numbers ----------------------------

NON_NUMERIC_TENSOR_DATA = [
    ("str", "abc", "got str"),
    ("None", None, "got NoneType None"),
    ("mixed-list", [1.0, "a"], "dtype <U"),
    ("bytes", b"ab", "got bytes"),
    ("dict", {"a": 1}, "got dict"),
    ("object-array-with-None", np.array([1.0, None], dtype=object), "NoneType None at index (1,)"),
    ("list-of-Values", [Value(1.0), Value(2.0)], "got a Value inside a list"),
    ("list-of-Tensors", [Tensor([1.0]), Tensor([2.0])], "got a Tensor inside a list"),
    ("datetime", np.array(["2020-01-01"], dtype="datetime64[D]"), "dtype datetime64[D]"),
]


@pytest.mark.parametrize(
    "data, names", args(NON_NUMERIC_TENSOR_DATA), ids=ids(NON_NUMERIC_TENSOR_DATA)
)
def test_tensor_rejects_non_numeric_data(data, names):
    with fails(TypeError, "Tensor: ", names):
        Tensor(data)


@pytest.mark.parametrize(
    "data", [1 + 2j, np.array([1.0, 2j]), [1j]], ids=["scalar", "array", "list"]
)
def test_tensor_rejects_complex_numbers(data):
    with fails(TypeError, "Tensor: complex numbers are not supported (dtype complex128)"):
        Tensor(data)


def test_tensor_rejects_ragged_lists():
    with fails(ValueError, "Tensor: cannot make an array of [[1, 2], [3]]"):
        Tensor([[1, 2], [3]])


def test_object_array_of_numbers_becomes_float64():
    # e.g. a DataFrame's .values with int and float columns: Python numbers, dtype object
    t = Tensor(np.array([1, 2.5, True], dtype=object))
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, [1.0, 2.5, 1.0])


def test_python_int_beyond_float_range_is_a_value_error():
    with fails(ValueError, "Tensor: a number is too large for a float"):
        Tensor([10**400])


NON_REAL_VALUE_DATA = [
    ("str", "a", "got str 'a'"),
    ("None", None, "got NoneType None"),
    ("complex", 1j, "got complex 1j"),
    ("list", [1.0], "got list [1.0]"),
    ("ndarray", np.array(1.0), "got ndarray"),
    ("bool", True, "got bool True"),
]


@pytest.mark.parametrize("data, names", args(NON_REAL_VALUE_DATA), ids=ids(NON_REAL_VALUE_DATA))
def test_value_rejects_anything_but_a_real_number(data, names):
    with fails(TypeError, "Value: expected a real number", names):
        Value(data)


BAD_OPERANDS = [
    ("Tensor+str", lambda: Tensor([1.0]) + "a", "Tensor +: expected numbers, got str"),
    ("Tensor*None", lambda: Tensor([1.0]) * None, "Tensor *: expected real numbers, got NoneType"),
    ("Tensor-complex", lambda: Tensor([1.0]) - 1j, "Tensor -: complex numbers are not supported"),
    ("Tensor@str", lambda: Tensor([1.0]) @ "ab", "Tensor @: expected numbers, got str"),
    (
        "Tensor+Value",
        lambda: Tensor([1.0]) + Value(1.0),
        "Tensor +: cannot combine a Tensor with a Value",
    ),
    ("Value+str", lambda: Value(1.0) + "a", "Value +: unsupported operand of type str"),
    ("Value*None", lambda: Value(1.0) * None, "Value *: unsupported operand of type NoneType"),
    (
        "Value+ndarray",
        lambda: Value(1.0) + np.array([1.0, 2.0]),
        "Value +: unsupported operand of type ndarray",
    ),
    (
        "ndarray+Value",
        lambda: np.array([1.0, 2.0]) + Value(1.0),
        "Value +: unsupported operand of type ndarray",
    ),
    (
        "Value+Tensor",
        lambda: Value(1.0) + Tensor([1.0]),
        "Value +: unsupported operand of type Tensor",
    ),
    (
        "Value**Value",
        lambda: Value(2.0) ** Value(2.0),
        "Value **: the exponent must be a Python number",
    ),
    ("Value**str", lambda: Value(2.0) ** "a", "Value ** exponent: expected a real number, got str"),
]


@pytest.mark.parametrize("f, message", args(BAD_OPERANDS), ids=ids(BAD_OPERANDS))
def test_ops_reject_non_numeric_operands(f, message):
    with fails(TypeError, message):
        f()


BAD_SHAPES = [
    ("reshape-float", lambda: Tensor.zeros(2, 3).reshape(2.5, 2), "(2.5, 2)"),
    ("reshape-str", lambda: Tensor.zeros(2, 3).reshape("a"), "('a',)"),
    ("zeros-str", lambda: Tensor.zeros("a"), "('a',)"),
    ("randn-float", lambda: Tensor.randn(2.5), "(2.5,)"),
]


@pytest.mark.parametrize("f, shape", args(BAD_SHAPES), ids=ids(BAD_SHAPES))
def test_shapes_must_be_integers_not_truncated(f, shape):
    with fails(TypeError, "Tensor: a shape must be integers, got", shape):
        f()


@pytest.mark.parametrize("f", [Tensor.zeros, Tensor.ones, Tensor.randn], ids=lambda f: f.__name__)
def test_new_tensor_shape_cannot_be_negative(f):
    with fails(ValueError, "Tensor: a new tensor's shape cannot be negative, got (2, -1)"):
        f(2, -1)


@pytest.mark.parametrize("axis", ["a", 1.5], ids=["str", "float"])
def test_sum_axis_must_be_an_integer(axis):
    with fails(TypeError, "Tensor.sum: axis must be", repr(axis)):
        Tensor.zeros(2, 3).sum(axis=axis)


# --- integer and boolean data: converted to float64 ---------------------------------------


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, np.bool_], ids=str)
def test_integer_arrays_become_float64_with_float_gradients(dtype):
    x = Tensor(np.array([1, 0, 1], dtype=dtype))  # an input: no gradient of its own
    assert x.dtype == np.float64
    w = Tensor([2.0, 3.0, 4.0], requires_grad=True)
    (x * w * w).sum().backward()
    assert w.grad.dtype == np.float64
    np.testing.assert_array_equal(w.grad, [4.0, 0.0, 8.0])  # d(x w²)/dw = 2 x w


def test_integers_work_wherever_floats_do():
    assert Value(3).data == 3.0 and isinstance(Value(np.int64(3)).data, float)
    loss = mse_loss(Tensor([1.0, 2.0], requires_grad=True), np.array([1, 4]), "sum")
    assert loss.item() == 4.0  # (1 − 1)² + (2 − 4)²
    model = nn.MLP([2, 3, 1], seed=0)
    out = model(np.array([[1, 2]]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, model(np.array([[1.0, 2.0]])).data)
    values = nn.MLP([2, 3, 1], engine="value", seed=0)([1, 2])
    assert values[0].data == pytest.approx(out.item(), rel=1e-12)


# --- wrong shapes --------------------------------------------------------------------------

MATMUL_MISMATCHES = [
    ((2, 3), (4, 5)),
    ((3,), (4,)),
    ((2, 3), (2, 3)),
    ((4,), (3, 2)),
    ((2, 3, 4), (5, 4, 2)),  # the inner sizes fit, the batch axes do not
]


@pytest.mark.parametrize("a, b", MATMUL_MISMATCHES, ids=str)
def test_matmul_shape_mismatch_names_both_shapes(a, b):
    with fails(ValueError, f"Tensor @: shapes {a} and {b}"):
        Tensor.zeros(a) @ Tensor.zeros(b)


def test_matmul_of_a_zero_dim_tensor_is_an_error():
    with fails(ValueError, "Tensor @: needs arrays of 1 or more dims, got () and (2,)"):
        Tensor(1.0) @ Tensor.zeros(2)


BINARY_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
BINARY_OPS["**"] = operator.pow


@pytest.mark.parametrize("op", list(BINARY_OPS))
def test_broadcast_mismatch_names_op_and_shapes(op):
    with fails(ValueError, f"Tensor {op}: shapes (2, 3) and (4,) cannot be broadcast"):
        BINARY_OPS[op](Tensor.ones(2, 3), Tensor.ones(4))
    with fails(ValueError, f"Tensor {op}: shapes (2, 3) and (4,) cannot be broadcast"):
        BINARY_OPS[op](Tensor.ones(2, 3), np.ones(4))  # a plain array operand, too


MSE_MISMATCHES = [((5, 1), (5,)), ((5,), (5, 1)), ((5, 2), (5, 3)), ((), (1,)), ((2, 3), (3, 2))]


@pytest.mark.parametrize("pred, target", MSE_MISMATCHES, ids=str)
def test_mse_loss_shapes_must_match_exactly(pred, target):
    # (N, 1) against (N,) would broadcast to (N, N) and give a wrong number: refused.
    named = f"mse_loss: pred has shape {pred} and target has shape {target}"
    with fails(ValueError, named, "must match exactly"):
        mse_loss(Tensor.zeros(pred), np.zeros(target))
    with fails(ValueError, named):
        mse_loss(Tensor.zeros(pred), Tensor.zeros(target))


def test_mse_loss_value_lists_must_have_the_same_length():
    with fails(ValueError, "mse_loss: pred has shape (2,) and target has shape (3,)"):
        mse_loss([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


MSE_TYPES = [
    (
        "ndarray-pred",
        np.zeros(3),
        np.zeros(3),
        "pred must be a Tensor, a list of Values or a list of lists of Values, got ndarray",
    ),
    (
        "float-list-pred",
        [1.0, 2.0],
        [1.0, 2.0],
        "pred must be a Tensor, a list of Values or a list of lists of Values, got list",
    ),
    ("str-target", Tensor.zeros(3), "abc", "mse_loss target: expected numbers, got str"),
    ("None-target", Tensor.zeros(3), None, "mse_loss target: expected real numbers, got NoneType"),
    ("str-in-target-list", [Value(1.0)], ["a"], "mse_loss target: unsupported operand of type str"),
    (
        "Tensor-target-for-Values",
        [Value(1.0)],
        Tensor.zeros(1),
        "target of Values must be a NumPy array or a list of numbers or Values, got Tensor",
    ),
    ("Values-target-for-Tensor", Tensor.zeros(1), [Value(1.0)], "got a Value inside a list"),
]


@pytest.mark.parametrize("pred, target, message", args(MSE_TYPES), ids=ids(MSE_TYPES))
def test_mse_loss_rejects_wrong_types(pred, target, message):
    with fails(TypeError, message):
        mse_loss(pred, target)


def test_mse_loss_unknown_reduction_names_it():
    with fails(ValueError, "mse_loss: unknown reduction 'avg'", "'half_sum'"):
        mse_loss(Tensor.zeros(3), np.zeros(3), reduction="avg")


@pytest.mark.parametrize("shape", [(4, 5), (5,), (), (2, 3, 3)], ids=str)
def test_linear_rejects_wrong_input_shape(shape):
    with fails(ValueError, "Linear: expected input of shape (N, 3) or (3,)", f"got {shape}"):
        nn.Linear(3, 2)(np.zeros(shape))


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("shape", [(4, 3), (3,), (), (1, 2, 2)], ids=str)
def test_mlp_rejects_wrong_input_shape(engine, shape):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    with fails(
        ValueError, "MLP", "(2,)", f"got shape {shape}" if engine == "value" else str(shape)
    ):
        model(np.zeros(shape))


def test_value_mlp_takes_one_sample_or_a_batch_but_not_a_tensor():
    model = nn.MLP([2, 3, 1], engine="value", seed=0)
    with fails(ValueError, "one sample of shape (2,) or a batch of shape (N, 2)", "(2, 2, 2)"):
        model(np.zeros((2, 2, 2)))
    with fails(ValueError, "one sample as a sequence of 2", "got a Tensor of shape (1, 2)"):
        model(Tensor.zeros(1, 2))


@pytest.mark.parametrize(
    "engine, x, names",
    [
        ("tensor", [["a", "b"]], "got list"),
        ("tensor", [[None, 1.0]], "NoneType"),
        ("value", ["a", "b"], "got str"),
    ],
    ids=["tensor-str", "tensor-None", "value-str"],
)
def test_mlp_rejects_non_numeric_input(engine, x, names):
    with fails(TypeError, names):
        nn.MLP([2, 3, 1], engine=engine, seed=0)(x)


# --- backward: on a non-scalar, without grad, twice ---------------------------------------


def test_backward_on_a_non_scalar_needs_a_grad_of_its_shape():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with fails(
        ValueError, "Tensor.backward: grad can be left out only for a single-element", "(2,)"
    ):
        y.backward()
    with fails(ValueError, "Tensor.backward: grad has shape (3,), the tensor has (2,)"):
        y.backward(np.ones(3))
    with fails(TypeError, "Tensor.backward grad: expected numbers, got str"):
        y.backward("ones")


def test_backward_on_a_tensor_without_grad_is_an_error():
    with fails(ValueError, "Tensor.backward: this tensor does not require grad"):
        (Tensor([1.0, 2.0]) * 2).sum().backward()
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = (w * 2).sum()
    with fails(ValueError, "does not require grad", "no_grad()"):
        y.backward()


def test_backward_twice_adds_the_gradient_again_to_leaves_only():
    # f = x y + x², ∂f/∂x = y + 2x, ∂f/∂y = x; a second backward adds the same again
    # (PyTorch with retain_graph=True); the intermediate x y is recomputed, not doubled.
    x, y = Value(3.0), Value(-2.0)
    xy = x * y
    f = xy + x * x
    f.backward()
    f.backward()
    assert (x.grad, y.grad, xy.grad) == (2 * (-2.0 + 6.0), 2 * 3.0, 1.0)
    tx, ty = Tensor([3.0], requires_grad=True), Tensor([-2.0], requires_grad=True)
    txy = tx * ty
    tf = (txy + tx * tx).sum()
    tf.backward()
    tf.backward()
    assert (tx.grad[0], ty.grad[0], txy.grad[0]) == (8.0, 6.0, 1.0)


# --- NaN and inf: silent by default, named in anomaly mode ---------------------------------


def test_nan_and_inf_propagate_silently_without_anomaly_mode():
    # numpy's and PyTorch's default: no error, the result is simply NaN
    x = Tensor([1.0, np.nan], requires_grad=True)
    loss = mse_loss(x * 2, np.zeros(2))
    assert np.isnan(loss.item())
    loss.backward()
    assert np.isnan(x.grad[1]) and x.grad[0] == 4.0  # E = (1/2) Σ (2x)², ∂E/∂x₀ = 4 x₀
    assert np.isnan((Value(float("nan")) * 2).relu().data)  # relu keeps a NaN
    assert (Value(float("inf")) + 1).data == float("inf")


def test_anomaly_mode_names_the_input_holding_nan():
    x = Tensor([[1.0, np.nan]], label="x")
    W = Tensor(np.ones((3, 2)), requires_grad=True, label="W")
    with (
        detect_anomaly(),
        fails(
            AnomalyError, "forward: op '@'", "input 0, 'x' of shape (1, 2)", "nan at index (0, 1)"
        ),
    ):
        x @ W.T


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_anomaly_mode_names_the_weight_holding_inf(engine):
    model = nn.MLP([2, 2, 1], engine=engine, seed=0)
    weights = model.get_weights()
    weights[1][0][0, 1] = np.inf  # layer 2, unit 1, from hidden unit 2
    model.set_weights(weights)
    x = np.array([0.5, -0.5])
    name = "W2" if engine == "tensor" else "w2_12"
    with detect_anomaly(), fails(AnomalyError, "forward: op", name, "inf"):
        model(x)


def test_anomaly_mode_names_the_first_op_giving_nan_in_forward():
    x = Tensor([2.0, 0.5], requires_grad=True)
    with detect_anomaly():
        y = (x - 1).tanh()  # finite: the op after it is the first bad one
        with fails(
            AnomalyError,
            "forward: op 'log'",
            "nan at index (1,)",
            "from finite inputs",
            "test_bad_input.py",
        ):
            y.log()
    a = Value(1e200)
    with (
        detect_anomaly(),
        fails(AnomalyError, "forward: op '*'", "produced inf from finite inputs (1e+200, 1e+200)"),
    ):
        (a * a) - (a * a)  # inf first appears at the first *, before inf − inf = nan


def test_anomaly_mode_names_the_op_giving_nan_in_backward():
    # sqrt at 0: the forward value 0 is finite, its derivative ½ x^(−½) is not
    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = (x**0.5 * 3).sum()
        with fails(
            AnomalyError,
            "backward: op '**0.5'",
            "test_bad_input.py",
            "inf at index (0,)",
            "input 0",
        ):
            y.backward()
    # Value: 1 / b for a tiny b is finite, its derivative −1/b² overflows
    b = Value(1e-200)
    with detect_anomaly():
        z = Value(1.0) / b
        with fails(
            AnomalyError, "backward: op '/'", "produced -inf in the gradient of its input 1"
        ):
            z.backward()


def test_anomaly_mode_names_a_nan_target_of_mse_loss():
    pred = Tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly(), fails(AnomalyError, "op 'mse' ", "input 1", "nan at index (0,)"):
        mse_loss(pred, np.array([np.nan, 0.0]))


def test_anomaly_mode_is_opt_in_scoped_and_a_value_error():
    assert not is_anomaly_enabled()
    with pytest.raises(ValueError), detect_anomaly():  # AnomalyError is a ValueError
        assert is_anomaly_enabled()
        Tensor([-1.0], requires_grad=True).log()
    assert not is_anomaly_enabled()  # restored after the error


def test_anomaly_mode_gives_the_same_gradients_when_all_is_finite():
    def run():
        x = Tensor([[0.3, -1.2]], requires_grad=True)
        W = Tensor([[0.5, -0.4], [1.5, 0.1]], requires_grad=True)
        loss = mse_loss((x @ W.T).sigmoid(), np.array([[0.0, 1.0]]), "half_sum")
        loss.backward()
        return x.grad, W.grad

    plain = run()
    with detect_anomaly():
        checked = run()
    for a, b in zip(plain, checked):
        np.testing.assert_array_equal(a, b)


# --- optimizers -----------------------------------------------------------------------------


def params():
    return [Tensor([1.0], requires_grad=True)]


@pytest.mark.parametrize(
    "make", [lambda p: optim.SGD(p, lr=0.1), lambda p: optim.Adam(p)], ids=["SGD", "Adam"]
)
def test_optimizer_rejects_an_empty_parameter_list(make):
    with fails(ValueError, "empty parameter list"):
        make([])
    with fails(ValueError, "empty parameter list"):
        make(iter([]))  # e.g. an exhausted generator


@pytest.mark.parametrize("lr", [-0.1, float("nan"), float("inf")], ids=["negative", "nan", "inf"])
@pytest.mark.parametrize("Optimizer", [optim.SGD, optim.Adam])
def test_optimizer_rejects_a_negative_or_non_finite_learning_rate(Optimizer, lr):
    with fails(ValueError, f"{Optimizer.__name__}: lr", str(lr)):
        Optimizer(params(), lr=lr)


def test_optimizer_rejects_non_parameters_and_a_non_numeric_lr():
    with fails(TypeError, "SGD: parameters must be Tensors or Values, got float"):
        optim.SGD([1.0], lr=0.1)
    with fails(TypeError, "SGD: params must be a list of parameters"):
        optim.SGD(params()[0], lr=0.1)
    with fails(TypeError, "SGD: lr must be a real number, got str"):
        optim.SGD(params(), lr="0.1")


def test_optimizer_rejects_bad_momentum_and_betas():
    with fails(ValueError, "SGD: momentum", "-0.5"):
        optim.SGD(params(), lr=0.1, momentum=-0.5)
    with fails(ValueError, "Adam: betas[1]", "1.0"):
        optim.Adam(params(), betas=(0.9, 1.0))
    with fails(ValueError, "Adam: betas must be a pair"):
        optim.Adam(params(), betas=0.9)


# --- MLP configuration and set_weights ------------------------------------------------------

BAD_SIZES = [[], [3], [2, 0, 1], [2, -1, 1], [2, 1.5, 1]]


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("sizes", BAD_SIZES, ids=str)
def test_mlp_rejects_bad_sizes(sizes, engine):
    with fails(ValueError, "MLP", str(sizes)):
        nn.MLP(sizes, engine=engine)


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"hidden": "softmax"}, "'softmax'"),
        ({"output": "heaviside"}, "'heaviside'"),
        ({"engine": "jax"}, "'jax'"),
    ],
    ids=["hidden", "output", "engine"],
)
def test_mlp_rejects_unknown_activation_or_engine_by_name(kwargs, named):
    with fails(ValueError, "MLP: unknown", named):
        nn.MLP([2, 3, 1], **kwargs)


@pytest.mark.parametrize("features", [(0, 2), (3, -1), (2.5, 2)], ids=str)
def test_linear_rejects_non_positive_or_fractional_features(features):
    with fails(ValueError, "Linear", "must be a positive integer"):
        nn.Linear(*features)


def _weights_unchanged(model, before):
    for (W0, b0), (W1, b1) in zip(before, model.get_weights()):
        np.testing.assert_array_equal(W0, W1)
        np.testing.assert_array_equal(b0, b1)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_set_weights_rejects_the_wrong_number_of_layers(engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    before = model.get_weights()
    with fails(ValueError, "MLP.set_weights: expected a list of 2 (W, b) pairs", "got 1"):
        model.set_weights(before[:1])
    with fails(ValueError, "expected a list of 2 (W, b) pairs", "got 3"):
        model.set_weights([*before, before[0]])
    _weights_unchanged(model, before)


WRONG_SHAPES = [
    (
        "W-transposed",
        lambda w: [(w[0][0].T, w[0][1]), w[1]],
        "W of layer 1 must have shape (3, 2) (out, in), got (2, 3)",
    ),
    (
        "b-too-long",
        lambda w: [w[0], (w[1][0], np.zeros(2))],
        "b of layer 2 must have shape (1,), got (2,)",
    ),
    ("b-missing", lambda w: [w[0], (w[1][0], None)], "layer 2 needs a bias of shape (1,)"),
    ("not-a-pair", lambda w: [w[0], w[1][0]], "layer 2 must be a (W, b) pair"),
]


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("change, message", args(WRONG_SHAPES), ids=ids(WRONG_SHAPES))
def test_set_weights_rejects_wrong_shapes_and_changes_nothing(change, message, engine):
    model = nn.MLP([2, 3, 1], engine=engine, seed=0)
    before = model.get_weights()
    bad = change(model.get_weights())
    bad[0] = (bad[0][0] + 1.0 if bad[0][0].shape == (3, 2) else bad[0][0], bad[0][1])
    with fails(ValueError, "MLP.set_weights", message):
        model.set_weights(bad)
    _weights_unchanged(model, before)  # layer 1 was valid, yet it is not half-loaded


def test_set_weights_rejects_non_numeric_arrays():
    model = nn.MLP([2, 3, 1], seed=0)
    w = model.get_weights()
    with fails(TypeError, "MLP.set_weights: W of layer 1: expected numbers, got ndarray"):
        model.set_weights([(np.full((3, 2), "x"), w[0][1]), w[1]])


# --- known limits, and the table in docs/errors.md -----------------------------------------


def test_known_limits_behave_as_documented():
    f32 = Tensor(np.ones(2, np.float32))
    assert (f32 + np.ones(2)).dtype == np.float64  # NumPy's promotion for a float64 array
    assert (f32 + True).dtype == np.float64  # a bool operand is an array, not a Python number
    assert (f32 + 2.0).dtype == np.float32  # a Python number never upcasts
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):  # the mean of nothing
        assert np.isnan(mse_loss(Tensor.zeros(0), np.zeros(0)).item())
    assert mse_loss([], [], reduction="sum").data == 0.0  # the sum of nothing
    with fails(TypeError, "unsupported operand type(s) for ** or pow(): 'int' and 'Tensor'"):
        2 ** Tensor([1.0])


DOCS = Path(__file__).resolve().parent.parent / "docs"


def _tests_named_in(page: str) -> set[tuple[str, str]]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return set(re.findall(r"`(test_\w+\.py)::(test_\w+)`", text))


def _tests_defined_in(file: str) -> set[str]:
    tree = ast.parse((Path(__file__).parent / file).read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_errors_table_names_only_existing_tests():
    named = _tests_named_in("errors.md") | _tests_named_in("numerics.md")
    assert len(named) > 40
    for file, test in named:
        assert test in _tests_defined_in(file), f"docs name {file}::{test}, which does not exist"
    # and, the other way round, every test of the two files has its row
    for file in ("test_bad_input.py", "test_numerics.py", "test_edges.py"):
        documented = {test for f, test in named if f == file}
        missing = {t for t in _tests_defined_in(file) if t.startswith("test_")} - documented
        assert missing == set(), f"tests without a row in docs/errors.md or numerics.md: {missing}"
