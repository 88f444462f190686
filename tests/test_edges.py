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
