"""Value: a scalar that remembers how it was computed, micrograd-style.

Each op computes its result and, right beside it, the *local derivative* of the result
with respect to each parent (∂out/∂parent). The backward walk then applies the chain rule
the same way for every op:  parent.grad += ∂out/∂parent · out.grad.

Storing the local derivatives as plain numbers (instead of a closure per node) keeps the
graph free of reference cycles, so Python's garbage collector has nothing to chase.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import numpy as np

from . import checks, graph, ops
from .checks import as_float

Number = Union[int, float]

# The local derivatives of a one-parent node whose derivative is a switch that is off here:
# a dead relu unit, or x ** 0. Its parent gets exactly 0 back, whatever arrives from above
# (0 · inf would be NaN), as PyTorch's relu and pow do. (Shared constants: no tuple per node.)
SWITCHED_OFF = (0.0,)
_ON = (1.0,)


class Value(graph.Node):
    """A scalar node of the graph.

    ``data`` and ``grad`` are floats; ``parents`` are the Values it was computed from,
    ``op`` the name of the op ("" for a leaf) and ``local`` the local derivatives
    ∂self/∂parent, one per parent.
    """

    __slots__ = ("local",)
    requires_grad = True  # every Value takes part in the gradient (a Tensor may opt out)
    # Make NumPy scalars hand `np.float64(2) * v` over to Value.__rmul__.
    __array_ufunc__ = None

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = checks.real_number(data, "Value")
        self.grad = 0.0
        self.parents: tuple[Value, ...] = ()
        self.op = ""
        self.label = label if type(label) is str else graph.checked_label(label, "Value")
        self.local: tuple[float, ...] = ()

    @staticmethod
    def from_op(
        data: float, parents: tuple[Value, ...], op: str, local: tuple[float, ...]
    ) -> Value:
        """A new node made by ``op``: how every op of this engine, and yours, makes its result.

        ``local`` holds ∂out/∂parent for each parent, as a tuple (stored as it is), e.g. for
        y = a * b: ``Value.from_op(a.data * b.data, (a, b), "*", (b.data, a.data))``.
        Outside ``no_grad`` the result remembers its parents. See docs/adding-an-op.md.
        """
        out = Value.__new__(Value)
        out.data = data
        out.grad = 0.0
        out.op = op
        out.label = ""
        if graph.grad_everywhere or graph.modes.grad_enabled:
            out.parents = parents
            out.local = local
        else:
            out.parents = ()
            out.local = ()
        if graph.observing_somewhere and graph.modes.observers:  # one flag check when off
            for observer in graph.modes.observers:
                observer.on_op(out, parents)
        return out

    # --- the walk's protocol (graph.Node) ---------------------------------------------

    def _zero_grad_value(self) -> float:
        return 0.0

    def _accumulate(self, grad: float) -> None:
        self.grad += grad

    def chain_rule(self) -> list[tuple[graph.Node, float, float]]:
        # The chain rule, the same for every op: parent.grad += ∂self/∂parent · self.grad
        if self.local is SWITCHED_OFF:  # a dead relu unit or x ** 0: exactly 0 goes back
            return [(parent, 0.0, 0.0) for parent in self.parents]
        grad = self.grad
        return [(parent, local, local * grad) for parent, local in zip(self.parents, self.local)]

    def _push_grads(self, nodes: Iterable[graph.Node]) -> None:
        # chain_rule's pushes, node after node, without building lists (the walk's fast path)
        for node in nodes:
            derivatives = node.local
            if derivatives is SWITCHED_OFF:  # a dead relu unit or x ** 0 passes back exactly 0
                continue
            grad = node.grad
            for parent, local in zip(node.parents, derivatives):
                parent.grad += local * grad

    @property
    def is_parameter(self) -> bool:  # type: ignore[override]
        """Made by ``Parameter``: a trainable weight (drawings colour it so)."""
        return self in _parameters

    def item(self) -> float:
        """The data as a Python float, as ``Tensor.item()``: one loop prints either loss."""
        return self.data

    def backward(self, trace: bool = False) -> Any:
        """d self / d node for every node of the graph, added into each ``.grad``.

        With ``trace=True`` the same walk is recorded and returned (see ``trace.py``).
        """
        if self.op and not self.parents:  # an op's result that kept no parents: no_grad
            raise ValueError(
                f"Value.backward: this value (op {self.op!r}) was computed inside no_grad(), "
                "so it has no graph to walk (build the graph outside no_grad(); a leaf made "
                "with Value(...) may call backward())"
            )
        if trace:  # imported here, where it is needed: see graph.py
            from .trace import record_backward

            return record_backward(self, 1.0)
        graph.backward(self, 1.0)
        return None

    # --- binary ops -------------------------------------------------------------------

    @staticmethod
    def lift(other: Any, op: str) -> Value:
        """``other`` as a Value: a Value as it is, a real number as a constant leaf (``op``
        names the op in the TypeError for anything else).

        (The ops below test ``isinstance(other, Value)`` before calling this: it saves a
        call per node in the common case.)
        """
        if isinstance(other, Value):
            return other
        if type(other) is float:  # the common case; skips the slow abstract-class check below
            return Value(other)
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            raise TypeError(
                f"Value {op}: unsupported operand of type {type(other).__name__}: {other!r}"
            )
        return Value(as_float(other, f"Value {op}"))

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value.lift(other, "+")
        # d(a + b)/da = 1, d(a + b)/db = 1
        return Value.from_op(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __sub__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value.lift(other, "-")
        # d(a - b)/da = 1, d(a - b)/db = -1
        return Value.from_op(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value.lift(other, "*")
        # d(a b)/da = b, d(a b)/db = a
        return Value.from_op(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __truediv__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value.lift(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ValueError(f"Value /: division by zero ({a} / 0)")
        # d(a / b)/da = 1 / b, d(a / b)/db = -a / b², as -(a / b) / b: b * b can underflow
        # to 0.0 for a tiny b (1e-200), and float / 0.0 raises where it should give inf
        q = a / b
        return Value.from_op(q, (self, other), "/", (1.0 / b, -q / b))

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("Value **: the exponent must be a Python number, not a Value")
        n = checks.real_number(exponent, "Value ** exponent")
        a = self.data
        if n == 0.0:
            # a ** 0 = 1 for every a, 0 ** 0 included (as Python and PyTorch): a constant, so
            # the derivative is exactly 0 (n a^(n-1) would be 0 · inf = NaN at a = 0)
            return Value.from_op(1.0, (self,), f"**{exponent}", SWITCHED_OFF)
        if a == 0.0 and n < 1.0:
            # The derivative n a^(n-1) (and for n < 0 the value) is infinite at 0.
            raise ValueError(f"Value **: 0 ** {n} has no finite derivative")
        if a < 0.0 and not n.is_integer():
            raise ValueError(f"Value **: negative base {a} to the non-integer power {n}")
        try:
            power, slope = a**n, n * a ** (n - 1.0)  # d(a^n)/da = n a^(n-1)
        except OverflowError:  # float ** raises instead of giving inf; say which op
            power, slope = _power_beyond(a, n)
        return Value.from_op(power, (self,), f"**{exponent}", (slope,))

    def __radd__(self, other: Number) -> Value:
        return self.lift(other, "+") + self

    def __rsub__(self, other: Number) -> Value:
        return self.lift(other, "-") - self

    def __rmul__(self, other: Number) -> Value:
        return self.lift(other, "*") * self

    def __rtruediv__(self, other: Number) -> Value:
        return self.lift(other, "/") / self

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return Value.from_op(-self.data, (self,), "neg", (-1.0,))

    # --- unary functions: value and derivative side by side ---------------------------

    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(f"Value exp: exp({self.data}) overflows a float") from None
        # d e^a / da = e^a
        return Value.from_op(e, (self,), "exp", (e,))

    def log(self) -> Value:
        a = self.data
        if a <= 0.0:  # (a NaN goes on as NaN, as NaN does everywhere else)
            raise ValueError(f"Value log: log is defined for positive numbers only, got {a}")
        # d ln a / da = 1 / a
        return Value.from_op(math.log(a), (self,), "log", (1.0 / a,))

    # --- display ----------------------------------------------------------------------

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows a node as the drawing of its graph (viz, imported when it is shown)."""
        from .viz import draw_graph

        return draw_graph(self)._repr_mimebundle_(include, exclude)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label}{op})"


def _activation_method(op: ops.Op) -> Callable[[Value], Value]:
    """``Value.<name>()`` for the activation row ``op``: O = f(net) on floats, with f′(net, O)
    beside it as the local derivative, both from the row (``ops.py``)."""
    f, f_prime, name = op.float_forward, op.float_derivative, op.name
    assert f is not None and f_prime is not None  # an activation of one unit has both
    if op.chain is ops.Chain.IDENTITY:  # f′ = 1: one shared tuple

        def method(self: Value) -> Value:
            return Value.from_op(f(self.data), (self,), name, _ON)

    elif op.chain is ops.Chain.SWITCH:  # f′ is 1 or 0: a unit switched off passes back 0

        def method(self: Value) -> Value:
            a = self.data
            out = f(a)
            return Value.from_op(out, (self,), name, _ON if f_prime(a, out) else SWITCHED_OFF)

    else:

        def method(self: Value) -> Value:
            a = self.data
            out = f(a)
            return Value.from_op(out, (self,), name, (f_prime(a, out),))

    return method


# Value.sigmoid(), Value.relu(), …: one method per activation of one unit in the op table.
ops.install_activations(Value, _activation_method)


# The Values made as trainable weights. A weak set: being listed never keeps a Value alive.
# (A set rather than a subclass or a flag per node: a subclass's nodes made the topological
# sort about 1.7x slower, and a flag would cost every op a store; only drawings ask.)
_parameters: weakref.WeakSet[Value] = weakref.WeakSet()


def Parameter(data: Number, label: str = "") -> Value:
    """A Value that is a trainable weight (as ``torch.nn.Parameter``): its ``is_parameter``
    is True and drawings colour it so. ``nn.MLP(engine="value")`` makes its weights so."""
    value = Value(data, label)
    _parameters.add(value)
    return value


def _power_beyond(a: float, n: float) -> tuple[float, float]:
    """a^n and n a^(n−1) where one of them overflowed: for |n| < 1 at a tiny a, a^(n−1) is
    beyond the floats while n a^(n−1) = n a^n / a may not be (n = −0.01 at a = 1e-306); a
    ValueError where a^n or the derivative itself overflows."""
    try:
        power = a**n
        slope = n * power / a
    except OverflowError:
        slope = math.inf
    if math.isinf(slope):
        raise ValueError(f"Value **: {a} ** {n} or its derivative overflows")
    return power, slope


def sum_values(terms: Iterable[Value | Number]) -> Value:
    """Σ terms as one "+" node with a parent per term, e.g. a neuron's net = Σᵢ wᵢ xᵢ + b.

    d(Σ v)/dv_i = 1 for every term. ``a + b + c`` makes a chain of two binary "+" nodes;
    this makes one, drawn as the notes write the sum, and a value-engine network makes about
    half as many nodes per step (docs/performance.md). A number becomes a constant leaf.
    """
    parents = tuple([t if isinstance(t, Value) else Value.lift(t, "sum_values") for t in terms])
    if not parents:
        raise ValueError("sum_values: needs at least one term")
    return Value.from_op(_sum([p.data for p in parents]), parents, "+", _ones(len(parents)))


def _sum(terms: list[float]) -> float:
    """Σ terms: ``math.fsum`` (rounded once) while it is finite; else the float sum, inf or
    NaN as the Tensor engine gives (fsum raises OverflowError for 1e308 + 1e308 and
    ValueError for inf + −inf). ``try`` costs nothing until it catches."""
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):
        return sum(terms)


def affine(
    x: Sequence[Value | Number], w: Sequence[Value | Number], b: Value | Number | None = None
) -> Value:
    """net = Σ_i w_i x_i + b as one node: a neuron's net input, as the notes write it.

    The parents are w_1, x_1, w_2, x_2, …, b, and the local derivatives the notes' rules:

        ∂net/∂w_i = x_i      ∂net/∂x_i = w_i      ∂net/∂b = 1

    so the backward walk gives each weight δ · x_i, its ∂E/∂w, in one push. Its op is
    "w·x+b" ("w·x" without a bias). One node per neuron instead of one ``*`` per weight and
    a ``+``: a 2-16-16-1 training step makes under a fifth of the nodes, and nodes are most
    of its time (docs/performance.md). ``nn.MLP(engine="value")`` computes every net so.
    A number becomes a constant leaf. The sum is ``math.fsum``: exactly rounded (inf or NaN
    where a float sum is, e.g. for inputs of 1e308, without an exception).
    """
    n = len(w)
    if len(x) != n:
        raise ValueError(f"Value affine: {n} weights for {len(x)} inputs")
    if n == 0 and b is None:
        raise ValueError("Value affine: needs at least one weight or a bias")
    inputs = [v if isinstance(v, Value) else Value.lift(v, "affine") for v in x]
    weights = [v if isinstance(v, Value) else Value.lift(v, "affine") for v in w]
    xs = [v.data for v in inputs]
    ws = [v.data for v in weights]
    terms = list(map(operator.mul, ws, xs))
    # Interleaved, as the sum reads: (w_1, x_1, w_2, x_2, …) and (x_1, w_1, x_2, w_2, …)
    parents = weights * 2
    parents[::2] = weights
    parents[1::2] = inputs
    local = xs * 2
    local[::2] = xs
    local[1::2] = ws
    op = "w·x"
    if b is not None:
        bias = b if isinstance(b, Value) else Value.lift(b, "affine")
        terms.append(bias.data)
        parents.append(bias)
        local.append(1.0)
        op = "w·x+b"
    try:  # _sum written out: one call fewer per neuron
        net = math.fsum(terms)
    except (OverflowError, ValueError):
        net = sum(terms)
    return Value.from_op(net, tuple(parents), op, tuple(local))


def softmax(nets: Sequence[Value | Number]) -> list[Value]:
    """O_k = e^(net_k) / Σ_j e^(net_j) for a layer's nets: one "softmax" node per output.

    Each O_k has every net_j as a parent, with the local derivative ∂O_k/∂net_j =
    O_k (δ_kj − O_j) (δ_kj = 1 if k = j else 0). The numbers come from ``ops.softmax``,
    which subtracts the largest net first, so nets of ±1e4 give finite probabilities.
    """
    parents = tuple([n if isinstance(n, Value) else Value.lift(n, "softmax") for n in nets])
    if not parents:
        raise ValueError("softmax: needs at least one net")
    O = ops.softmax(np.array([p.data for p in parents])).tolist()
    outputs = [
        Value.from_op(
            O_k, parents, "softmax", tuple([O_k * ((k == j) - O_j) for j, O_j in enumerate(O)])
        )
        for k, O_k in enumerate(O)
    ]
    for k, O_k in enumerate(outputs):
        _softmax_classes[O_k] = k
    return outputs


# Which output k of its softmax each softmax Value is (weak: being listed keeps no Value
# alive). ``cross_entropy_loss`` reads it through ``softmax_class``.
_softmax_classes: weakref.WeakKeyDictionary[Value, int] = weakref.WeakKeyDictionary()


def softmax_class(output: Value) -> int | None:
    """k when ``output`` is O_k of a ``softmax`` call, so that its net is ``output.parents[k]``
    (while the graph is kept); None for any other Value."""
    return _softmax_classes.get(output)


@functools.lru_cache(maxsize=256)
def _ones(n: int) -> tuple[float, ...]:
    """(1.0, …, 1.0): the local derivatives of an n-term sum, one shared tuple per n.

    A network has a handful of widths, so a few tuples are reused for every neuron. The
    cache keeps the 256 lengths used last: sums of thousands of distinct lengths would
    otherwise keep every tuple forever (6,000 lengths kept about 200 MB).
    """
    return (1.0,) * n
