"""The step-through page: backpropagation one number at a time, in one offline HTML file.

``stepper(model, x, t)`` trains a copy of an MLP on the Value engine for a few iterations
and records every number while it is computed: each unit's net input and output (forward),
the error E = ½ Σ_k (O_k − t_k)², the backward walk as ``backward(trace=True)`` recorded it
(each δ_j = ∂E/∂net_j and each ∂E/∂w, in the walk's reverse topological order, with the δ of
``rules`` — the notes' closed form — beside autograd's), and each SGD update old → new.
``stepper(root)`` does the same for any graph of Values: its forward values, then the walk.

The page is one file: inline SVG (laid out here, no Graphviz needed), CSS and a little plain
JavaScript that replays the recorded frames. Buttons and the arrow keys step; nothing is
fetched from a network. A last section walks a graph with a reused value twice — in
topological order (the engine) and naively, pushing whenever a node is reached — and puts
the wrong gradient of the naive walk beside the right one.

Naming on the page (note 05's, extended to any size): inputs x1, x2, …; hidden units h1, h2,
… (h1.2 = layer 1, unit 2 when there are several hidden layers); outputs ŷ (ŷ1, ŷ2, … for
several). Weights w1, w2, … are numbered layer by layer, source unit major: for 2-2-1 that
is note 05's w1 = x1→h1, w2 = x1→h2, w3 = x2→h1, w4 = x2→h2, w5 = h1→ŷ, w6 = h2→ŷ. Biases
b1, b2, … follow the units. A unit's name also stands for its output O.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import checks, graph, nn, ops, optim, rules
from .losses import mse_loss
from .trace import BackwardTrace, naive_backward
from .value import Value

Frame = dict[str, Any]

# --- numbers as the page writes them -------------------------------------------------------


def _num(x: float) -> str:
    """Six significant digits and a real minus sign (the exact float is in data-value)."""
    if x == 0:
        return "0"
    return f"{x:.6g}".replace("-", "−")


def _par(x: float) -> str:
    """A number ready to be multiplied: negatives in parentheses."""
    return f"({_num(x)})" if x < 0 else _num(x)


def _cell(x: float) -> list[Any]:
    """What a frame stores for one shown number: the text and the exact float."""
    return [_num(x), float(x)]


# f′ of each activation in the notes' form, as a symbol and with the unit's output filled in,
# and f itself: the op table's texts (ops.py).
def _fprime_symbol(activation: str, O: str, net: str) -> str:
    return ops.OPS[activation].derivative_text.format(O=O, net=net)


def _fprime_numbers(activation: str, out: float, net: float) -> str:
    op = ops.OPS[activation]
    if op.derivative_numbers is None:  # piecewise (relu): show the value f′ takes here
        assert op.derivative is not None
        return _num(float(op.derivative(np.array(net), np.array(out))))
    return op.derivative_numbers.format(O=_par(out), net=_par(net))


def _activation_text(activation: str) -> str:
    return ops.OPS[activation].formula


def _times(activation: str) -> str:
    """ " ·" between (O − t) and f′ when f′ is written as a bare number ("1")."""
    return " ·" if ops.OPS[activation].derivative_text[:1].isdigit() else ""


# --- the network as the page names it ------------------------------------------------------


@dataclass(frozen=True)
class _Param:
    """A weight (``source`` is a unit index of layer − 1) or a bias (``source`` None)."""

    name: str
    layer: int  # 1 … L: the layer of the unit it feeds
    unit: int  # index of that unit
    source: int | None
    leaf: Value  # the leaf of the private Value-engine copy


@dataclass
class _Network:
    sizes: list[int]
    activations: list[str]
    units: list[list[str]]  # units[l][j]: the name of unit j of layer l (0 = inputs)
    params: list[_Param]

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    def weights_into(self, layer: int, unit: int) -> list[_Param]:
        return [p for p in self.params if p.layer == layer and p.unit == unit]

    def weights_out_of(self, layer: int, unit: int) -> list[_Param]:
        return [p for p in self.params if p.layer == layer + 1 and p.source == unit]


def _unit_names(sizes: Sequence[int]) -> list[list[str]]:
    hidden_layers = len(sizes) - 2
    names = [[f"x{i + 1}" for i in range(sizes[0])]]
    for l in range(1, len(sizes) - 1):
        prefix = "h" if hidden_layers == 1 else f"h{l}."
        names.append([f"{prefix}{j + 1}" for j in range(sizes[l])])
    outs = sizes[-1]
    names.append(["ŷ"] if outs == 1 else [f"ŷ{k + 1}" for k in range(outs)])
    return names


def _network(twin: nn.MLP) -> _Network:
    """Name the private copy's leaves as the page does (and relabel them, for the log)."""
    sizes = list(twin.sizes)
    units = _unit_names(sizes)
    # The copy's leaf of each weight, by where it sits: (layer, "W", (j, i)) or (layer, "b", (j,))
    leaf: dict[tuple[int, str, tuple[int, ...]], Any] = {
        (s.layer, s.kind, s.index): p for s, p in zip(twin.slots(), twin.parameters())
    }
    params: list[_Param] = []
    for l in range(1, len(sizes)):
        for i in range(sizes[l - 1]):  # source-major: note 05's numbering
            for j in range(sizes[l]):
                params.append(_Param(f"w{len(params) + 1}", l, j, i, leaf[l, "W", (j, i)]))
    n_weights = len(params)
    for l in range(1, len(sizes)):
        for j in range(sizes[l]):
            if (l, "b", (j,)) in leaf:
                name = f"b{len(params) - n_weights + 1}"
                params.append(_Param(name, l, j, None, leaf[l, "b", (j,)]))
    for p in params:
        p.leaf.label = p.name
    return _Network(sizes, list(twin.activations), units, params)


# --- one recorded training run -------------------------------------------------------------


@dataclass
class _Iteration:
    """Everything one training iteration computed, recorded while it ran."""

    number: int
    lr: float
    x: list[float]
    t: list[float]
    net: list[list[float]]  # net[l][j] for l = 1 … L (net[0] unused)
    out: list[list[float]]  # out[l][j] for l = 0 … L (out[0] = x)
    loss: float
    trace: BackwardTrace
    dout: list[list[float]]  # ∂E/∂O_j (autograd)
    delta: list[list[float]]  # δ_j = ∂E/∂net_j (autograd)
    rule_delta: list[list[float]]  # δ_j by the notes' rules
    grad: dict[str, float]  # ∂E/∂w (autograd)
    rule_grad: dict[str, float]  # O_i δ_j, δ_j by the notes' rules
    old: dict[str, float]
    new: dict[str, float]
    events: list[tuple[Any, ...]] = field(default_factory=list)  # the walk, as the page sees it
    naive: dict[str, float] | None = None  # the naive walk's gradients (first iteration)


def _net_node(out: Value, activation: str, name: str) -> Value:
    """The net input of a unit: the one parent of its activation node."""
    if out.op != activation or len(out.parents) != 1:
        raise RuntimeError(f"stepper: unit {name} is not an {activation} node of its net input")
    return out.parents[0]


def _as_rows(a: Any, width: int, what: str) -> np.ndarray:
    """``a`` as an (N, width) float array, or a ValueError naming the shape."""
    rows = checks.real_array(a, f"stepper: {what}")  # strings: a TypeError
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if rows.ndim != 2 or rows.shape[1] != width:
        raise ValueError(
            f"stepper: {what} must have shape ({width},) or (N, {width}), got {np.shape(a)}"
        )
    return rows


def _train(
    net: _Network, twin: nn.MLP, X: np.ndarray, T: np.ndarray, lr: float, steps: int
) -> list[_Iteration]:
    """``steps`` iterations of per-sample SGD on the copy (sample k mod N at iteration k)."""
    opt = optim.SGD([p.leaf for p in net.params], lr=lr)
    runs = []
    L = net.depth
    for k in range(steps):
        x, t = X[k % len(X)], T[k % len(T)]
        opt.zero_grad()
        inputs = [Value(float(v), label=name) for v, name in zip(x, net.units[0])]
        outs: list[list[Value]] = [inputs]
        nets: list[list[Value]] = [[]]
        for l, layer in enumerate(twin.layers, 1):
            outs.append(layer(outs[-1]))  # the model's own neurons compute the forward pass
            nets.append(
                [_net_node(o, net.activations[l - 1], n) for o, n in zip(outs[-1], net.units[l])]
            )
            for o, n, s in zip(outs[-1], net.units[l], nets[-1]):
                o.label, s.label = n, f"net_{n}"
        targets = [Value(float(v), label=f"t{k + 1}" if len(t) > 1 else "t") for v in t]
        loss = mse_loss(outs[-1], targets, reduction="half_sum")  # E = ½ Σ (O − t)²
        loss.label = "E"
        weights = twin.get_weights()  # before the update, for the δ rules
        trace = loss.backward(trace=True)
        assert trace is not None
        records = rules.backward(weights, net.activations, x, t)
        old = {p.name: p.leaf.data for p in net.params}
        grad = {p.name: p.leaf.grad for p in net.params}
        naive = None
        if k == 0 and _reused_intermediates(loss):
            naive_grads, _ = naive_backward(loss)
            naive = {p.name: naive_grads.get(id(p.leaf), 0.0) for p in net.params}
        opt.step()  # w ← w − η ∂E/∂w
        run = _Iteration(
            number=k + 1,
            lr=lr,
            x=[float(v) for v in x],
            t=[float(v) for v in t],
            net=[[]] + [[s.data for s in layer] for layer in nets[1:]],
            out=[[o.data for o in layer] for layer in outs],
            loss=loss.data,
            trace=trace,
            dout=[[]] + [[o.grad for o in layer] for layer in outs[1:]],
            delta=[[]] + [[s.grad for s in layer] for layer in nets[1:]],
            rule_delta=[[]] + [np.ravel(r.delta).tolist() for r in records],
            grad=grad,
            rule_grad=_rule_grads(net, records),
            old=old,
            new={p.name: p.leaf.data for p in net.params},
            naive=naive,
        )
        run.events = _walk_events(net, trace, nets, L)
        runs.append(run)
    return runs


def _rule_grads(net: _Network, records: Sequence[Any]) -> dict[str, float]:
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


def _walk_events(
    net: _Network, trace: BackwardTrace, nets: list[list[Value]], L: int
) -> list[tuple[Any, ...]]:
    """The steps of the recorded walk that the network view shows, in the walk's order."""
    net_of = {id(s): (l, j) for l in range(1, L + 1) for j, s in enumerate(nets[l])}
    param_of = {id(p.leaf): p for p in net.params}
    events: list[tuple[Any, ...]] = []
    for step in trace.steps:
        key = id(step.node)
        if key in net_of:
            events.append(("delta", *net_of[key]))
        elif key in param_of:
            events.append(("param", param_of[key]))
    return events


def _reused_intermediates(root: Value) -> list[Value]:
    """Nodes with parents that are used by more than one op (or twice by one)."""
    uses: dict[int, int] = {}
    nodes = graph.topological_order(root)
    for node in nodes:
        for parent in node.parents:
            uses[id(parent)] = uses.get(id(parent), 0) + 1
    return [n for n in nodes if n.parents and uses.get(id(n), 0) > 1]


# --- frames: what each press of "next" shows -----------------------------------------------


def _ids_unit(l: int, j: int, what: str) -> list[str]:
    """The SVG and table elements that show one number of a unit."""
    return [f"u{l}_{j}_{what}", f"tu{l}_{j}_{what}"]


def _frame(phase: str, it: int, text: str, reset: bool = False) -> Frame:
    return {"p": phase, "it": it, "t": text, "set": {}, "st": {}, "hl": [], "reset": reset}


def _put(frame: Frame, ids: Sequence[str], x: float) -> None:
    for i in ids:
        frame["set"][i] = _cell(x)


def _mlp_frames(net: _Network, runs: list[_Iteration], remarks: Mapping[str, str]) -> list[Frame]:
    frames: list[Frame] = []
    for run in runs:
        frames.append(_start_frame(net, run, len(runs)))
        frames += _forward_frames(net, run)
        frames.append(_error_frame(net, run))
        frames += _backward_frames(net, run)
        frames += _update_frames(net, run, remarks)
    return frames


def _vector(xs: Sequence[float]) -> str:
    return _num(xs[0]) if len(xs) == 1 else "(" + ", ".join(_num(v) for v in xs) + ")"


def _start_frame(net: _Network, run: _Iteration, total: int) -> Frame:
    before = "the initial weights" if run.number == 1 else "the weights just updated"
    text = (
        f"Iteration {run.number} of {total}, with {before}: the input x = {_vector(run.x)} "
        f"goes in, the target is t = {_vector(run.t)}. Press next for the forward pass."
    )
    f = _frame("start", run.number, text, reset=True)
    for p in net.params:
        _put(f, [f"tp_{p.name}_val"], run.old[p.name])
    for i, v in enumerate(run.x):
        _put(f, _ids_unit(0, i, "out"), v)
        f["st"][f"u0_{i}"] = "fwd"
    for k, v in enumerate(run.t):
        _put(f, _ids_unit(net.depth, k, "t"), v)
    f["set"]["t_it"] = [str(run.number), run.number]
    return f


def _forward_frames(net: _Network, run: _Iteration) -> list[Frame]:
    frames = []
    for l in range(1, net.depth + 1):
        act = net.activations[l - 1]
        for j, name in enumerate(net.units[l]):
            into = net.weights_into(l, j)
            symbols = " + ".join(
                f"{net.units[l - 1][p.source]}·{p.name}" if p.source is not None else p.name
                for p in into
            )
            numbers = " + ".join(
                f"{_par(run.out[l - 1][p.source])} · {_par(run.old[p.name])}"
                if p.source is not None
                else _par(run.old[p.name])
                for p in into
            )
            net_j, out_j = run.net[l][j], run.out[l][j]
            text = (
                f"Forward, unit {name}: net_{name} = {symbols} = {numbers} = {_num(net_j)}; "
                f"{name} = f(net_{name}) = {_activation_text(act)} = {_num(out_j)}."
            )
            f = _frame("forward", run.number, text)
            _put(f, _ids_unit(l, j, "net"), net_j)
            _put(f, _ids_unit(l, j, "out"), out_j)
            f["st"][f"u{l}_{j}"] = "fwd"
            f["hl"] = [f"u{l}_{j}"] + [f"e_{p.name}" for p in into if p.source is not None]
            frames.append(f)
    return frames


def _error_frame(net: _Network, run: _Iteration) -> Frame:
    L = net.depth
    terms = " + ".join(f"({_num(o)} − {_num(t)})²" for o, t in zip(run.out[L], run.t))
    terms = terms if len(run.t) == 1 else f"({terms})"
    text = f"Error: E = ½ Σ_k (O_k − t_k)² = ½ {terms} = {_num(run.loss)}."
    f = _frame("error", run.number, text)
    _put(f, ["sv_E", "t_E"], run.loss)
    f["st"]["sv_Ebox"] = "err"
    f["hl"] = ["sv_Ebox"] + [f"u{L}_{k}" for k in range(len(run.t))]
    return f


def _backward_frames(net: _Network, run: _Iteration) -> list[Frame]:
    n_nodes = len(run.trace)
    text = (
        f"Backward pass: autograd walks the {n_nodes} nodes of the graph from E in reverse "
        "topological order — a node only after every node that uses it — starting from "
        "∂E/∂E = 1. Each δ_j below is autograd's ∂E/∂net_j; the δ rules' value sits beside it."
    )
    f = _frame("backward", run.number, text)
    f["hl"] = ["sv_Ebox"]
    frames = [f]
    for event in run.events:
        if event[0] == "delta":
            frames.append(_delta_frame(net, run, event[1], event[2]))
        else:
            frames.append(_grad_frame(net, run, event[1]))
    return frames


def _delta_frame(net: _Network, run: _Iteration, l: int, j: int) -> Frame:
    act = net.activations[l - 1]
    name = net.units[l][j]
    out, net_j, delta = run.out[l][j], run.net[l][j], run.delta[l][j]
    if l == net.depth:
        t = run.t[j]
        fp_sym = _fprime_symbol(act, "O_k", "net_k")
        fp_num = _fprime_numbers(act, out, net_j)
        dot = _times(act)
        text = (
            f"Output unit {name}: δ_k = (O_k − t_k){dot} {fp_sym} = ({_num(out)} − {_num(t)}) · "
            f"{fp_num} = {_num(delta)}"
        )
    else:
        outgoing = net.weights_out_of(l, j)
        fp_sym = _fprime_symbol(act, "O_j", "net_j")
        fp_num = _fprime_numbers(act, out, net_j)
        symbols = " + ".join(f"δ_{net.units[l + 1][p.unit]}·{p.name}" for p in outgoing)
        numbers = " + ".join(
            f"{_par(run.delta[l + 1][p.unit])} · {_par(run.old[p.name])}" for p in outgoing
        )
        text = (
            f"Hidden unit {name}: δ_j = {fp_sym}{_times(act)} Σ_k δ_k W_jk"
            f" = {fp_num} · ({symbols}) = {fp_num} · ({numbers}) = {_num(delta)}"
        )
    text += f" (autograd's ∂E/∂net_{name}; the δ rule gives {_num(run.rule_delta[l][j])})."
    f = _frame("backward", run.number, text)
    _put(f, _ids_unit(l, j, "delta"), delta)
    _put(f, [f"tu{l}_{j}_dout"], run.dout[l][j])
    _put(f, [f"tu{l}_{j}_rule"], run.rule_delta[l][j])
    f["st"][f"u{l}_{j}"] = "bwd"
    f["hl"] = [f"u{l}_{j}"]
    return f


def _grad_frame(net: _Network, run: _Iteration, p: _Param) -> Frame:
    target = net.units[p.layer][p.unit]
    grad, rule = run.grad[p.name], run.rule_grad[p.name]
    delta = run.delta[p.layer][p.unit]
    if p.source is None:
        text = f"Bias {p.name} of {target}: ∂E/∂{p.name} = δ_j = δ_{target} = {_num(grad)}"
    else:
        source = net.units[p.layer - 1][p.source]
        o_i = run.out[p.layer - 1][p.source]
        text = (
            f"Weight {p.name} ({source} → {target}): ∂E/∂{p.name} = O_i δ_j = "
            f"{source} · δ_{target} = {_par(o_i)} · {_par(delta)} = {_num(grad)}"
        )
    text += f" (autograd); the δ rule gives {_num(rule)}."
    f = _frame("backward", run.number, text)
    _put(f, [f"tp_{p.name}_grad"], grad)
    _put(f, [f"tp_{p.name}_rule"], rule)
    f["st"][f"rp_{p.name}"] = "bwd"
    f["hl"] = [f"rp_{p.name}", f"u{p.layer}_{p.unit}"]
    if p.source is not None:
        f["st"][f"e_{p.name}"] = "bwd"
        f["hl"].append(f"e_{p.name}")
    return f


def _update_frames(net: _Network, run: _Iteration, remarks: Mapping[str, str]) -> list[Frame]:
    frames = []
    lr = run.lr
    for p in net.params:
        old, grad, new = run.old[p.name], run.grad[p.name], run.new[p.name]
        text = (
            f"Update {p.name} ← {p.name} − η ∂E/∂{p.name} = {_num(old)} − {_num(lr)} · "
            f"{_par(grad)} = {_num(new)}."
        )
        if p.name in remarks and run.number == 1:
            text += " " + remarks[p.name]
        f = _frame("update", run.number, text)
        _put(f, [f"tp_{p.name}_new"], new)
        f["st"][f"rp_{p.name}"] = "upd"
        f["hl"] = [f"rp_{p.name}"]
        if p.source is not None:
            f["st"][f"e_{p.name}"] = "upd"
            f["hl"].append(f"e_{p.name}")
        frames.append(f)
    return frames


# --- the network drawn in SVG --------------------------------------------------------------

R = 22  # unit radius
GAP = 215  # horizontal distance between layers
VSP = 100  # vertical distance between units of a layer
MARGIN = 34
TEXT_W = 120  # the value block to the right of each unit
CHAR_W = 7.2  # a generous width of one character at 12px


@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: _Box, pad: float = 2.0) -> bool:
        return not (
            self.x1 + pad <= other.x0
            or other.x1 + pad <= self.x0
            or self.y1 + pad <= other.y0
            or other.y1 + pad <= self.y0
        )


@dataclass
class _Layout:
    width: float
    height: float
    pos: list[list[tuple[float, float]]]  # pos[l][j] = unit centre
    labels: dict[str, tuple[float, float]]  # weight name → centre of its edge label
    error_box: _Box


def _layout(net: _Network) -> _Layout:
    tallest = max(net.sizes)
    height = float(2 * MARGIN + 30 + (tallest - 1) * VSP + 2 * R)
    mid = MARGIN + 30 + R + (tallest - 1) * VSP / 2
    pos: list[list[tuple[float, float]]] = []
    for l, n in enumerate(net.sizes):
        x = float(MARGIN + R + l * GAP)
        pos.append([(x, mid + (j - (n - 1) / 2) * VSP) for j in range(n)])
    # E sits below the last output, where no edge passes
    last_x, last_y = pos[-1][-1]
    error_box = _Box(last_x - R, last_y + 44, last_x + R + TEXT_W, last_y + 96)
    width = last_x + R + TEXT_W + MARGIN
    height = max(height, error_box.y1 + MARGIN)
    taken = [_Box(x - R, y - R, x + R, y + R) for layer in pos for x, y in layer]
    taken += [_text_block(x, y) for layer in pos for x, y in layer]
    taken.append(error_box)
    labels = {}
    for p in net.params:
        if p.source is None:
            continue
        (xa, ya), (xb, yb) = pos[p.layer - 1][p.source], pos[p.layer][p.unit]
        labels[p.name] = _place_label(p.name, (xa + R, ya), (xb - R, yb), taken)
    return _Layout(width, height, pos, labels, error_box)


def _text_block(x: float, y: float) -> _Box:
    return _Box(x + R + 4, y - 32, x + R + 4 + TEXT_W - 10, y + 32)


def _label_box(name: str, cx: float, cy: float) -> _Box:
    w = len(name) * CHAR_W + 8
    return _Box(cx - w / 2, cy - 9, cx + w / 2, cy + 9)


# Where along an edge (0 = source, 1 = target) a weight's name may sit, best first.
_LABEL_SPOTS = (0.8, 0.72, 0.64, 0.86, 0.56, 0.48, 0.9, 0.4)


def _place_label(
    name: str, a: tuple[float, float], b: tuple[float, float], taken: list[_Box]
) -> tuple[float, float]:
    """The first spot on the edge a → b whose label box overlaps nothing placed so far."""
    best, best_hits = (a[0], a[1]), 10**9
    for s in _LABEL_SPOTS:
        cx, cy = a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])
        box = _label_box(name, cx, cy)
        hits = sum(box.hits(other) for other in taken)
        if hits < best_hits:
            best, best_hits = (cx, cy), hits
        if hits == 0:
            break
    taken.append(_label_box(name, *best))
    return best


def _svg_network(net: _Network, lay: _Layout) -> str:
    out = [
        f'<svg id="net" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
        f'style="min-width:{lay.width * 0.85:.0f}px" role="img" '
        'aria-label="the network: units, weights and the error">'
    ]
    L = net.depth
    titles = ["inputs"] + ["hidden"] * (L - 1) + ["outputs"]
    for l, title in enumerate(titles):
        x = lay.pos[l][0][0]
        out.append(f'<text class="layer" x="{x:.0f}" y="{MARGIN - 8}">{title}</text>')
    for p in net.params:  # edges first, so units and labels sit on top
        if p.source is None:
            continue
        (xa, ya), (xb, yb) = lay.pos[p.layer - 1][p.source], lay.pos[p.layer][p.unit]
        out.append(
            f'<line id="e_{p.name}" class="edge" x1="{xa + R:.1f}" y1="{ya:.1f}" '
            f'x2="{xb - R:.1f}" y2="{yb:.1f}"/>'
        )
    for p in net.params:
        if p.source is None:
            continue
        cx, cy = lay.labels[p.name]
        box = _label_box(p.name, cx, cy)
        out.append(
            f'<g class="wlabel" id="el_{p.name}"><rect x="{box.x0:.1f}" y="{box.y0:.1f}" '
            f'width="{box.x1 - box.x0:.1f}" height="{box.y1 - box.y0:.1f}" rx="4"/>'
            f'<text x="{cx:.1f}" y="{cy + 4:.1f}">{p.name}</text></g>'
        )
    for l, layer in enumerate(lay.pos):
        for j, (x, y) in enumerate(layer):
            out.append(_svg_unit(net, l, j, x, y))
    e = lay.error_box
    out.append(
        f'<g id="sv_Ebox" class="ebox"><rect x="{e.x0:.1f}" y="{e.y0:.1f}" '
        f'width="{e.x1 - e.x0:.1f}" height="{e.y1 - e.y0:.1f}" rx="8"/>'
        f'<text x="{(e.x0 + e.x1) / 2:.1f}" y="{e.y0 + 20:.1f}">E = ½ Σ (O − t)²</text>'
        f'<text x="{(e.x0 + e.x1) / 2:.1f}" y="{e.y0 + 40:.1f}">'
        f'<tspan id="sv_E" class="v" data-v="1">?</tspan></text></g>'
    )
    out.append("</svg>")
    return "\n".join(out)


def _svg_unit(net: _Network, l: int, j: int, x: float, y: float) -> str:
    name = html.escape(net.units[l][j])
    parts = [
        f'<g class="unit"><circle id="u{l}_{j}" cx="{x:.1f}" cy="{y:.1f}" r="{R}"/>'
        f'<text class="uname" x="{x:.1f}" y="{y + 5:.1f}">{name}</text>'
    ]
    rows = [("out", "=")]
    if l > 0:
        rows = [("net", "net"), ("out", "O"), ("delta", "δ")]
    if l == net.depth:
        rows.append(("t", "t"))
    top = y - 8 * (len(rows) - 1) + 4
    for k, (what, tag) in enumerate(rows):
        parts.append(
            f'<text class="uval" x="{x + R + 8:.1f}" y="{top + 16 * k:.1f}">{tag} '
            f'<tspan id="u{l}_{j}_{what}" class="v" data-v="1">·</tspan></text>'
        )
    parts.append("</g>")
    return "".join(parts)


# --- the tables ----------------------------------------------------------------------------


def _td(cell_id: str, extra_class: str = "") -> str:
    """A table cell that frames fill in (``data-v`` marks it for the page's script)."""
    return f'<td id="{cell_id}" class="v num {extra_class}" data-v="1">·</td>'


def _units_table(net: _Network) -> str:
    head = (
        '<tr><th>unit</th><th>net</th><th>O</th><th class="c-opt">∂E/∂O</th>'
        "<th>δ autograd<br><small>∂E/∂net</small></th><th>δ rules</th></tr>"
    )
    rows = []
    for l in range(1, net.depth + 1):
        for j, name in enumerate(net.units[l]):
            cells = "".join(
                _td(f"tu{l}_{j}_{w}", "c-opt" if w == "dout" else "")
                for w in ("net", "out", "dout", "delta", "rule")
            )
            rows.append(f'<tr id="ru{l}_{j}"><th>{html.escape(name)}</th>{cells}</tr>')
    L = net.depth
    targets = "".join(
        f"<tr><th>t for {html.escape(n)}</th>{_td(f'tu{L}_{k}_t')}<td colspan=4></td></tr>"
        for k, n in enumerate(net.units[L])
    )
    error = f'<tr class="erow"><th>E</th>{_td("t_E")}<td colspan=4></td></tr>'
    return (
        '<table id="units"><caption>Units (iteration <span id="t_it" class="v" data-v="1">1'
        f"</span>)</caption>{head}{''.join(rows)}{targets}{error}</table>"
    )


def _params_table(net: _Network) -> str:
    head = (
        '<tr><th>param</th><th class="c-opt">connects</th><th>value</th><th>∂E/∂w autograd</th>'
        "<th>δ rule<br><small>O_i δ_j</small></th><th>new value</th></tr>"
    )
    rows = []
    for p in net.params:
        target = net.units[p.layer][p.unit]
        where = (
            f"{net.units[p.layer - 1][p.source]} → {target}"
            if p.source is not None
            else f"bias of {target}"
        )
        cells = "".join(_td(f"tp_{p.name}_{w}") for w in ("val", "grad", "rule", "new"))
        rows.append(
            f'<tr id="rp_{p.name}"><th>{p.name}</th><td class="c-opt">{html.escape(where)}</td>'
            f"{cells}</tr>"
        )
    return f'<table id="params"><caption>Weights and biases</caption>{head}{"".join(rows)}</table>'


# --- the view of why the order matters -----------------------------------------------------


def _example_reuse_graph() -> tuple[Value, list[Value]]:
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


def _order_rows(names: Sequence[str], right: Sequence[float], wrong: Sequence[float]) -> str:
    rows = []
    for k, (name, r, w) in enumerate(zip(names, right, wrong)):
        mark = "same" if abs(r - w) <= 1e-12 * max(1.0, abs(r)) else "wrong"
        rows.append(
            f'<tr class="{mark}"><th>{html.escape(name)}</th>'
            f'<td id="nv_{k}_topo" class="num" data-value="{r!r}">{_num(r)}</td>'
            f'<td id="nv_{k}_naive" class="num" data-value="{w!r}">{_num(w)}</td>'
            f"<td>{mark}</td></tr>"
        )
    return (
        '<div class="tables"><table id="naive"><tr><th>∂E/∂</th><th>autograd<br>'
        "<small>topological order</small></th><th>naive walk<br><small>no ordering</small>"
        f"</th><th></th></tr>{''.join(rows)}</table></div>"
    )


_ORDER_TEXT = (
    "The engine visits a node only after every node that uses it, so when a reused value "
    "pushes into its parents, its gradient is complete. A naive walk — depth first from the "
    "root, a node pushes its gradient so far each time it is reached — reaches a reused "
    "value once per use: the first time with a partial gradient, the next time with the "
    "whole of it again, so everything below it is counted too much. Both columns are "
    "computed here, by the engine's walk and by that naive walk on the same graph."
)


def _order_section(root: Value | None = None, trace: BackwardTrace | None = None) -> str:
    """Both walks on a graph with a reused intermediate value, gradients side by side.

    ``root`` is the page's own graph with its recorded walk; without a reused intermediate
    value in it (or without it) a small example graph is used instead.
    """
    intro, svg = "", ""
    if root is None or trace is None or not _reused_intermediates(root):
        root, leaves = _example_reuse_graph()
        trace = root.backward(trace=True)
        assert trace is not None
        intro = (
            "This small graph shows it: h = w·x feeds both O1 = v1·h and O2 = v2·h, and "
            "E = ½ ((O1 − 1)² + (O2 − 0)²), so h is used twice. "
        )
        svg = _svg_graph(root, prefix="ng", live=False)
    else:
        leaves = [n for n in graph.topological_order(root) if not n.parents]
    names = _names(graph.topological_order(root))
    reused = ", ".join(names[id(n)] for n in _reused_intermediates(root))
    right, (naive, _) = _added_by(trace), naive_backward(root)
    table = _order_rows(
        [names[id(n)] for n in leaves],
        [right.get(id(n), 0.0) for n in leaves],
        [naive.get(id(n), 0.0) for n in leaves],
    )
    return (
        '<section id="order"><h2>Why the walk follows topological order</h2>'
        f"<p>{intro}Reused here: {html.escape(reused)}. {_ORDER_TEXT}</p>"
        f'<div class="row">{f"<div class=scroll>{svg}</div>" if svg else ""}{table}</div></section>'
    )


# --- a computation graph drawn in SVG (for stepper(root) and the order view) ---------------

NODE_W, NODE_H, RANK_GAP, ROW_GAP = 150, 54, 196, 68


def _graph_layout(root: Value) -> tuple[list[Value], dict[int, tuple[float, float]], float, float]:
    """Ranks by longest path from a leaf, rows ordered by the parents' mean row (3 sweeps)."""
    order = graph.topological_order(root)
    rank: dict[int, int] = {}
    for node in order:
        rank[id(node)] = 1 + max((rank[id(p)] for p in node.parents), default=-1)
    columns: dict[int, list[Value]] = {}
    for node in order:
        columns.setdefault(rank[id(node)], []).append(node)
    row = {id(n): float(i) for col in columns.values() for i, n in enumerate(col)}
    for _ in range(3):
        for r in sorted(columns)[1:]:
            col = columns[r]
            col.sort(key=lambda n: sum(row[id(p)] for p in n.parents) / len(n.parents))
            for i, n in enumerate(col):
                row[id(n)] = float(i)
    tallest = max(len(c) for c in columns.values())
    pos: dict[int, tuple[float, float]] = {}
    for r, col in columns.items():
        offset = (tallest - len(col)) / 2
        for i, n in enumerate(col):
            pos[id(n)] = (float(MARGIN + r * RANK_GAP), MARGIN + (i + offset) * ROW_GAP)
    width = float(2 * MARGIN + max(columns) * RANK_GAP + NODE_W)
    height = float(2 * MARGIN + (tallest - 1) * ROW_GAP + NODE_H)
    return order, pos, width, height


def _names(order: Sequence[Value]) -> dict[int, str]:
    """A name per node: its label, else v{its index in topological order}."""
    return {id(n): n.label or f"v{i}" for i, n in enumerate(order)}


def _node_title(node: Value, index: int) -> str:
    name = node.label or f"v{index}"
    return f"{name} = {node.op}" if node.op else name


def _svg_graph(root: Value, prefix: str = "n", live: bool = True) -> str:
    """Boxes with a name, data and grad per node; ids ``{prefix}{topological index}``.

    ``live``: the numbers start blank and the frames fill them in; otherwise they show the
    nodes' current data and grad.
    """
    order, pos, width, height = _graph_layout(root)
    index = {id(n): i for i, n in enumerate(order)}
    out = [
        f'<svg id="{prefix}svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="min-width:{width * 0.6:.0f}px" role="img" aria-label="computation graph">'
    ]
    for node in order:
        x, y = pos[id(node)]
        for p in node.parents:
            px, py = pos[id(p)]
            x0, y0, x1, y1 = px + NODE_W, py + NODE_H / 2, x, y + NODE_H / 2
            out.append(
                f'<path class="edge" id="{prefix}e{index[id(p)]}_{index[id(node)]}" '
                f'd="M{x0:.1f},{y0:.1f} C{(x0 + x1) / 2:.1f},{y0:.1f} '
                f'{(x0 + x1) / 2:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"/>'
            )
    for node in order:
        i = index[id(node)]
        x, y = pos[id(node)]
        title = html.escape(_node_title(node, i))
        data_text = "·" if live else _num(node.data)
        grad_text = "·" if live else _num(node.grad)
        out.append(
            f'<g class="gnode"><rect id="{prefix}{i}" x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" '
            f'height="{NODE_H}" rx="6"/>'
            f'<text class="gtitle" x="{x + 8:.1f}" y="{y + 16:.1f}">{title}</text>'
            f'<text class="gval" x="{x + 8:.1f}" y="{y + 32:.1f}">data '
            f'<tspan id="{prefix}{i}_data" class="v" data-v="1">{data_text}</tspan></text>'
            f'<text class="gval" x="{x + 8:.1f}" y="{y + 47:.1f}">grad '
            f'<tspan id="{prefix}{i}_grad" class="v" data-v="1">{grad_text}</tspan></text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _graph_frames(root: Value, trace: BackwardTrace) -> list[Frame]:
    order = graph.topological_order(root)
    index = {id(n): i for i, n in enumerate(order)}
    names = _names(order)
    leaves = [n for n in order if not n.parents]
    text = (
        "Forward pass: the leaves hold "
        + ", ".join(f"{names[id(n)]} = {_num(n.data)}" for n in leaves)
        + ". Press next to compute each result in topological order."
    )
    f = _frame("start", 0, text, reset=True)
    for n in leaves:
        _put(f, [f"n{index[id(n)]}_data"], n.data)
        f["st"][f"n{index[id(n)]}"] = "fwd"
    frames = [f]
    for n in order:
        if not n.parents:
            continue
        i = index[id(n)]
        args = ", ".join(f"{names[id(p)]} = {_num(p.data)}" for p in n.parents)
        f = _frame("forward", 0, f"Forward: {names[id(n)]} = {n.op}({args}) = {_num(n.data)}.")
        _put(f, [f"n{i}_data"], n.data)
        f["st"][f"n{i}"] = "fwd"
        f["hl"] = [f"n{i}"] + [f"ne{index[id(p)]}_{i}" for p in n.parents]
        frames.append(f)
    f = _frame(
        "backward",
        0,
        f"Backward: the walk visits the {len(trace)} nodes in reverse topological order, "
        f"starting from {names[id(root)]} with gradient {_num(float(trace.seed))}.",
    )
    _put(f, [f"n{index[id(root)]}_grad"], float(trace.seed))
    frames.append(f)
    for step in trace.steps:
        frames.append(_graph_step_frame(step, index, names))
    return frames


def _graph_step_frame(step: Any, index: dict[int, int], names: dict[int, str]) -> Frame:
    node, i = step.node, index[id(step.node)]
    if not step.pushes:
        text = f"Visit {names[id(node)]}: a leaf, its gradient {_num(step.grad)} is final."
    else:
        pushes = "; ".join(
            f"{names[id(p.parent)]}.grad += {_par(p.local)} · {_par(step.grad)}: "
            f"{_num(p.before)} → {_num(p.after)}"
            for p in step.pushes
        )
        text = (
            f"Visit {names[id(node)]} ({node.op}): its gradient {_num(step.grad)} is complete, "
            f"every node that uses it has pushed. It pushes into its parents: {pushes}."
        )
    f = _frame("backward", 0, text)
    f["st"][f"n{i}"] = "bwd"
    f["hl"] = [f"n{i}"]
    for p in step.pushes:
        j = index[id(p.parent)]
        _put(f, [f"n{j}_grad"], p.after)
        f["hl"].append(f"ne{j}_{i}")
    return f


# --- the page ------------------------------------------------------------------------------

_CSS = """
:root { --fwd:#2f6fdb; --fwd-bg:#dce8fb; --err:#c8364a; --err-bg:#f9dde1; --bwd:#7b3fb5;
  --bwd-bg:#ecdff7; --upd:#23884a; --upd-bg:#d8f0e0; --cur:#f0a500; --cur-bg:#fff1c7;
  --ink:#1d232b; --muted:#5d6673; --line:#b8c0cc; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fafbfc; }
header, main, section, footer { padding: 0 16px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.3rem; margin: 12px 0 2px; }
h2 { font-size: 1.1rem; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 8px; }
#bar { position: sticky; top: 0; z-index: 2; background: #fafbfc; padding: 8px 16px;
  border-bottom: 1px solid var(--line); }
.controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
button { font: inherit; padding: 6px 12px; border: 1px solid var(--line); border-radius: 6px;
  background: white; cursor: pointer; min-width: 44px; }
button:disabled { opacity: .4; cursor: default; }
#next { background: var(--fwd); color: white; border-color: var(--fwd); }
#counter, #phase { color: var(--muted); margin-left: 4px; }
#phase b { color: var(--ink); }
#sentence { margin: 8px 0 0; min-height: 3em; padding: 8px 10px; background: var(--cur-bg);
  border-left: 4px solid var(--cur); border-radius: 4px; }
main { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 12px; }
.graph { flex: 1 1 480px; min-width: 0; }
.scroll { overflow-x: auto; }
.tables { flex: 0 1 auto; min-width: 0; overflow-x: auto; }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 12px; fill: var(--ink); }
svg .layer { fill: var(--muted); text-anchor: middle; }
svg .uname { text-anchor: middle; font-weight: 600; font-size: 13px; }
.edge { stroke: var(--line); stroke-width: 1.6; fill: none; }
.edge[data-st=bwd] { stroke: var(--bwd); }
.edge[data-st=upd] { stroke: var(--upd); }
.edge.cur { stroke: var(--cur); stroke-width: 4; }
.unit circle, .gnode rect { fill: white; stroke: #7a8594; stroke-width: 1.5; }
circle[data-st=fwd], .gnode rect[data-st=fwd] { fill: var(--fwd-bg); stroke: var(--fwd); }
circle[data-st=bwd], .gnode rect[data-st=bwd] { fill: var(--bwd-bg); stroke: var(--bwd); }
circle.cur, .gnode rect.cur { stroke: var(--cur); stroke-width: 4; }
.wlabel rect { fill: white; stroke: var(--line); }
.wlabel text { text-anchor: middle; }
.ebox rect { fill: white; stroke: #7a8594; }
.ebox text { text-anchor: middle; }
.ebox[data-st=err] rect { fill: var(--err-bg); stroke: var(--err); }
.ebox.cur rect { stroke: var(--cur); stroke-width: 4; }
tspan.cur { fill: #9a5b00; font-weight: 700; }
table { border-collapse: collapse; margin: 0 0 14px; font-size: 13.5px; }
caption { text-align: left; font-weight: 600; margin-bottom: 4px; }
th, td { border: 1px solid #dde2e8; padding: 3px 6px; text-align: left; white-space: nowrap; }
th { background: #f1f3f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr[data-st=bwd] th { background: var(--bwd-bg); }
tr[data-st=upd] th { background: var(--upd-bg); }
tr.cur th { background: var(--cur-bg); outline: 2px solid var(--cur); }
td.cur { background: var(--cur-bg); font-weight: 700; }
tr.erow th { color: var(--err); }
tr.wrong td { color: var(--err); font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0; font-size: 13px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px;
  margin-right: 5px; vertical-align: -1px; border-radius: 3px; border: 2px solid; }
.lg-fwd::before { background: var(--fwd-bg); border-color: var(--fwd) !important; }
.lg-err::before { background: var(--err-bg); border-color: var(--err) !important; }
.lg-bwd::before { background: var(--bwd-bg); border-color: var(--bwd) !important; }
.lg-upd::before { background: var(--upd-bg); border-color: var(--upd) !important; }
.lg-cur::before { background: var(--cur-bg); border-color: var(--cur) !important; }
.row { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.row .scroll { flex: 1 1 480px; min-width: 0; }
pre { font-size: 12px; background: #f1f3f6; padding: 8px; overflow-x: auto; }
footer { color: var(--muted); font-size: 13px; margin: 18px auto; }
kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; background: white; }
@media (max-width: 700px) {
  body { font-size: 14px; }
  header, main, section, footer, #bar { padding-left: 8px; padding-right: 8px; }
  table { font-size: 13px; }
  th, td { padding: 2px 4px; }
  button { padding: 6px 9px; }
  .c-opt { display: none; }
}
"""

_JS = """
(function () {
  const F = JSON.parse(document.getElementById('frames').textContent);
  const cells = Array.from(document.querySelectorAll('[data-v]'));
  const base = new Map(cells.map(e => [e, e.textContent]));
  const $ = id => document.getElementById(id);
  let cur = 0;
  function show(i) {
    i = Math.max(0, Math.min(F.length - 1, i));
    let s = i;
    while (s > 0 && !F[s].reset) s--;
    for (const e of cells) { e.textContent = base.get(e); e.removeAttribute('data-value'); }
    document.querySelectorAll('[data-st]').forEach(e => e.removeAttribute('data-st'));
    document.querySelectorAll('.cur').forEach(e => e.classList.remove('cur'));
    for (let k = s; k <= i; k++) {
      for (const id in F[k].set) {
        const e = $(id);
        if (e) { e.textContent = F[k].set[id][0]; e.setAttribute('data-value', F[k].set[id][1]); }
      }
      for (const id in F[k].st) { const e = $(id); if (e) e.setAttribute('data-st', F[k].st[id]); }
    }
    const f = F[i];
    for (const id of f.hl.concat(Object.keys(f.set))) {
      const e = $(id);
      if (e) e.classList.add('cur');
    }
    // on a narrow screen the drawing scrolls sideways: bring this step's elements into view
    const shown = f.hl.map($).filter(e => e && e.closest('#main-scroll'));
    if (shown.length) {
      const wrap = $('main-scroll'), w = wrap.getBoundingClientRect();
      const left = Math.min(...shown.map(e => e.getBoundingClientRect().left));
      const right = Math.max(...shown.map(e => e.getBoundingClientRect().right));
      if (left < w.left || right > w.right) {
        const centre = (left + right - w.left - w.right) / 2;
        wrap.scrollLeft += right - left > w.width ? left - w.left : centre;
      }
    }
    $('sentence').textContent = f.t;
    $('counter').textContent = 'step ' + (i + 1) + ' / ' + F.length;
    $('phase').innerHTML = (f.it ? 'iteration ' + f.it + ' · ' : '') + '<b>' + f.p + '</b>';
    $('first').disabled = $('prev').disabled = i === 0;
    $('last').disabled = $('next').disabled = i === F.length - 1;
    document.body.setAttribute('data-step', i);
    cur = i;
  }
  $('first').onclick = () => show(0);
  $('prev').onclick = () => show(cur - 1);
  $('next').onclick = () => show(cur + 1);
  $('last').onclick = () => show(F.length - 1);
  document.addEventListener('keydown', e => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const to = {ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: F.length - 1}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });
  show(0);
})();
"""

_LEGEND = {
    "fwd": "forward value computed",
    "err": "error E",
    "bwd": "δ / gradient computed",
    "upd": "weight updated",
    "cur": "this step",
}


def _legend(keys: Sequence[str]) -> str:
    items = "".join(f'<span class="lg-{k}">{_LEGEND[k]}</span>' for k in keys)
    return f'<div class="legend" id="legend">{items}</div>'


def _json_safe(x: Any) -> Any:
    """``x`` with every non-finite float as the text the page shows ("inf", "−inf", "nan").

    JSON has no Infinity or NaN: ``JSON.parse`` refuses them, and the page would not step.
    """
    if isinstance(x, float):
        return x if math.isfinite(x) else _num(x)
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def _page(
    title: str,
    subtitle: str,
    graph_svg: str,
    tables: str,
    frames: list[Frame],
    extra: str,
    legend: Sequence[str] = tuple(_LEGEND),
) -> str:
    data = json.dumps(
        _json_safe(frames), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    # Every "<" as its JSON escape: no "</script>" or "<!--<script>" inside the data can end
    # or confuse the <script> element (a "<" only ever sits inside a JSON string).
    data = data.replace("<", "\\u003c")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style></head>
<body>
<header><h1>{html.escape(title)}</h1><p class="sub">{subtitle}</p></header>
<div id="bar"><div class="controls">
<button id="first" title="first step (Home)" aria-label="first step">« first</button>
<button id="prev" title="previous step (←)" aria-label="previous step">◀ back</button>
<button id="next" title="next step (→)" aria-label="next step">next ▶</button>
<button id="last" title="last step (End)" aria-label="last step">last »</button>
<span id="counter"></span><span id="phase"></span></div>
<p id="sentence" aria-live="polite"></p></div>
<main><div class="graph"><div class="scroll" id="main-scroll">{graph_svg}</div>
{_legend(legend)}</div>
<div class="tables">{tables}</div></main>
{extra}
<footer>Keys: <kbd>→</kbd> next, <kbd>←</kbd> back, <kbd>Home</kbd>/<kbd>End</kbd>.
Every number was recorded while tinygrad_edu's Value engine ran. Made by
<code>tinygrad_edu.viz.stepper</code>; this file needs no network.</footer>
<script type="application/json" id="frames">{data}</script>
<script>{_JS}</script>
</body></html>
"""


def _log_section(runs: list[_Iteration]) -> str:
    blocks = "".join(
        f"<details><summary>Iteration {run.number}: the recorded walk "
        f"(<code>print(loss.backward(trace=True))</code>)</summary>"
        f"<pre>{html.escape(str(run.trace))}</pre></details>"
        for run in runs
    )
    return f'<section id="log"><h2>The engine\'s log</h2>{blocks}</section>'


# --- the public function -------------------------------------------------------------------


def stepper(
    model_or_root: Any,
    x: Any = None,
    t: Any = None,
    lr: float = 0.05,
    steps: int = 2,
    path: str | Path = "stepper.html",
    title: str | None = None,
    remarks: Mapping[str, str] | None = None,
) -> Path:
    """Write one self-contained HTML page that steps through backpropagation; return its path.

    ``model_or_root`` is an ``nn.MLP`` (either engine; ``x`` and ``t`` required: one sample of
    shape (in,) and (out,), or N rows, taken in turn) or a ``Value`` whose graph is already
    built. For an MLP the page shows ``steps`` training iterations of SGD with learning rate
    ``lr`` on E = ½ Σ_k (O_k − t_k)², computed by the Value engine on a copy of the model's
    weights (the model itself is not changed). For a Value it shows the forward values and
    the backward walk. ``remarks`` adds a sentence to a parameter's update step in the first
    iteration (keyed by the page's name of the parameter, e.g. ``"w3"``).
    """
    path = Path(path)
    if isinstance(model_or_root, nn.Network):  # any network: it is copied by its weights
        page = _mlp_page(model_or_root, x, t, lr, steps, title, remarks or {})
    elif isinstance(model_or_root, Value):
        if x is not None or t is not None:
            raise ValueError("stepper: x and t are for a model; a Value's graph is already built")
        page = _graph_page(model_or_root, title)
    else:
        raise TypeError(
            f"stepper: expected an nn.MLP or a Value, got {type(model_or_root).__name__}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _mlp_page(
    model: nn.Network,
    x: Any,
    t: Any,
    lr: float,
    steps: int,
    title: str | None,
    remarks: Mapping[str, str],
) -> str:
    if x is None or t is None:
        raise ValueError("stepper: an MLP needs x (inputs) and t (targets)")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"stepper: steps must be a positive integer, got {steps!r}")
    X = _as_rows(x, model.sizes[0], "x")
    T = _as_rows(t, model.sizes[-1], "t")
    if len(X) != len(T):
        raise ValueError(f"stepper: x has {len(X)} rows and t has {len(T)}; they must match")
    weights, activations = model.get_weights(), list(model.activations)
    bias = weights[0][1] is not None
    twin = nn.MLP(model.sizes, activations[0], activations[-1], bias=bias, engine="value")
    twin.set_weights(weights)
    net = _network(twin)
    runs = _train(net, twin, X, T, lr, steps)
    frames = _mlp_frames(net, runs, remarks)
    arch = "-".join(str(n) for n in net.sizes)
    acts = "/".join(dict.fromkeys(net.activations))
    title = title or f"Backpropagation step by step: a {arch} network ({acts})"
    subtitle = (
        f"{steps} iteration{'s' if steps > 1 else ''} of gradient descent with learning rate "
        f"η = {_num(lr)} on E = ½ Σ_k (O_k − t_k)², "
        f"{'with' if bias else 'without'} biases. Step with the buttons or the arrow keys."
    )
    first = runs[0]
    order = _order_section() if first.naive is None else _naive_table(net, first)
    tables = _units_table(net) + _params_table(net)
    return _page(
        title,
        html.escape(subtitle),
        _svg_network(net, _layout(net)),
        tables,
        frames,
        order + _log_section(runs),
    )


def _naive_table(net: _Network, run: _Iteration) -> str:
    """The order view on the network's own graph (its hidden outputs feed several units)."""
    assert run.naive is not None
    table = _order_rows(
        [p.name for p in net.params],
        [run.grad[p.name] for p in net.params],
        [run.naive[p.name] for p in net.params],
    )
    return (
        '<section id="order"><h2>Why the walk follows topological order</h2>'
        "<p>In this network a hidden output feeds several units, so the graph of iteration 1 "
        f"uses it more than once. {_ORDER_TEXT}</p>{table}</section>"
    )


def _graph_page(root: Value, title: str | None) -> str:
    trace = root.backward(trace=True)
    assert trace is not None
    frames = _graph_frames(root, trace)
    nodes = graph.topological_order(root)
    title = title or f"Backpropagation step by step: a graph of {len(nodes)} values"
    subtitle = (
        "Each result in topological order, then the backward walk in reverse topological "
        "order: every += into a parent's gradient, with its value before and after."
    )
    rows = "".join(
        f"<tr><th>{html.escape(_node_title(n, i))}</th>{_td(f'tn{i}_data')}{_td(f'tn{i}_grad')}"
        "</tr>"
        for i, n in enumerate(nodes)
    )
    # the table mirrors the boxes: each frame that sets n{i}_… sets tn{i}_… too
    for f in frames:
        for key in list(f["set"]):
            f["set"]["t" + key] = f["set"][key]
    table = (
        f'<table id="nodes"><caption>Values</caption><tr><th>node</th><th>data</th>'
        f"<th>grad</th></tr>{rows}</table>"
    )
    extra = _order_section(root, trace) + (
        f'<section id="log"><h2>The engine\'s log</h2><pre>{html.escape(str(trace))}</pre>'
        "</section>"
    )
    legend = ("fwd", "bwd", "cur")
    return _page(title, html.escape(subtitle), _svg_graph(root), table, frames, extra, legend)


graph.install_hook("stepper", stepper)  # what viz.stepper calls
