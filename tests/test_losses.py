"""mse_loss: the three reductions written out by hand, one "mse" node, exact shape checks."""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, cross_entropy_loss, mse_loss
from tinygrad_edu.compare import central_difference

O = np.array([[0.3], [0.9], [-0.4]])
T = np.array([[0.0], [1.0], [0.5]])


def by_hand(reduction, out, target):
    squares = [(o - t) ** 2 for o, t in zip(out.ravel(), target.ravel())]
    if reduction == "half_sum":
        return 0.5 * sum(squares)  # the notes' E = ½ Σ (O − t)²
    if reduction == "sum":
        return sum(squares)
    return sum(squares) / len(squares)


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
def test_tensor_loss_and_gradient(reduction):
    pred = Tensor(O, requires_grad=True)
    loss = mse_loss(pred, T, reduction=reduction)
    assert loss.shape == () and loss.op == "mse"
    assert loss.item() == pytest.approx(by_hand(reduction, O, T), rel=1e-15)
    loss.backward()
    numeric = central_difference(lambda o: by_hand(reduction, o, T), O)
    np.testing.assert_allclose(pred.grad, numeric, rtol=1e-7)


def test_half_sum_gradient_is_o_minus_t_as_in_the_notes():
    pred = Tensor(O, requires_grad=True)
    mse_loss(pred, T, reduction="half_sum").backward()
    np.testing.assert_allclose(pred.grad, O - T, rtol=1e-15)


def test_half_sum_gradient_handed_out_cannot_corrupt_a_later_backward():
    # For E = ½ Σ (O − t)² the gradient O − t is the array the node keeps for its backward
    leaf = Tensor(O, requires_grad=True)
    loss = mse_loss(leaf, T, reduction="half_sum")
    loss.backward()
    leaf.grad *= 10.0  # a leaf's gradient is the user's own copy, writable
    leaf.grad = None
    loss.backward()
    np.testing.assert_array_equal(leaf.grad, O - T)

    hidden = Tensor(O, requires_grad=True) * 1.0
    loss = mse_loss(hidden, T, reduction="half_sum")
    loss.backward()
    with pytest.raises(ValueError, match="read-only"):
        hidden.grad *= 10.0  # an intermediate's is shared with the node: read-only
    loss.backward()
    np.testing.assert_array_equal(hidden.grad, O - T)


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_single_number_tensors_give_an_array_loss_and_gradient(reduction, dtype):
    pred = Tensor(np.array(1.5, dtype=dtype), requires_grad=True)
    loss = mse_loss(pred, np.array(0.5, dtype=dtype), reduction=reduction)
    loss.backward()
    factor = {"mean": 2.0, "sum": 2.0, "half_sum": 1.0}[reduction]  # d/dO of c (O − t)²: 2c (O − t)
    assert loss.item() == by_hand(reduction, np.array([1.5]), np.array([0.5]))
    assert np.shape(pred.grad) == () and pred.grad.dtype == dtype
    assert pred.grad == factor * (1.5 - 0.5)


def test_target_tensor_gets_the_opposite_gradient():
    pred, target = Tensor(O, requires_grad=True), Tensor(T, requires_grad=True)
    mse_loss(pred, target, reduction="sum").backward()
    np.testing.assert_allclose(target.grad, -pred.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
def test_value_loss_matches_tensor_loss(reduction):
    outs = [Value(o) for o in O.ravel()]
    targets = [float(T[0, 0]), Value(T[1, 0]), float(T[2, 0])]  # numbers or Values
    loss = mse_loss(outs, targets, reduction=reduction)
    assert loss.op == "mse" and isinstance(loss, Value)
    assert loss.data == pytest.approx(by_hand(reduction, O, T), rel=1e-15)
    loss.backward()
    numeric = central_difference(lambda o: by_hand(reduction, o, T), O.ravel())
    np.testing.assert_allclose([o.grad for o in outs], numeric, rtol=1e-7)
    assert targets[1].grad == pytest.approx(-outs[1].grad)


def test_loss_is_a_single_node():
    pred = Tensor(O, requires_grad=True)
    loss = mse_loss(pred, T)
    assert loss.parents[0] is pred and len(loss.parents) == 2


def test_float32_loss_stays_float32():
    pred = Tensor(O.astype(np.float32), requires_grad=True)
    loss = mse_loss(pred, T)  # a float64 target array is taken in pred's dtype
    loss.backward()
    assert loss.dtype == np.float32 and pred.grad.dtype == np.float32


@pytest.mark.parametrize("pred_shape, target_shape", [((3, 1), (3,)), ((3, 2), (3, 3))])
def test_mismatched_shapes_are_an_error_naming_both(pred_shape, target_shape):
    with pytest.raises(
        ValueError, match=rf"{pred_shape}.*{target_shape}".replace("(", r"\(").replace(")", r"\)")
    ):
        mse_loss(Tensor(np.zeros(pred_shape)), np.zeros(target_shape))


def test_value_lists_of_different_length_are_an_error():
    with pytest.raises(ValueError, match=r"pred has shape \(3,\) and target has shape \(2,\)"):
        mse_loss([Value(1.0)] * 3, [1.0, 2.0])


def test_unknown_reduction_and_bad_types():
    with pytest.raises(ValueError, match="reduction"):
        mse_loss(Tensor(O), T, reduction="avg")
    with pytest.raises(TypeError, match="pred"):
        mse_loss(O, T)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_matches_torch_mse_loss(reduction):
    torch = pytest.importorskip("torch")
    pred, ref = Tensor(O, requires_grad=True), torch.tensor(O, requires_grad=True)
    loss = mse_loss(pred, T, reduction=reduction)
    expected = torch.nn.functional.mse_loss(ref, torch.tensor(T), reduction=reduction)
    loss.backward()
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-14)
    np.testing.assert_allclose(pred.grad, ref.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
def test_value_rows_take_a_numpy_target_of_the_same_shape(reduction):
    rows = [[Value(o)] for o in O.ravel()]  # what a value-engine MLP returns for (3, 1)
    loss = mse_loss(rows, T, reduction=reduction)  # T: a NumPy array of shape (3, 1)
    assert loss.op == "mse"
    assert loss.item() == pytest.approx(by_hand(reduction, O, T), rel=1e-15)
    loss.backward()
    numeric = central_difference(lambda o: by_hand(reduction, o, T), O)
    np.testing.assert_allclose([[row[0].grad] for row in rows], numeric, rtol=1e-7)


def test_value_rows_against_a_target_of_another_shape_are_an_error():
    rows = [[Value(1.0)], [Value(2.0)]]
    with pytest.raises(ValueError, match=r"pred has shape \(2, 1\) and target has shape \(2,\)"):
        mse_loss(rows, np.zeros(2))
    with pytest.raises(ValueError, match="rows of pred have different lengths"):
        mse_loss([[Value(1.0)], [Value(2.0), Value(3.0)]], np.zeros((2, 1)))


def test_a_python_int_beyond_float_range_as_a_target_is_a_value_error():
    with pytest.raises(
        ValueError,
        match="mse_loss target must be a finite number, got an integer too large for a float",
    ):
        mse_loss([Value(1.0)], [10**400])
    with pytest.raises(ValueError, match="too large for a float"):
        mse_loss(Value(1.0), 10**400)


# --- the mean over no samples: 0 / 0 = NaN, with NumPy's warning -----------------------

EMPTY_LOSSES = {  # loss name -> (Tensor pred and target, Value pred and target) of 0 samples
    "mse": (mse_loss, np.zeros((0, 3)), np.zeros((0, 3)), [], []),
    "cross_entropy": (cross_entropy_loss, np.zeros((0, 3)), np.zeros(0, int), [], np.zeros(0, int)),
}


@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("name", list(EMPTY_LOSSES))
def test_the_mean_over_no_samples_is_nan_with_numpys_warning(name, engine):
    loss, z, t, value_pred, value_target = EMPTY_LOSSES[name]
    pred, target = (
        (Tensor(z, requires_grad=True), t) if engine == "tensor" else (value_pred, value_target)
    )
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):  # NumPy's warning
        mean = loss(pred, target)
    assert np.isnan(mean.item())
    total = loss(pred, target, reduction="sum")  # the sum of nothing: +0.0, no warning
    assert total.item() == 0.0 and math.copysign(1.0, total.item()) == 1.0
    if engine == "tensor":
        mean.backward()
        assert pred.grad.shape == (0, 3)


@pytest.mark.torch
@pytest.mark.parametrize("name", list(EMPTY_LOSSES))
def test_the_mean_over_no_samples_matches_torch(name):
    torch = pytest.importorskip("torch")
    loss, z, t, _, _ = EMPTY_LOSSES[name]
    theirs = {
        "mse": torch.nn.functional.mse_loss,
        "cross_entropy": torch.nn.functional.cross_entropy,
    }
    for reduction in ("mean", "sum"):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ours = loss(Tensor(z), t, reduction=reduction).item()
        reference = theirs[name](torch.tensor(z), torch.tensor(t), reduction=reduction).item()
        np.testing.assert_array_equal(ours, reference)
        if reference == 0.0:  # +0.0, as PyTorch's (a NaN's sign means nothing)
            assert math.copysign(1.0, ours) == math.copysign(1.0, reference)


@pytest.mark.filterwarnings("error")  # no overflow warning either
@pytest.mark.parametrize(
    "engine, dtype, big",
    [("tensor", np.float64, 2e154), ("tensor", np.float32, 2e19), ("value", np.float64, 2e154)],
)
def test_a_mean_square_error_whose_sum_overflows_is_finite_where_the_mean_is(engine, dtype, big):
    # Σ (O − t)² = big² is beyond the floats, the mean big² / 4 is not (exact in fractions)
    big = float(dtype(big))
    expected = float(Fraction(big) ** 2 / 4)
    if engine == "tensor":
        pred = Tensor(np.array([big, 0.0, 0.0, 0.0], dtype), requires_grad=True)
        loss = mse_loss(pred, np.zeros(4))
        loss.backward()
        grad = pred.grad.tolist()
    else:
        pred = [Value(big), Value(0.0), Value(0.0), Value(0.0)]
        loss = mse_loss(pred, [0.0] * 4)
        loss.backward()
        grad = [v.grad for v in pred]
    assert loss.item() == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-15)
    assert grad == pytest.approx([big / 2, 0.0, 0.0, 0.0], rel=1e-15)  # (2/n) (O − t)
    assert mse_loss(pred, np.zeros(4) if engine == "tensor" else [0.0] * 4, "sum").item() == np.inf
