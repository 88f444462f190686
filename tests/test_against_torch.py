"""Random programs on both engines against PyTorch's autograd, edges included.

Unlike the hypothesis tests in test_properties.py, which keep to safe domains, these programs
go where the edges are: inputs drawn often from exact values (0, ±0.5, ±1, ±2), so relu sits
right at its kink and ``**`` meets base 0 and exponent 0; nodes are reused; Tensor inputs
have shapes that broadcast against each other; log, division and real powers are applied to
anything, so inf and NaN appear and must appear in the same places as in PyTorch.

One fixed seed, a few hundred programs per engine and dtype (Value in float64, Tensor in
float64 and float32), a second or two in all. Skipped cleanly without torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from test_properties import Step  # one step of a program: op, operands a and b, constant

from tinygrad_edu import Tensor, Value

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SEED = 20261127
PROGRAMS = 300  # per engine and dtype
EXACT = [0.0, 0.0, 0.0, -0.5, 0.5, -1.0, 1.0, -2.0, 2.0]  # 0 thrice: relu's kink, base 0
# (not 0.5: PyTorch takes x ** 0.5 as sqrt, so (-inf) ** 0.5 is NaN there and inf by IEEE's
# pow, NumPy's and ours; test_edges.py checks ** 0.5 at 0 against PyTorch by itself)
EXPONENTS = [0, 0.0, 1, 2, 3, -1, 0.25, 0.75, 1.5, 2.5]
# Shapes that all broadcast to (2, 3); () is a 0-d Tensor.
SHAPES = [(2, 3), (3,), (2, 1), (1, 3), ()]
K = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-2.0, 1.0, 0.25]])  # for "@"

Op = Callable[[Any, Any, float], Any]


def _ours_or_torch(ours: Op, theirs: Op) -> Op:
    """One op written differently for our engines and for torch, chosen by the operand."""
    return lambda a, b, c: theirs(a, b, c) if isinstance(a, torch.Tensor) else ours(a, b, c)


def _linear(a: Any) -> Any:
    return a if isinstance(a, torch.Tensor) else a.linear()


# name -> (arity, f(a, b, constant)); the constant is an exponent for "pow", else a number.
ELEMENTWISE: dict[str, tuple[int, Op]] = {
    "add": (2, lambda a, b, c: a + b),
    "sub": (2, lambda a, b, c: a - b),
    "mul": (2, lambda a, b, c: a * b),
    "div": (2, lambda a, b, c: a / (b + 0.0)),
    "add-const": (1, lambda a, b, c: a + c),
    "const-sub": (1, lambda a, b, c: c - a),
    "mul-const": (1, lambda a, b, c: a * c),
    "const-div": (1, lambda a, b, c: c / (a + 0.0)),
    # (a + 0.0): -0.0 becomes 0.0 first, for ** and below a division. The engines may give
    # zeros of other signs than PyTorch (its relu keeps -0.0, NumPy's maximum gives 0.0; its
    # x ** 0.5 is sqrt, which keeps -0.0, IEEE's pow gives 0.0), and 1 / ±0 tells them apart.
    "pow": (1, lambda a, b, c: (a + 0.0) ** c),
    "neg": (1, lambda a, b, c: -a),
    "exp": (1, lambda a, b, c: a.exp()),
    "log": (1, lambda a, b, c: a.log()),
    "tanh": (1, lambda a, b, c: a.tanh()),
    "sigmoid": (1, lambda a, b, c: a.sigmoid()),
    "relu": (1, lambda a, b, c: a.relu()),
    "linear": (1, lambda a, b, c: _linear(a)),
    # relu, then what is infinite at 0 (the cases, drawn more often this way)
    "relu-root": (1, lambda a, b, c: (a.relu() + 0.0) ** 0.25),
    "relu-log": (1, lambda a, b, c: a.relu().log()),
    "relu-reciprocal": (1, lambda a, b, c: 1.0 / (a.relu() + 0.0)),
}
# Tensor only: a Tensor exponent, reductions, shape ops and the matrix product.
TENSOR_ONLY: dict[str, tuple[int, Op]] = {
    "pow-tensor": (2, lambda a, b, c: (a + 0.0) ** b),
    "sum": (1, lambda a, b, c: a.sum()),
    "mean": (1, lambda a, b, c: a.mean()),
    "reshape": (1, lambda a, b, c: a.reshape(-1).reshape(a.shape)),
    "transpose": (
        1,
        _ours_or_torch(
            lambda a, b, c: a.transpose(1, 0).transpose(1, 0),
            lambda a, b, c: a.permute(1, 0).permute(1, 0),
        ),
    ),
    "flip": (1, _ours_or_torch(lambda a, b, c: a[..., ::-1], lambda a, b, c: a.flip(-1))),
    "matmul": (
        1,
        _ours_or_torch(lambda a, b, c: a @ K, lambda a, b, c: a @ torch.tensor(K, dtype=a.dtype)),
    ),
}
NEEDS_2D = {"transpose"}
NEEDS_LAST_3 = {"matmul", "flip"}


@dataclass(frozen=True)
class Program:
    inputs: tuple[np.ndarray, ...]
    steps: tuple[Step, ...]

    def run(self, leaves: list[Any]) -> list[Any]:
        """Every node, inputs first; the last one is the output."""
        pool = list(leaves)
        ops = {**ELEMENTWISE, **TENSOR_ONLY}
        for step in self.steps:
            pool.append(ops[step.op][1](pool[step.a], pool[step.b], step.constant))
        return pool


def draw_number(rng: np.random.Generator) -> float:
    return float(rng.choice(EXACT)) if rng.random() < 0.5 else float(rng.uniform(-2.0, 2.0))


def draw_program(rng: np.random.Generator, engine: str) -> Program:
    """A random program; for the Tensor engine its inputs have broadcasting shapes."""
    n_inputs = int(rng.integers(1, 4))
    if engine == "value":
        shapes: list[tuple[int, ...]] = [()] * n_inputs
    else:
        shapes = [SHAPES[int(rng.integers(len(SHAPES)))] for _ in range(n_inputs)]
    inputs = tuple(
        np.array([draw_number(rng) for _ in range(math.prod(s))]).reshape(s) for s in shapes
    )
    ops = dict(ELEMENTWISE) if engine == "value" else {**ELEMENTWISE, **TENSOR_ONLY}
    # the edges, drawn more often: relu, and what is infinite at 0 right after it
    names = sorted(ops) + ["relu"] * 2 + ["pow"] * 3
    steps: list[Step] = []
    for _ in range(int(rng.integers(1, 9))):
        op = names[int(rng.integers(len(names)))]
        eligible = list(range(n_inputs + len(steps)))
        if op in NEEDS_2D:
            eligible = [i for i in eligible if len(shapes[i]) == 2]
        if op in NEEDS_LAST_3:
            eligible = [i for i in eligible if shapes[i][-1:] == (3,)]
        if not eligible:
            continue
        # often the newest node (so the output depends on most steps), else any earlier
        # one, possibly many times over: reuse, shared sub-expressions
        a = eligible[-1] if rng.random() < 0.75 else eligible[int(rng.integers(len(eligible)))]
        b = int(rng.integers(n_inputs + len(steps)))
        constant = (
            rng.choice(EXPONENTS) if op == "pow" else float(rng.choice([-2.0, -0.5, 0.0, 1.5, 3.0]))
        )
        steps.append(Step(op, a, b, constant.item() if hasattr(constant, "item") else constant))
        shapes.append(_shape_after(op, shapes[a], shapes[b]))
    if not steps:
        steps.append(Step("relu", 0, 0, 0.0))
        shapes.append(shapes[0])
    return Program(inputs, tuple(steps))


def _shape_after(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    if op in ("sum", "mean"):
        return ()
    if ELEMENTWISE.get(op, (1,))[0] == 2 or op == "pow-tensor":
        return np.broadcast_shapes(a, b)
    return a  # unary ops and "@ K" keep the shape (K is 3 × 3)


# --- running one program three ways ----------------------------------------------------------


def run_ours(program: Program, engine: str, dtype: Any) -> tuple[Any, list[np.ndarray]] | str:
    """(output, gradient per input), or the Value engine's ValueError message."""
    if engine == "value":
        leaves = [Value(float(x)) for x in program.inputs]
        try:
            out = program.run(leaves)[-1]
            out.backward()
        except ValueError as error:
            return str(error)
        return np.array(out.data), [np.array(leaf.grad) for leaf in leaves]
    leaves = [Tensor(x.astype(dtype), requires_grad=True) for x in program.inputs]
    with np.errstate(all="ignore"):  # NumPy warns where PyTorch is silent: not compared
        out = program.run(leaves)[-1]
        weights = np.random.default_rng(0).uniform(0.5, 1.5, out.shape).astype(dtype)
        (out * weights).sum().backward()
    grads = [
        np.zeros(x.shape) if leaf.grad is None else leaf.grad
        for x, leaf in zip(program.inputs, leaves)
    ]
    return out.data, grads


def run_torch(program: Program, engine: str, dtype: Any) -> tuple[Any, list, bool, list]:
    """(output, gradient per input, whether any value or gradient on the way is inf or NaN,
    the value of every node)."""
    kind = torch.float64 if dtype == np.float64 else torch.float32
    leaves = [torch.tensor(x, dtype=kind, requires_grad=True) for x in program.inputs]
    pool = program.run(leaves)
    for node in pool[len(leaves) :]:
        if node.requires_grad:
            node.retain_grad()
    out = pool[-1]
    if engine == "value":
        out.backward()
    else:
        weights = np.random.default_rng(0).uniform(0.5, 1.5, tuple(out.shape)).astype(dtype)
        (out * torch.tensor(weights)).sum().backward()
    grads = [
        np.zeros(x.shape) if leaf.grad is None else leaf.grad.numpy()
        for x, leaf in zip(program.inputs, leaves)
    ]
    nonfinite = any(
        not torch.isfinite(t).all() for node in pool for t in (node, node.grad) if t is not None
    )
    values = [node.detach().numpy() for node in pool]
    return out.detach().numpy(), grads, nonfinite, values


# What the Value engine may refuse where PyTorch gives inf or NaN (docs/numerics.md).
VALUE_REFUSALS = (
    "has no finite derivative",
    "log is defined for positive numbers only",
    "division by zero",
    "to the non-integer power",
    "overflows",
)


def value_refusal_is_due(program: Program, reason: str, theirs: tuple) -> bool:
    """Whether the Value engine was right to refuse: a documented reason, given by the step
    where PyTorch's value is inf or NaN, or which takes 0 ** n with n < 1, n ≠ 0 (an infinite
    derivative: the Value engine's policy, also where that node does not reach the output)."""
    if not any(known in reason for known in VALUE_REFUSALS):
        return False
    values = theirs[3]
    pool: list[Any] = [Value(float(x)) for x in program.inputs]
    for k, step in enumerate(program.steps):
        try:
            pool.append(ELEMENTWISE[step.op][1](pool[step.a], pool[step.b], step.constant))
        except ValueError:
            base, n = values[step.a] + 0.0, step.constant
            infinite_slope = (step.op == "pow" and base == 0 and n < 1 and n != 0) or (
                step.op == "relu-root" and base <= 0
            )
            return infinite_slope or not np.isfinite(values[len(program.inputs) + k])
    return False


def assert_close(ours: Any, theirs: Any, dtype: Any, what: str) -> None:
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, what
    finite = theirs[np.isfinite(theirs)]
    scale = 1.0 + (np.max(np.abs(finite)) if finite.size else 0.0)
    tol = 1e-9 if dtype == np.float64 else 2e-3
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * scale, err_msg=what)


CASES = [("value", np.float64), ("tensor", np.float64), ("tensor", np.float32)]


@pytest.mark.parametrize("engine, dtype", CASES, ids=["value-f64", "tensor-f64", "tensor-f32"])
def test_random_programs_match_torch_at_the_edges(engine, dtype):
    rng = np.random.default_rng([SEED, CASES.index((engine, dtype))])
    compared = refused = relu_at_0 = pow_at_0 = 0
    for _ in range(PROGRAMS):
        program = draw_program(rng, engine)
        ours = run_ours(program, engine, dtype)
        theirs = run_torch(program, engine, dtype)
        if isinstance(ours, str):  # the Value engine's documented refusals, nothing else
            assert value_refusal_is_due(program, ours, theirs), (ours, program)
            refused += 1
            continue
        what = f"{engine} {np.dtype(dtype).name}: {program}"
        assert_close(ours[0], theirs[0], dtype, "output of " + what)
        for i, (mine, other) in enumerate(zip(ours[1], theirs[1])):
            assert_close(mine, other, dtype, f"gradient of input {i} of {what}")
        compared += 1
        with np.errstate(all="ignore"):
            pool = program.run([Tensor(x) for x in program.inputs])
        for step in program.steps:
            hit_zero = bool(np.any(pool[step.a].data == 0))
            relu_at_0 += step.op.startswith("relu") and bool(np.any(pool[step.a].data <= 0))
            pow_at_0 += step.op in ("pow", "pow-tensor") and hit_zero
    # the edges were really visited, and most programs were compared
    assert compared >= PROGRAMS // 2, (compared, refused)
    assert relu_at_0 >= 20 and pow_at_0 >= 5, (relu_at_0, pow_at_0)
