"""Property-based tests (hypothesis): autograd is right on graphs nobody wrote by hand.

- Random expression graphs — random ops, shared sub-expressions, nodes reused many times,
  Python constants mixed in — over random inputs in safe domains: the gradients of both
  engines equal central finite differences and PyTorch's autograd, and each other.
- Every binary Tensor op (and ``@``) on random broadcastable shape pairs: gradients have the
  inputs' shapes and equal finite differences (and PyTorch).
- Random MLPs (sizes, activations, bias, batch, engine): autograd equals the notes' δ rules
  (``tinygrad_edu.rules``).

Examples are bounded by a settings profile: "ci" (the default; few examples, derandomized,
so CI is reproducible and fast) or "thorough" (many more), chosen with the environment
variable TINYGRAD_EDU_HYPOTHESIS=thorough.
"""

import operator
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tinygrad_edu import Tensor, Value, mse_loss, nn, rules
from tinygrad_edu.compare import central_difference

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,  # timings on a shared 2-core machine are noise
    derandomize=True,  # the same examples on every run: CI failures reproduce
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile(os.environ.get("TINYGRAD_EDU_HYPOTHESIS", "ci"))


# --- random expression graphs ----------------------------------------------------------


def linear(a: Any) -> Any:
    """The identity node where the engine has one (torch has no ``.linear()``)."""
    return a.linear() if hasattr(a, "linear") else a


def repeat(a: Any, k: int) -> Any:
    """a + a + … (k times): one node feeding k ops, its gradient accumulates k times."""
    total = a
    for _ in range(k - 1):
        total = total + a
    return total


# name -> (arity, f(a, b, constant)). Every op is written with the API the three engines
# share. Ops with a restricted domain get a safe argument built from more random nodes:
# a denominator b² + 1 ≥ 1, a log or real-power argument a² + c > 0.
OPS: dict[str, tuple[int, Callable[[Any, Any, Any], Any]]] = {
    "add": (2, lambda a, b, c: a + b),
    "sub": (2, lambda a, b, c: a - b),
    "mul": (2, lambda a, b, c: a * b),
    "div": (2, lambda a, b, c: a / (b * b + 1)),
    "add-const": (1, lambda a, b, c: a + c),
    "const-sub": (1, lambda a, b, c: c - a),
    "mul-const": (1, lambda a, b, c: c * a),
    "const-div": (1, lambda a, b, c: c / (a * a + 0.5)),
    "pow-int": (1, lambda a, b, c: a ** int(c)),
    "pow-real": (1, lambda a, b, c: (a * a + 0.5) ** c),
    "neg": (1, lambda a, b, c: -a),
    "exp": (1, lambda a, b, c: a.exp()),
    "log": (1, lambda a, b, c: (a * a + 0.1).log()),
    "tanh": (1, lambda a, b, c: a.tanh()),
    "sigmoid": (1, lambda a, b, c: a.sigmoid()),
    "relu": (1, lambda a, b, c: a.relu()),
    "linear": (1, lambda a, b, c: linear(a)),
    "repeat": (1, lambda a, b, c: repeat(a, int(c))),
}


@dataclass(frozen=True)
class Step:
    """``pool.append(OPS[op](pool[a], pool[b], constant))``."""

    op: str
    a: int
    b: int
    constant: float


@dataclass(frozen=True)
class Program:
    n_inputs: int
    steps: tuple[Step, ...]

    def run(self, inputs: list[Any]) -> list[Any]:
        """Every node of the graph, inputs first; the last one is the output."""
        pool = list(inputs)
        for step in self.steps:
            pool.append(OPS[step.op][1](pool[step.a], pool[step.b], step.constant))
        return pool


def constants_for(op: str) -> st.SearchStrategy[float]:
    if op == "pow-int":
        return st.sampled_from([2, 3])
    if op == "pow-real":
        return st.floats(-1.5, 2.5)
    if op == "repeat":
        return st.integers(2, 8)
    # Python ints and floats both: constants mix into the graph as numbers, not nodes
    return st.one_of(st.integers(-3, 3), st.floats(-3.0, 3.0))


@st.composite
def programs(draw: st.DrawFn) -> Program:
    n_inputs = draw(st.integers(1, 3))
    steps = []
    for i in range(draw(st.integers(1, 10))):
        pool_size = n_inputs + i
        op = draw(st.sampled_from(sorted(OPS)))
        # Any earlier node may be picked, many times over: shared sub-expressions.
        a, b = draw(st.integers(0, pool_size - 1)), draw(st.integers(0, pool_size - 1))
        steps.append(Step(op, a, b, draw(constants_for(op))))
    return Program(n_inputs, tuple(steps))


def assume_safe(program: Program, x: np.ndarray) -> None:
    """Reject examples outside the safe domain: huge values, or relu right at its kink."""
    with np.errstate(all="ignore"):
        pool = program.run([Tensor(row) for row in x])
    for node in pool:
        assume(np.all(np.abs(node.data) < 1e4))  # also rejects inf and NaN
    for step in program.steps:
        if step.op == "relu":  # finite differences straddling 0 would see the kink
            assume(np.all(np.abs(pool[step.a].data) > 1e-3))


def inputs(program: Program, width: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(
        st.floats(-2.0, 2.0), min_size=program.n_inputs * width, max_size=program.n_inputs * width
    ).map(lambda xs: np.array(xs).reshape(program.n_inputs, width))


def value_gradients(program: Program, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Output and d output / d inputs through the Value engine (x: one number per input)."""
    leaves = [Value(v) for v in x[:, 0]]
    out = program.run(leaves)[-1]
    out.backward()
    return out.data, np.array([[leaf.grad] for leaf in leaves])


def tensor_gradients(program: Program, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Output Σ program(x) and its gradient through the Tensor engine (x: one row per input)."""
    leaves = [Tensor(row, requires_grad=True) for row in x]
    out = program.run(leaves)[-1].sum()
    out.backward()
    grads = [np.zeros_like(row) if leaf.grad is None else leaf.grad for row, leaf in zip(x, leaves)]
    return out.item(), np.array(grads)


def forward_only(program: Program, engine: str) -> Callable[[np.ndarray], float]:
    if engine == "value":
        return lambda x: program.run([Value(v) for v in x[:, 0]])[-1].data
    return lambda x: program.run([Tensor(row) for row in x])[-1].sum().item()


ENGINES = {"value": (1, value_gradients), "tensor": (3, tensor_gradients)}  # width, gradients


@PROFILE
@pytest.mark.parametrize("engine", list(ENGINES))
@given(data=st.data())
def test_random_graph_gradients_match_finite_differences(engine, data):
    program = data.draw(programs(), label="program")
    width, gradients = ENGINES[engine]
    x = data.draw(inputs(program, width), label="x")
    assume_safe(program, x)
    _, autograd = gradients(program, x)
    numeric = central_difference(forward_only(program, engine), x)
    scale = 1.0 + np.max(np.abs(numeric))
    np.testing.assert_allclose(autograd, numeric, rtol=1e-5, atol=1e-6 * scale)


@PROFILE
@given(data=st.data())
def test_random_graph_gives_the_same_gradients_on_both_engines(data):
    program = data.draw(programs(), label="program")
    x = data.draw(inputs(program, 1), label="x")
    assume_safe(program, x)
    value_out, value_grad = value_gradients(program, x)
    tensor_out, tensor_grad = tensor_gradients(program, x)
    assert tensor_out == pytest.approx(value_out, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(tensor_grad, value_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@PROFILE
@pytest.mark.parametrize("engine", list(ENGINES))
@given(data=st.data())
def test_random_graph_gradients_match_torch_autograd(engine, data):
    torch = pytest.importorskip("torch")
    program = data.draw(programs(), label="program")
    width, gradients = ENGINES[engine]
    x = data.draw(inputs(program, width), label="x")
    assume_safe(program, x)
    out, autograd = gradients(program, x)
    leaves = [torch.tensor(row, dtype=torch.float64, requires_grad=True) for row in x]
    if engine == "value":
        leaves = [torch.tensor(row[0], dtype=torch.float64, requires_grad=True) for row in x]
    reference = program.run(leaves)[-1].sum()
    reference.backward()
    expected = [
        np.zeros(width) if leaf.grad is None else np.reshape(leaf.grad.numpy(), width)
        for leaf in leaves
    ]
    assert out == pytest.approx(reference.item(), rel=1e-10, abs=1e-10)
    scale = 1.0 + np.max(np.abs(expected))
    np.testing.assert_allclose(autograd, np.array(expected), rtol=1e-9, atol=1e-12 * scale)


# --- every binary Tensor op on random broadcastable shapes -------------------------------

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
}
# How the operands are given: both Tensors, or one a plain ndarray (NumPy's reflected ops).
FORMS = ["tensor-tensor", "tensor-array", "array-tensor"]


@st.composite
def binary_cases(draw: st.DrawFn) -> tuple[str, str, np.ndarray, np.ndarray]:
    op = draw(st.sampled_from(sorted(BINARY)))
    if op == "@":  # batch axes broadcast, the last two follow the matrix rule; 1-d allowed
        shapes = draw(
            mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=3)
        )
    else:
        shapes = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    # ndarray ** Tensor has no reflected op (an exponent is a Python number or a Tensor)
    form = draw(st.sampled_from(FORMS[:2] if op == "**" else FORMS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # Positive and away from 0: safe for / and for a real power's base and its log.
    a, b = (rng.uniform(0.5, 2.0, size=shape) for shape in shapes.input_shapes)
    return op, form, a, b


def operands(form: str, a: np.ndarray, b: np.ndarray) -> tuple[Any, Any, list[Tensor]]:
    """The two operands for ``form`` and the Tensors among them that need gradients."""
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    if form == "tensor-array":
        return ta, b, [ta]
    if form == "array-tensor":
        return a, tb, [tb]
    return ta, tb, [ta, tb]


@PROFILE
@given(case=binary_cases())
def test_binary_ops_broadcast_and_unbroadcast_gradients(case):
    op, form, a, b = case
    f = BINARY[op]
    left, right, leaves = operands(form, a, b)
    out = f(left, right)
    np.testing.assert_allclose(out.data, f(a, b), rtol=1e-14)  # NumPy's own broadcasting
    weights = np.random.default_rng(0).normal(size=out.shape)  # a non-uniform incoming grad
    (out * weights).sum().backward()
    arrays = {"tensor-tensor": [a, b], "tensor-array": [a], "array-tensor": [b]}[form]
    for i, (leaf, array) in enumerate(zip(leaves, arrays)):
        assert leaf.grad.shape == array.shape  # summed back to the input's own shape
        which = 0 if form == "tensor-array" else 1 if form == "array-tensor" else i

        def loss(x, which=which):
            pair = [a, b]
            pair[which] = x
            return float((f(*pair) * weights).sum())

        numeric = central_difference(loss, array)
        np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.torch
@PROFILE
@given(case=binary_cases())
def test_binary_ops_on_broadcast_shapes_match_torch(case):
    torch = pytest.importorskip("torch")
    op, _, a, b = case
    f = BINARY[op]
    ours = [Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    out, reference = f(*ours), f(*theirs)
    weights = np.random.default_rng(0).normal(size=out.shape)
    (out * weights).sum().backward()
    (reference * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, reference.detach().numpy(), rtol=1e-12)
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-10, atol=1e-12)


# --- random MLPs: autograd equals the notes' δ rules -------------------------------------

ACTIVATIONS = ["sigmoid", "tanh", "linear", "relu"]


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    batch = draw(st.one_of(st.none(), st.integers(1, 3)))  # None: one sample of shape (in,)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = () if batch is None else (batch,)
    return {
        "sizes": sizes,
        "hidden": draw(st.sampled_from(ACTIVATIONS)),
        "output": draw(st.sampled_from(ACTIVATIONS)),
        "bias": draw(st.booleans()),
        "engine": draw(st.sampled_from(["tensor", "value"])),
        "seed": draw(st.integers(0, 2**16)),
        "x": rng.uniform(-2.0, 2.0, size=(*lead, sizes[0])),
        "t": rng.uniform(-1.0, 1.0, size=(*lead, sizes[-1])),
    }


def autograd_weight_gradients(model: nn.MLP, x: np.ndarray, t: np.ndarray) -> list[tuple]:
    """(dW, db) per layer from E = ½ Σ (O − t)² by backward(), in get_weights() layout."""
    if model.engine == "tensor":
        mse_loss(model(x), t, "half_sum").backward()
    else:  # one sample at a time; the gradients of the samples accumulate into a batch sum
        for x_n, t_n in zip(np.atleast_2d(x), np.atleast_2d(t)):
            mse_loss(model(x_n), list(t_n), "half_sum").backward()
    grads = iter(p.grad for p in model.parameters())  # layer order: W then b (per neuron)
    result = []
    for n_in, n_out in zip(model.sizes, model.sizes[1:]):
        if model.engine == "tensor":
            dW = next(grads)
            db = next(grads) if model.bias else None
        else:
            rows = [[next(grads) for _ in range(n_in + model.bias)] for _ in range(n_out)]
            dW = np.array([row[:n_in] for row in rows])
            db = np.array([row[n_in] for row in rows]) if model.bias else None
        result.append((np.zeros((n_out, n_in)) if dW is None else dW, db))
    return result


@PROFILE
@given(net=networks())
def test_random_mlp_autograd_equals_the_delta_rules(net):
    model = nn.MLP(
        net["sizes"], net["hidden"], net["output"], net["bias"], net["engine"], net["seed"]
    )
    records = rules.backward(model.get_weights(), model.activations, net["x"], net["t"])
    for (dW, db), record in zip(autograd_weight_gradients(model, net["x"], net["t"]), records):
        np.testing.assert_allclose(dW, record.dW, rtol=1e-10, atol=1e-12)
        if net["bias"]:
            np.testing.assert_allclose(db, record.db, rtol=1e-10, atol=1e-12)
        else:
            assert db is None and record.db is None
