"""Record: run the network (or walk a graph) once and keep every number the page will show.

``record_network`` trains a Value-engine copy of an MLP with :func:`tinygrad_edu.train.fit`
(one sample per iteration, the notes' E = ½ Σ_k (O_k − t_k)²) and keeps, per iteration,
each unit's net input and output, the error, the backward walk as ``backward(trace=True)``
recorded it, autograd's δ and ∂E/∂w beside the δ rules' (``rules``, the notes' closed form)
and each parameter old → new. ``record_graph`` keeps the walk of any graph of Values.

Naming (note 05's, extended to any size): inputs x1, x2, …; hidden units h1, h2, … (h1.2 =
layer 1, unit 2 when there are several hidden layers); outputs ŷ (ŷ1, ŷ2, … for several).
Weights w1, w2, … are numbered layer by layer, source unit major: for 2-2-1 that is note
05's w1 = x1→h1, w2 = x1→h2, w3 = x2→h1, w4 = x2→h2, w5 = h1→ŷ, w6 = h2→ŷ. Biases b1, b2, …
follow the units. A unit's name also stands for its output O.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .. import checks, graph, nn, ops, rules
from ..losses import cross_entropy_loss, mse_loss
from ..trace import BackwardTrace, naive_backward
from ..train import DivergenceWarning, Step, copy_on, fit
from ..value import Value, softmax, sum_values

# --- the network as the page names it ------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A weight (``source`` is a unit index of layer − 1) or a bias (``source`` None)."""

    name: str
    layer: int  # 1 … L: the layer of the unit it feeds
    unit: int  # index of that unit
    source: int | None
    leaf: Value  # the leaf of the private Value-engine copy


@dataclass
class PageNetwork:
    """The units and parameters of an MLP under the page's names."""

    sizes: list[int]
    activations: list[str]
    units: list[list[str]]  # units[l][j]: the name of unit j of layer l (0 = inputs)
    params: list[Param]
    bias: bool

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @property
    def fused(self) -> bool:
        """A softmax output: its error is cross-entropy E = −Σ_k t_k log O_k, and softmax
        and cross-entropy make one step, δ_k = O_k − t_k (the walk never forms ∂E/∂O)."""
        return ops.OPS[self.activations[-1]].layer_wide

    @property
    def error(self) -> str:
        """The error this network is trained on, as the page writes it."""
        return "E = −Σ_k t_k log O_k" if self.fused else "E = ½ Σ_k (O_k − t_k)²"

    def weights_into(self, layer: int, unit: int) -> list[Param]:
        return [p for p in self.params if p.layer == layer and p.unit == unit]

    def weights_out_of(self, layer: int, unit: int) -> list[Param]:
        return [p for p in self.params if p.layer == layer + 1 and p.source == unit]


def unit_names(sizes: Sequence[int]) -> list[list[str]]:
    """x1, x2, … for the inputs, h1, … (h1.2, … with several hidden layers), ŷ (ŷ1, …)."""
    hidden_layers = len(sizes) - 2
    names = [[f"x{i + 1}" for i in range(sizes[0])]]
    for l in range(1, len(sizes) - 1):
        prefix = "h" if hidden_layers == 1 else f"h{l}."
        names.append([f"{prefix}{j + 1}" for j in range(sizes[l])])
    outs = sizes[-1]
    names.append(["ŷ"] if outs == 1 else [f"ŷ{k + 1}" for k in range(outs)])
    return names


def network(twin: nn.MLP) -> PageNetwork:
    """Name the leaves of a value-engine copy as the page does (and relabel them, for the
    log). On the value engine each parameter is one weight, so ``slots()`` (in the order of
    ``parameters()``) says where each leaf sits."""
    sizes = list(twin.sizes)
    slots = twin.slots()
    leaf = {(s.layer, s.kind, s.index): cast(Value, p) for s, p in zip(slots, twin.parameters())}
    params: list[Param] = []
    for l in range(1, len(sizes)):
        for i in range(sizes[l - 1]):  # source-major: note 05's numbering
            for j in range(sizes[l]):
                params.append(Param(f"w{len(params) + 1}", l, j, i, leaf[l, "W", (j, i)]))
    n_weights = len(params)
    for l in range(1, len(sizes)):
        for j in range(sizes[l]):
            if (l, "b", (j,)) in leaf:
                name = f"b{len(params) - n_weights + 1}"
                params.append(Param(name, l, j, None, leaf[l, "b", (j,)]))
    for p in params:
        p.leaf.label = p.name
    bias = any(s.kind == "b" for s in slots)
    return PageNetwork(sizes, list(twin.activations), unit_names(sizes), params, bias)


# --- one recorded training run -------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A step of the recorded walk that the network view shows, in the walk's order:
    the δ of unit (layer, unit), or the gradient of ``param``."""

    layer: int
    unit: int
    param: Param | None = None


@dataclass
class Iteration:
    """Everything one training iteration computed, recorded while it ran."""

    number: int
    lr: float
    x: list[float]
    t: list[float]
    net: list[list[float]]  # net[l][j] for l = 1 … L (net[0] unused)
    out: list[list[float]]  # out[l][j] for l = 0 … L (out[0] = x)
    loss: float
    trace: BackwardTrace
    dout: list[list[float]]  # ∂E/∂O_j (autograd; nan for a softmax output, never formed)
    delta: list[list[float]]  # δ_j = ∂E/∂net_j (autograd)
    rule_delta: list[list[float]]  # δ_j by the notes' rules
    grad: dict[str, float]  # ∂E/∂w (autograd)
    rule_grad: dict[str, float]  # O_i δ_j, δ_j by the notes' rules
    old: dict[str, float]
    new: dict[str, float]
    visits: list[Visit] = field(default_factory=list)  # the walk, as the page sees it
    naive: dict[str, float] | None = None  # the naive walk's gradients (first iteration)


@dataclass
class OrderView:
    """Both walks on a graph with a reused value: autograd's (topological) and a naive one.

    ``names`` are the leaves (or the network's parameters), ``right`` and ``naive`` their
    gradients by each walk. ``example`` is the small graph drawn beside the table when the
    recording itself reuses no intermediate value; ``own_network`` says the table is the
    network's own first iteration.
    """

    names: list[str]
    right: list[float]
    naive: list[float]
    reused: list[str]
    example: Value | None = None
    own_network: bool = False


@dataclass
class NetworkRecording:
    """A training run of an MLP, iteration by iteration."""

    network: PageNetwork
    lr: float
    iterations: list[Iteration]
    order: OrderView

    def divergence(self) -> DivergenceWarning | None:
        """What to say when an iteration's loss was NaN or infinite (the first one)."""
        for run in self.iterations:
            if not math.isfinite(run.loss):
                n = len(self.iterations)
                return DivergenceWarning(
                    "stepper", run.number - 1, n, run.loss, self.lr, "iteration"
                )
        return None


@dataclass
class GraphRecording:
    """One backward walk of a graph of Values, with its nodes in topological order."""

    root: Value
    nodes: list[Value]
    names: dict[int, str]  # id(node) → its name on the page
    trace: BackwardTrace
    order: OrderView


def as_rows(a: Any, width: int, what: str) -> np.ndarray:
    """``a`` as an (N, width) float array, or a ValueError naming the shape (a TypeError
    for data that are not numbers, e.g. strings)."""
    rows = checks.real_array(a, f"stepper: {what}")
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if rows.ndim != 2 or rows.shape[1] != width:
        raise ValueError(
            f"stepper: {what} must have shape ({width},) or (N, {width}), got {np.shape(a)}"
        )
    return rows


def record_network(
    model: nn.Network, X: np.ndarray, T: np.ndarray, lr: float, steps: int
) -> NetworkRecording:
    """``steps`` iterations of per-sample SGD (sample k mod N at iteration k) on a copy."""
    twin = copy_on(model, "value")
    net = network(twin)
    forward = _Forward(net)
    runs: list[Iteration] = []

    def look(step: Step) -> None:  # after backward, before the update
        runs.append(_iteration(net, twin, forward, step, lr))

    with warnings.catch_warnings():  # a diverging loss: the stepper says so itself
        warnings.simplefilter("ignore", DivergenceWarning)
        fit(twin, X, T, lr=lr, steps=steps, batch_size=1, loss=forward, trace=True, on_step=look)
    for run, after in itertools.pairwise(runs):
        run.new = dict(after.old)
    runs[-1].new = {p.name: p.leaf.data for p in net.params}
    return NetworkRecording(net, lr, runs, _network_order(net, runs[0]))


class _Forward:
    """E of one sample in the notes' form, from the copy's leaves; keeps the unit nodes.

    net_j = Σ_i w_ji O_i + b_j is one "+" node (as a value-engine neuron builds it) and
    O_j = f(net_j) the activation node, so the walk visits every net_j and O_j.
    """

    def __init__(self, net: PageNetwork) -> None:
        self.net = net
        self.nets: list[list[Value]] = []
        self.outs: list[list[Value]] = []

    def __call__(self, model: Any, X: np.ndarray, T: np.ndarray) -> Value:
        net, (x,), (t,) = self.net, X, T
        self.outs = [[Value(float(v), label=name) for v, name in zip(x, net.units[0])]]
        self.nets = [[]]
        for l in range(1, net.depth + 1):
            nets = []
            for j, name in enumerate(net.units[l]):
                into = net.weights_into(l, j)
                terms = [p.leaf * self.outs[l - 1][p.source] for p in into if p.source is not None]
                s = sum_values(terms + [p.leaf for p in into if p.source is None])
                s.label = f"net_{name}"
                nets.append(s)
            activation = net.activations[l - 1]
            if ops.OPS[activation].layer_wide:  # O = softmax(net_1, …, net_C): the whole layer
                outs = softmax(nets)
            else:
                outs = [getattr(s, activation)() for s in nets]
            for o, name in zip(outs, net.units[l]):
                o.label = name
            self.nets.append(nets)
            self.outs.append(outs)
        if net.fused:  # E = −Σ_k t_k log O_k, hung from the nets: δ_k = O_k − t_k
            loss = cross_entropy_loss(self.outs[-1], np.array(t), reduction="sum")
        else:
            targets = [
                Value(float(v), label=f"t{k + 1}" if len(t) > 1 else "t") for k, v in enumerate(t)
            ]
            loss = mse_loss(self.outs[-1], targets, reduction="half_sum")  # E = ½ Σ (O − t)²
        loss.label = "E"
        return loss


def _iteration(net: PageNetwork, twin: nn.MLP, fwd: _Forward, step: Step, lr: float) -> Iteration:
    """What the page needs of one step of ``fit``, read before its update."""
    (x,), (t,) = step.X, step.y
    trace: BackwardTrace = step.trace
    records = rules.backward(twin.get_weights(), net.activations, x, t)
    grad = {p.name: p.leaf.grad for p in net.params}
    # ∂E/∂O of the outputs; with softmax and cross-entropy fused the walk never forms it
    last = [math.nan if net.fused else o.grad for o in fwd.outs[-1]]
    naive = None
    if step.number == 0 and _reused_intermediates(step.loss):
        naive_grads, _ = naive_backward(step.loss)
        naive = {p.name: naive_grads.get(id(p.leaf), 0.0) for p in net.params}
    return Iteration(
        number=step.number + 1,
        lr=lr,
        x=[float(v) for v in x],
        t=[float(v) for v in t],
        net=[[]] + [[s.data for s in layer] for layer in fwd.nets[1:]],
        out=[[o.data for o in layer] for layer in fwd.outs],
        loss=step.loss.data,
        trace=trace,
        dout=[[]] + [[o.grad for o in layer] for layer in fwd.outs[1:-1]] + [last],
        delta=[[]] + [[s.grad for s in layer] for layer in fwd.nets[1:]],
        rule_delta=[[]] + [np.ravel(r.delta).tolist() for r in records],
        grad=grad,
        rule_grad=_rule_grads(net, records),
        old={p.name: p.leaf.data for p in net.params},
        new={},  # filled in once the update has run
        visits=_visits(net, trace, fwd.nets),
        naive=naive,
    )


def _rule_grads(net: PageNetwork, records: Sequence[Any]) -> dict[str, float]:
    """∂E/∂W_ij = O_i δ_j and ∂E/∂b_j = δ_j from ``rules.backward``'s dW and db."""
    grads = {}
    for p in net.params:
        record = records[p.layer - 1]
        if p.source is None:
            grads[p.name] = float(np.ravel(record.db)[p.unit])
        else:
            dW = np.asarray(record.dW).reshape(net.sizes[p.layer], net.sizes[p.layer - 1])
            grads[p.name] = float(dW[p.unit, p.source])
    return grads


def _visits(net: PageNetwork, trace: BackwardTrace, nets: list[list[Value]]) -> list[Visit]:
    """The steps of the recorded walk that the network view shows, in the walk's order."""
    net_of = {id(s): (l, j) for l in range(1, net.depth + 1) for j, s in enumerate(nets[l])}
    param_of = {id(p.leaf): p for p in net.params}
    visits = []
    for step in trace.steps:
        key = id(step.node)
        if key in net_of:
            visits.append(Visit(*net_of[key]))
        elif key in param_of:
            p = param_of[key]
            visits.append(Visit(p.layer, p.unit, p))
    return visits


# --- why the order matters -----------------------------------------------------------------


def _reused_intermediates(root: Value) -> list[Value]:
    """Nodes with parents that are used by more than one op (or twice by one)."""
    uses: dict[int, int] = {}
    nodes = graph.topological_order(root)
    for node in nodes:
        for parent in node.parents:
            uses[id(parent)] = uses.get(id(parent), 0) + 1
    return [n for n in nodes if n.parents and uses.get(id(n), 0) > 1]


def _network_order(net: PageNetwork, first: Iteration) -> OrderView:
    """The network's own first iteration when a hidden output feeds several units."""
    if first.naive is None:
        return _graph_order(None, None)
    names = [p.name for p in net.params]
    right = [first.grad[n] for n in names]
    return OrderView(names, right, [first.naive[n] for n in names], [], own_network=True)


def example_reuse_graph() -> tuple[Value, list[Value]]:
    """One hidden value h = w·x feeding two outputs: h is used twice."""
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    v1, v2 = Value(0.3, label="v1"), Value(-0.2, label="v2")
    h = x * w
    h.label = "h"
    o1, o2 = v1 * h, v2 * h
    o1.label, o2.label = "O1", "O2"
    loss = mse_loss([o1, o2], [Value(1.0, label="t1"), Value(0.0, label="t2")], "half_sum")
    loss.label = "E"
    return loss, [w, v1, v2, x]


def _added_by(trace: BackwardTrace) -> dict[int, float]:
    """What one walk added into each node's gradient: the sum of its += (the seed for root)."""
    added: dict[int, float] = {id(trace.root): float(trace.seed)}
    for push in trace.pushes:
        added[id(push.parent)] = added.get(id(push.parent), 0.0) + push.added
    return added


def _graph_order(root: Value | None, trace: BackwardTrace | None) -> OrderView:
    """Both walks on ``root``'s graph, or on a small example when it reuses no value."""
    example = None
    if root is None or trace is None or not _reused_intermediates(root):
        root, leaves = example_reuse_graph()
        trace = root.backward(trace=True)
        assert trace is not None
        example = root
    else:
        leaves = [n for n in graph.topological_order(root) if not n.parents]
    names = node_names(graph.topological_order(root))
    right, (naive, _) = _added_by(trace), naive_backward(root)
    return OrderView(
        [names[id(n)] for n in leaves],
        [right.get(id(n), 0.0) for n in leaves],
        [naive.get(id(n), 0.0) for n in leaves],
        [names[id(n)] for n in _reused_intermediates(root)],
        example=example,
    )


# --- a graph of Values -------------------------------------------------------------------


def node_names(order: Sequence[Value]) -> dict[int, str]:
    """A name per node: its label, else v{its index in topological order}."""
    return {id(n): n.label or f"v{i}" for i, n in enumerate(order)}


def record_graph(root: Value) -> GraphRecording:
    """Walk ``root``'s graph once with ``backward(trace=True)`` and keep the recording."""
    trace = root.backward(trace=True)
    assert trace is not None
    nodes = graph.topological_order(root)
    return GraphRecording(root, nodes, node_names(nodes), trace, _graph_order(root, trace))
