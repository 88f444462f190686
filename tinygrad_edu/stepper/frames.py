"""Frames: what each press of "next" shows, built from a recording.

A :class:`Frame` is one step of the page: its phase, the sentence that explains it in the
notes' terms, the numbers it fills in, the elements it colours and the ones it highlights.
Elements and numbers are named by *keys* (:func:`key`): ``"h1"`` is unit h1,
``"h1:out"`` its output O, ``"w3:new"`` the updated weight w3, ``"edge:w3"`` the arrow of w3,
``"E"`` the error box. The page's script replays the frames from the last ``reset`` up to
the current one, so each frame only says what changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .. import ops
from .record import GraphRecording, Iteration, NetworkRecording, PageNetwork, Param

# --- numbers as the page writes them -------------------------------------------------------


def num(x: float) -> str:
    """Six significant digits and a real minus sign (the exact float is in data-value)."""
    if x == 0:
        return "0"
    return f"{x:.6g}".replace("-", "−")


def par(x: float) -> str:
    """A number ready to be multiplied: negatives in parentheses."""
    return f"({num(x)})" if x < 0 else num(x)


def vector(xs: Sequence[float]) -> str:
    return num(xs[0]) if len(xs) == 1 else "(" + ", ".join(num(v) for v in xs) + ")"


# f′ of each activation in the notes' form, as a symbol and with the unit's output filled in,
# and f itself: the op table's texts (ops.py).
def fprime_symbol(activation: str, O: str, net: str) -> str:
    return ops.OPS[activation].derivative_text.format(O=O, net=net)


def fprime_numbers(activation: str, out: float, net: float) -> str:
    op = ops.OPS[activation]
    if op.derivative_numbers is None:  # piecewise (relu): show the value f′ takes here
        assert op.float_derivative is not None
        return num(op.float_derivative(net, out))
    return op.derivative_numbers.format(O=par(out), net=par(net))


def activation_text(activation: str) -> str:
    return ops.OPS[activation].formula


def times(activation: str) -> str:
    """ " ·" between (O − t) and f′ when f′ is written as a bare number ("1")."""
    return " ·" if ops.OPS[activation].derivative_text[:1].isdigit() else ""


# --- keys and frames -----------------------------------------------------------------------


def key(name: str, quantity: str = "") -> str:
    """The key of an element of the page (a unit, a parameter, E) or of one of its numbers."""
    return f"{name}:{quantity}" if quantity else name


def edge(name: str) -> str:
    """The key of the arrow of weight ``name`` (or of an edge of a graph)."""
    return f"edge:{name}"


def node(index: int, quantity: str = "") -> str:
    """The key of node ``index`` (topological order) of a graph, or of its data / grad."""
    return key(f"node{index}", quantity)


ITERATION = "iteration"  # the key of the iteration number in the units table's caption


@dataclass
class Shown:
    """One number as the page shows it: six significant digits, and the exact float."""

    text: str
    value: float


def shown(x: float) -> Shown:
    return Shown(num(x), float(x))


@dataclass
class Frame:
    """One step of the page."""

    phase: str  # start, forward, error, backward or update
    iteration: int  # 1, 2, … (0 on a graph's page)
    sentence: str
    reset: bool = False  # the page clears every number before this frame
    values: dict[str, Shown] = field(default_factory=dict)  # key → the number filled in
    states: dict[str, str] = field(default_factory=dict)  # key → fwd, err, bwd or upd
    highlight: list[str] = field(default_factory=list)  # keys of this step's elements

    def put(self, name: str, x: float) -> None:
        self.values[name] = shown(x)


# --- an MLP's training run -----------------------------------------------------------------


def network_frames(rec: NetworkRecording, remarks: Mapping[str, str]) -> list[Frame]:
    """Per iteration: start, forward per unit, error, the walk, an update per parameter."""
    net, frames = rec.network, []
    for run in rec.iterations:
        frames.append(_start_frame(net, run, len(rec.iterations)))
        frames += _forward_frames(net, run)
        frames.append(_error_frame(net, run))
        frames += _backward_frames(net, run)
        frames += _update_frames(net, run, remarks)
    return frames


def _start_frame(net: PageNetwork, run: Iteration, total: int) -> Frame:
    before = "the initial weights" if run.number == 1 else "the weights just updated"
    text = (
        f"Iteration {run.number} of {total}, with {before}: the input x = {vector(run.x)} "
        f"goes in, the target is t = {vector(run.t)}. Press next for the forward pass."
    )
    f = Frame("start", run.number, text, reset=True)
    for p in net.params:
        f.put(key(p.name, "val"), run.old[p.name])
    for name, v in zip(net.units[0], run.x):
        f.put(key(name, "out"), v)
        f.states[name] = "fwd"
    for name, v in zip(net.units[-1], run.t):
        f.put(key(name, "t"), v)
    f.values[ITERATION] = Shown(str(run.number), run.number)
    return f


def _forward_frames(net: PageNetwork, run: Iteration) -> list[Frame]:
    frames = []
    for l in range(1, net.depth + 1):
        act = net.activations[l - 1]
        layer_wide = ops.OPS[act].layer_wide  # softmax: every net first, then each O_k
        for j, name in enumerate(net.units[l]):
            into = net.weights_into(l, j)
            symbols = " + ".join(
                f"{net.units[l - 1][p.source]}·{p.name}" if p.source is not None else p.name
                for p in into
            )
            numbers = " + ".join(
                f"{par(run.out[l - 1][p.source])} · {par(run.old[p.name])}"
                if p.source is not None
                else par(run.old[p.name])
                for p in into
            )
            net_j, out_j = run.net[l][j], run.out[l][j]
            text = f"Forward, unit {name}: net_{name} = {symbols} = {numbers} = {num(net_j)}"
            if layer_wide:
                text += "; its softmax output waits for every net of the layer."
            else:
                text += f"; {name} = f(net_{name}) = {activation_text(act)} = {num(out_j)}."
            f = Frame("forward", run.number, text)
            f.put(key(name, "net"), net_j)
            if not layer_wide:
                f.put(key(name, "out"), out_j)
            f.states[name] = "fwd"
            f.highlight = [name] + [edge(p.name) for p in into if p.source is not None]
            frames.append(f)
        if layer_wide:
            frames += _softmax_frames(net, run, l)
    return frames


def _softmax_frames(net: PageNetwork, run: Iteration, l: int) -> list[Frame]:
    """O_k = e^(net_k) / Σ_j e^(net_j) of each unit of a softmax layer, once all nets are in."""
    names, nets = net.units[l], run.net[l]
    total = " + ".join(f"e^{par(v)}" for v in nets)
    frames = []
    for k, name in enumerate(names):
        text = (
            f"Softmax, unit {name}: {name} = e^(net_{name}) / Σ_j e^(net_j) = "
            f"e^{par(nets[k])} / ({total}) = {num(run.out[l][k])}"
            " (the outputs are positive and sum to 1)."
        )
        f = Frame("forward", run.number, text)
        f.put(key(name, "out"), run.out[l][k])
        f.states[name] = "fwd"
        f.highlight = list(names)
        frames.append(f)
    return frames


def _error_frame(net: PageNetwork, run: Iteration) -> Frame:
    L = net.depth
    if net.fused:  # cross-entropy; a term with t_k = 0 adds nothing
        terms = " + ".join(f"{num(t)} · log {num(o)}" for o, t in zip(run.out[L], run.t))
        text = f"Error: {net.error} = −({terms}) = {num(run.loss)}."
    else:
        terms = " + ".join(f"({num(o)} − {num(t)})²" for o, t in zip(run.out[L], run.t))
        terms = terms if len(run.t) == 1 else f"({terms})"
        text = f"Error: {net.error} = ½ {terms} = {num(run.loss)}."
    f = Frame("error", run.number, text)
    f.put(key("E", "value"), run.loss)
    f.states["E"] = "err"
    f.highlight = ["E", *net.units[L]]
    return f


def _backward_frames(net: PageNetwork, run: Iteration) -> list[Frame]:
    n_nodes = len(run.trace)
    text = (
        f"Backward pass: autograd walks the {n_nodes} nodes of the graph from E in reverse "
        "topological order — a node only after every node that uses it — starting from "
        "∂E/∂E = 1. Each δ_j below is autograd's ∂E/∂net_j; the δ rules' value sits beside it."
    )
    if net.fused:
        text += (
            " Softmax and cross-entropy make one step: ∂E/∂O_k = −t_k / O_k times the "
            "softmax's ∂O_k/∂net_j = O_k (δ_kj − O_j), summed over k, leaves δ_j = O_j − t_j "
            "(the t_k sum to 1), so the walk goes from E straight to the nets."
        )
    frames = [Frame("backward", run.number, text, highlight=["E"])]
    for visit in run.visits:
        if visit.param is None:
            frames.append(_delta_frame(net, run, visit.layer, visit.unit))
        else:
            frames.append(_grad_frame(net, run, visit.param))
    return frames


def _delta_frame(net: PageNetwork, run: Iteration, l: int, j: int) -> Frame:
    act = net.activations[l - 1]
    name = net.units[l][j]
    out, net_j, delta = run.out[l][j], run.net[l][j], run.delta[l][j]
    if l == net.depth and net.fused:
        text = (
            f"Output unit {name} (softmax with cross-entropy): δ_k = O_k − t_k = "
            f"{num(out)} − {num(run.t[j])} = {num(delta)}"
        )
    elif l == net.depth:
        t = run.t[j]
        fp_sym = fprime_symbol(act, "O_k", "net_k")
        fp_num = fprime_numbers(act, out, net_j)
        dot = times(act)
        text = (
            f"Output unit {name}: δ_k = (O_k − t_k){dot} {fp_sym} = ({num(out)} − {num(t)}) · "
            f"{fp_num} = {num(delta)}"
        )
    else:
        outgoing = net.weights_out_of(l, j)
        fp_sym = fprime_symbol(act, "O_j", "net_j")
        fp_num = fprime_numbers(act, out, net_j)
        symbols = " + ".join(f"δ_{net.units[l + 1][p.unit]}·{p.name}" for p in outgoing)
        numbers = " + ".join(
            f"{par(run.delta[l + 1][p.unit])} · {par(run.old[p.name])}" for p in outgoing
        )
        text = (
            f"Hidden unit {name}: δ_j = {fp_sym}{times(act)} Σ_k δ_k W_jk"
            f" = {fp_num} · ({symbols}) = {fp_num} · ({numbers}) = {num(delta)}"
        )
    text += f" (autograd's ∂E/∂net_{name}; the δ rule gives {num(run.rule_delta[l][j])})."
    f = Frame("backward", run.number, text)
    f.put(key(name, "delta"), delta)
    if l == net.depth and net.fused:
        f.values[key(name, "dout")] = Shown("not formed", math.nan)
    else:
        f.put(key(name, "dout"), run.dout[l][j])
    f.put(key(name, "rule"), run.rule_delta[l][j])
    f.states[name] = "bwd"
    f.highlight = [name]
    return f


def _grad_frame(net: PageNetwork, run: Iteration, p: Param) -> Frame:
    target = net.units[p.layer][p.unit]
    grad, rule = run.grad[p.name], run.rule_grad[p.name]
    delta = run.delta[p.layer][p.unit]
    if p.source is None:
        text = f"Bias {p.name} of {target}: ∂E/∂{p.name} = δ_j = δ_{target} = {num(grad)}"
    else:
        source = net.units[p.layer - 1][p.source]
        o_i = run.out[p.layer - 1][p.source]
        text = (
            f"Weight {p.name} ({source} → {target}): ∂E/∂{p.name} = O_i δ_j = "
            f"{source} · δ_{target} = {par(o_i)} · {par(delta)} = {num(grad)}"
        )
    text += f" (autograd); the δ rule gives {num(rule)}."
    f = Frame("backward", run.number, text)
    f.put(key(p.name, "grad"), grad)
    f.put(key(p.name, "rule"), rule)
    f.states[p.name] = "bwd"
    f.highlight = [p.name, target]
    if p.source is not None:
        f.states[edge(p.name)] = "bwd"
        f.highlight.append(edge(p.name))
    return f


def _update_frames(net: PageNetwork, run: Iteration, remarks: Mapping[str, str]) -> list[Frame]:
    frames = []
    for p in net.params:
        old, grad, new = run.old[p.name], run.grad[p.name], run.new[p.name]
        text = (
            f"Update {p.name} ← {p.name} − η ∂E/∂{p.name} = {num(old)} − {num(run.lr)} · "
            f"{par(grad)} = {num(new)}."
        )
        if p.name in remarks and run.number == 1:
            text += " " + remarks[p.name]
        f = Frame("update", run.number, text)
        f.put(key(p.name, "new"), new)
        f.states[p.name] = "upd"
        f.highlight = [p.name]
        if p.source is not None:
            f.states[edge(p.name)] = "upd"
            f.highlight.append(edge(p.name))
        frames.append(f)
    return frames


# --- a graph of Values ---------------------------------------------------------------------


def graph_frames(rec: GraphRecording) -> list[Frame]:
    """The leaves, each result in topological order, then every step of the walk."""
    index = {id(n): i for i, n in enumerate(rec.nodes)}
    names, trace = rec.names, rec.trace
    leaves = [n for n in rec.nodes if not n.parents]
    text = (
        "Forward pass: the leaves hold "
        + ", ".join(f"{names[id(n)]} = {num(n.data)}" for n in leaves)
        + ". Press next to compute each result in topological order."
    )
    f = Frame("start", 0, text, reset=True)
    for n in leaves:
        f.put(node(index[id(n)], "data"), n.data)
        f.states[node(index[id(n)])] = "fwd"
    frames = [f]
    for n in rec.nodes:
        if not n.parents:
            continue
        i = index[id(n)]
        args = ", ".join(f"{names[id(p)]} = {num(p.data)}" for p in n.parents)
        f = Frame("forward", 0, f"Forward: {names[id(n)]} = {n.op}({args}) = {num(n.data)}.")
        f.put(node(i, "data"), n.data)
        f.states[node(i)] = "fwd"
        f.highlight = [node(i)] + [graph_edge(index[id(p)], i) for p in n.parents]
        frames.append(f)
    f = Frame(
        "backward",
        0,
        f"Backward: the walk visits the {len(trace)} nodes in reverse topological order, "
        f"starting from {names[id(rec.root)]} with gradient {num(float(trace.seed))}.",
    )
    f.put(node(index[id(rec.root)], "grad"), float(trace.seed))
    frames.append(f)
    for step in trace.steps:
        i = index[id(step.node)]
        if not step.pushes:
            text = f"Visit {names[id(step.node)]}: a leaf, its gradient {num(step.grad)} is final."
        else:
            pushes = "; ".join(
                f"{names[id(p.parent)]}.grad += {par(p.local)} · {par(step.grad)}: "
                f"{num(p.before)} → {num(p.after)}"
                for p in step.pushes
            )
            text = (
                f"Visit {names[id(step.node)]} ({step.node.op}): its gradient {num(step.grad)} "
                f"is complete, every node that uses it has pushed. It pushes into its parents: "
                f"{pushes}."
            )
        f = Frame("backward", 0, text, states={node(i): "bwd"}, highlight=[node(i)])
        for p in step.pushes:
            j = index[id(p.parent)]
            f.put(node(j, "grad"), p.after)
            f.highlight.append(graph_edge(j, i))
        frames.append(f)
    return frames


def graph_edge(parent: int, child: int) -> str:
    """The key of the edge from node ``parent`` to node ``child`` (topological indices)."""
    return edge(f"{parent}>{child}")
