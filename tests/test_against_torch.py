"""Random programs on both engines against PyTorch's autograd, edges included.

Unlike the hypothesis tests in test_properties.py, which keep to safe domains, these programs
go where the edges are: inputs drawn often from exact values (0, ±0.5, ±1, ±2), so relu sits
right at its kink and ``**`` meets base 0 and exponent 0; nodes are reused; Tensor inputs
have shapes that broadcast against each other; log, division and real powers are applied to
anything, so inf and NaN appear and must appear in the same places as in PyTorch.

Two more families: programs of mostly quotients on inputs scaled by 10^±300 (where b · b
under- or overflows), each element compared to its own size; and cross-entropy on random
batches, targets (indices, one-hot, soft), reductions and forms of pred (the nets, a
softmax's output, an MLP's, rows selected from it, reordered outputs on the Value engine).

One fixed seed, a few hundred programs per engine and dtype (Value in float64, Tensor in
float64 and float32), a few seconds in all. Skipped cleanly without torch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from test_properties import Step  # one step of a program: op, operands a and b, constant

from tinygrad_edu import Tensor, Value, cross_entropy_loss, nn
from tinygrad_edu.value import softmax

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


def _over(c: float, a: Any) -> Any:
    """c / a. For torch as a quotient of two tensors: its ``number / tensor`` is c · (1/a),
    whose derivative −c (1/a)² is NaN for c = 0 at a = 1e-200 (0 · inf), where the
    derivative −c/a² is 0, as its own quotient (−(c/a)/a) and both engines give."""
    return torch.full_like(a, c) / a if isinstance(a, torch.Tensor) else c / a


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
    "const-div": (1, lambda a, b, c: _over(c, a + 0.0)),
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
    "relu-reciprocal": (1, lambda a, b, c: _over(1.0, a.relu() + 0.0)),
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


def draw_program(
    rng: np.random.Generator,
    engine: str,
    names: list[str] | None = None,
    exponents: tuple[int, ...] = (0,),
) -> Program:
    """A random program; for the Tensor engine its inputs have broadcasting shapes.

    ``names``: the ops to draw from (a name twice is drawn twice as often); each input
    number is scaled by 10^e, e drawn from ``exponents``.
    """
    n_inputs = int(rng.integers(1, 4))
    if engine == "value":
        shapes: list[tuple[int, ...]] = [()] * n_inputs
    else:
        shapes = [SHAPES[int(rng.integers(len(SHAPES)))] for _ in range(n_inputs)]

    def scaled(x: float) -> float:  # (no draw for one exponent: the programs stay the same)
        return x * 10.0 ** rng.choice(exponents) if len(exponents) > 1 else x

    inputs = tuple(
        np.array([scaled(draw_number(rng)) for _ in range(math.prod(s))]).reshape(s) for s in shapes
    )
    ops = dict(ELEMENTWISE) if engine == "value" else {**ELEMENTWISE, **TENSOR_ONLY}
    # the edges, drawn more often: relu, and what is infinite at 0 right after it
    names = [n for n in names if n in ops] if names else sorted(ops) + ["relu"] * 2 + ["pow"] * 3
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
    with np.errstate(all="ignore"):  # NumPy warns where PyTorch is silent: not compared
        leaves = [Tensor(x.astype(dtype), requires_grad=True) for x in program.inputs]
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


# --- division at the ends of the range ----------------------------------------------------

# Mostly quotients, and what makes numbers huge or tiny around them. Inputs are scaled by
# 10^±300 and 10^±150 (float64) and, for float32 (whose range ends near 10^±38, so 10^±300
# is inf or 0 there), also by 10^±20 and 10^±10: there b · b under- or overflows where a / b
# and its derivative −(a/b)/b do not.
DIVISION = ["div"] * 4 + ["const-div"] * 2 + ["mul", "add", "sub", "neg", "relu-reciprocal"]
DIVISION += ["sum", "mean"]  # (Tensor only)
SCALES = {np.float64: (-300, -150, 0, 150, 300), np.float32: (-300, -20, -10, 0, 10, 20, 300)}


def assert_each_close(ours: Any, theirs: Any, dtype: Any, what: str) -> None:
    """Every element to the relative tolerance of its own size (a 1e-300 next to a 1e300 is
    not swamped), inf and NaN in the same places."""
    ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, what
    tol = 1e-12 if dtype == np.float64 else 1e-5
    tiny = float(np.finfo(dtype).tiny)  # below it, subnormals round absolutely
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tiny, err_msg=what)


@pytest.mark.parametrize("engine, dtype", CASES, ids=["value-f64", "tensor-f64", "tensor-f32"])
def test_random_quotients_of_huge_and_tiny_numbers_match_torch(engine, dtype):
    rng = np.random.default_rng([SEED, 1, CASES.index((engine, dtype))])
    # finite gradients beyond the square root of the range: where b · b is not finite
    big, small = np.sqrt(np.finfo(dtype).max), np.sqrt(np.finfo(dtype).tiny)
    compared = finite_slopes = 0
    for _ in range(PROGRAMS // 2):
        program = draw_program(rng, engine, DIVISION, SCALES[dtype])
        ours = run_ours(program, engine, dtype)
        theirs = run_torch(program, engine, dtype)
        if isinstance(ours, str):  # the Value engine's documented refusals, nothing else
            assert value_refusal_is_due(program, ours, theirs), (ours, program)
            continue
        what = f"{engine} {np.dtype(dtype).name}: {program}"
        assert_each_close(ours[0], theirs[0], dtype, "output of " + what)
        for i, (mine, other) in enumerate(zip(ours[1], theirs[1])):
            assert_each_close(mine, other, dtype, f"gradient of input {i} of {what}")
            size = np.abs(np.asarray(other, np.float64))
            finite_slopes += bool(
                np.any(np.isfinite(size) & ((size > big) | ((size < small) & (size > 0))))
            )
        compared += 1
    assert compared >= PROGRAMS // 4 and finite_slopes >= 5, (compared, finite_slopes)


# --- cross-entropy: random batches, targets, reductions and forms of pred ----------------

# pred as the nets themselves, as a softmax's output (of a leaf's nets, or an MLP with
# output="softmax"), as whole rows selected from it, and on the Value engine as the outputs
# of one softmax in another order. The reference is PyTorch's cross_entropy of the nets
# those probabilities come from (the same rows, the same order).
PRED_FORMS = {
    "value": ["logits", "softmax", "rows", "model", "model-rows", "reordered"],
    "tensor": ["logits", "softmax", "rows", "model", "model-rows"],
}
TARGET_FORMS = ["indices", "one-hot", "soft"]
CE_CASES = 60  # per engine and dtype


@dataclass(frozen=True)
class CrossEntropyCase:
    z: np.ndarray  # the nets (N, C) of a leaf; or the inputs X (N, d) of a model
    target: np.ndarray  # class indices (N,) or probability rows (N, C)
    reduction: str
    form: str
    rows: np.ndarray  # the rows selected, in order (repeats allowed)
    order: np.ndarray  # the order of the classes (a permutation of 0 … C−1)
    classes: int  # C


def draw_cross_entropy_case(rng: np.random.Generator, engine: str) -> CrossEntropyCase:
    form = PRED_FORMS[engine][int(rng.integers(len(PRED_FORMS[engine])))]
    N, C = int(rng.integers(0 if form == "logits" else 1, 5)), int(rng.integers(1, 5))
    if form.startswith("model"):
        z = rng.uniform(-2.0, 2.0, size=(N, 3))
    else:  # nets at every scale, exact values, and now and then −inf
        scale = float(rng.choice([1.0, 30.0, 1e4]))
        z = np.array([draw_number(rng) * scale for _ in range(N * C)]).reshape(N, C)
        z[rng.random((N, C)) < 0.1] = -np.inf
    kind = TARGET_FORMS[int(rng.integers(3))]
    classes = rng.integers(C, size=N)
    if kind == "indices":
        target = classes
    elif kind == "one-hot":
        target = np.eye(C)[classes]
    else:  # soft rows, some of whose classes are 0
        target = rng.dirichlet(np.ones(C), size=N) * (rng.random((N, C)) < 0.7)
        target[np.arange(N), classes] += 0.5
        target /= target.sum(axis=1, keepdims=True)
    rows = rng.integers(N, size=int(rng.integers(1, 4))) if "rows" in form else np.arange(N)
    order = rng.permutation(C) if form == "reordered" else np.arange(C)
    reduction = ("mean", "sum")[int(rng.integers(2))]
    return CrossEntropyCase(z, target, reduction, form, rows, order, C)


def model_for(case: CrossEntropyCase, engine: str, dtype: Any) -> nn.MLP:
    return nn.MLP([3, case.classes], output="softmax", engine=engine, seed=0, dtype=dtype)


def cross_entropy_ours(case: CrossEntropyCase, engine: str, dtype: Any) -> tuple[float, list]:
    """Our loss and the gradients of the leaves (the nets, or the model's W and b)."""
    t = case.target[case.rows]
    if case.form.startswith("model"):
        model = model_for(case, engine, dtype)
        out = model(case.z.astype(dtype))
        pred = out[case.rows] if engine == "tensor" else [out[n] for n in case.rows]
        loss = cross_entropy_loss(pred, t, case.reduction)
        loss.backward()
        if engine == "tensor":
            return loss.item(), [p.grad for p in model.parameters()]
        grads = np.array([p.grad for p in model.parameters()]).reshape(-1, 4)  # per unit
        return loss.item(), [grads[:, :3], grads[:, 3]]
    if engine == "tensor":
        leaf = Tensor(case.z.astype(dtype), requires_grad=True)
        pred = {"logits": leaf, "softmax": leaf.softmax()}.get(case.form)
        pred = leaf.softmax()[case.rows] if pred is None else pred
        loss = cross_entropy_loss(pred, t, case.reduction)
        loss.backward()
        return loss.item(), [leaf.grad]
    leaves = [[Value(float(v)) for v in row] for row in case.z]
    if case.form == "logits":
        pred = leaves
    else:
        outputs = [softmax(row) for row in leaves]
        pred = [[outputs[n][k] for k in case.order] for n in case.rows]
    loss = cross_entropy_loss(pred, t, case.reduction)
    if leaves:
        loss.backward()
    return loss.item(), [np.array([[v.grad for v in row] for row in leaves]).reshape(case.z.shape)]


def cross_entropy_torch(case: CrossEntropyCase, engine: str, dtype: Any) -> tuple[float, list]:
    kind = torch.float64 if dtype == np.float64 else torch.float32
    if case.form.startswith("model"):
        W, b = model_for(case, engine, dtype).get_weights()[0]
        leaves = [torch.tensor(W, dtype=kind, requires_grad=True)]
        leaves.append(torch.tensor(b, dtype=kind, requires_grad=True))
        nets = torch.tensor(case.z, dtype=kind) @ leaves[0].T + leaves[1]
    else:
        leaves = [torch.tensor(case.z, dtype=kind, requires_grad=True)]
        nets = leaves[0]
    nets = nets[torch.tensor(case.rows, dtype=torch.long)][:, torch.tensor(case.order)]
    t = torch.tensor(case.target[case.rows])
    if t.is_floating_point():
        t = t.to(kind)
    if t.is_floating_point() and not torch.isfinite(nets).all():
        # PyTorch's probability form gives NaN at a −inf net (0 · −inf): Σ t log O over the
        # classes with t > 0, written with its log_softmax, is the same loss without it
        terms = torch.where(t > 0, t * torch.log_softmax(nets, dim=-1), 0.0).sum(dim=-1)
        loss = -(terms.mean() if case.reduction == "mean" else terms.sum())
    else:
        loss = torch.nn.functional.cross_entropy(nets, t, reduction=case.reduction)
    if loss.requires_grad:
        loss.backward()
    grads = [np.zeros(x.shape) if x.grad is None else x.grad.numpy() for x in leaves]
    return loss.item(), grads


@pytest.mark.parametrize("engine, dtype", CASES, ids=["value-f64", "tensor-f64", "tensor-f32"])
def test_random_cross_entropy_matches_torch(engine, dtype):
    rng = np.random.default_rng([SEED, 2, CASES.index((engine, dtype))])
    seen = set()
    for _ in range(CE_CASES):
        case = draw_cross_entropy_case(rng, engine)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's, for the mean of none
            ours = cross_entropy_ours(case, engine, dtype)
        theirs = cross_entropy_torch(case, engine, dtype)
        what = f"{engine} {np.dtype(dtype).name}: {case}"
        assert_close(ours[0], theirs[0], dtype, "loss of " + what)
        for mine, other in zip(ours[1], theirs[1]):
            assert_close(mine, other, dtype, "gradient of " + what)
        kind = "indices" if case.target.ndim == 1 else "probabilities"
        seen |= {case.form, kind, case.reduction, ("-inf", bool(np.isneginf(case.z).any()))}
    every = {*PRED_FORMS[engine], "indices", "probabilities", "mean", "sum", ("-inf", True)}
    assert every <= seen, every - seen
