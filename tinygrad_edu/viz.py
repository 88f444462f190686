"""Drawing computation graphs with Graphviz, micrograd-style but for both engines.

``draw_graph(root)`` turns the graph that produced ``root`` into a ``graphviz.Digraph``:

- one *record* per value: its label, ``data`` and ``grad`` (for a Tensor: shape, dtype and a
  short summary instead of the whole array), coloured by role: input / constant leaf,
  parameter leaf, intermediate result, loss / output (the root); a legend says which is which;
- one small *op node* per result, whose text is the op's name ("+", "*", "sigmoid", "@", …),
  with an arrow from each parent record into it and one out of it into the result record.

The picture reads like the chain rule: an arrow parent → op carries ∂out/∂parent (drawn with
``edge_derivatives=True``), and the backward walk multiplies these along every path from the
root, summing where paths meet. A parent used twice (``a * a``) gets two arrows.

Nodes are named by their place in ``graph.topological_order(root)`` ("n0", "n1", …; the op
that made node ``n5`` is "op5"), so the DOT source is the same on every run.

A scalar graph larger than ``max_nodes`` collapses to one box per neuron (an activation with
the weighted sum feeding it) and, if still too large, one box per layer, with a note in the
drawing. Without the Graphviz ``dot`` program nothing breaks: ``render`` writes the ``.dot``
source instead and prints one line on how to install Graphviz.
"""

from __future__ import annotations

import html
import math
import numbers
import os
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import graphviz
import numpy as np

from . import graph, ops
from .graph import Node

DEFAULT_MAX_NODES = 150  # beyond this many drawn nodes a picture stops being readable
RANKDIRS = ("LR", "TB", "RL", "BT")
COLLAPSE_MODES = ("auto", "none", "neuron", "layer")
ACTIVATIONS = ops.ACTIVATIONS  # the ops that end a neuron
RENDER_FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    "install Graphviz to get pictures: apt-get install graphviz "
    "(macOS: brew install graphviz, conda: conda install graphviz)"
)

# role -> (legend text, fill colour)
ROLES = {
    "input": ("input / constant", "#d9ead3"),
    "parameter": ("parameter", "#cfe2f3"),
    "intermediate": ("intermediate", "#ffffff"),
    "root": ("loss / output", "#f4cccc"),
}
OP_COLOUR = "#eeeeee"
HIGHLIGHT_COLOUR = "#d62728"
FONT = "Helvetica"
SHOW_ALL_UP_TO = 4  # a tensor with at most this many elements shows every number

# What the gradient g of a Tensor result turns into for each parent (the vector-Jacobian
# product), shown on the edges of a Tensor graph with edge_derivatives=True: the op table's.
# The symbols, which the legend repeats: a, b (A, B for matrices) the op's inputs, y its
# result; x, W, b a layer's input, weights and bias; O, t the prediction and the target of
# the mse (whose arrows show its factor, read from the node: see _mse_edge).
TENSOR_EDGE_FORMULAS: dict[str, tuple[str, ...]] = {op.name: op.edges for op in ops.TABLE}
TENSOR_EDGE_SYMBOLS = (
    "g: ∂root/∂(the op's result)",
    "a, b (A, B): the op's inputs; y: its result",
    "x, W, b: a layer's input, weights, bias",
    "O, t: prediction and target of the mse",
)

Highlight = Union[Node, Iterable[Node], None]


# --- a Digraph that degrades gracefully without `dot` -----------------------------------


def dot_available() -> bool:
    """True when Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def _notice_missing_dot(wrote: str | os.PathLike[str], wanted: str | os.PathLike[str] = "") -> None:
    """The one line a user sees when pictures cannot be made."""
    instead = f" instead of {wanted}" if wanted else ""
    print(
        f"tinygrad_edu: `dot` not found, wrote the DOT source {wrote}{instead}; {INSTALL_HINT}",
        file=sys.stderr,
    )


def _source_mark(path: Path) -> str:
    """The last line of the DOT source written in place of the picture ``path``."""
    return f"// the DOT source of {path.name} (Graphviz's dot was not found)"


def dot_fallback(path: str | os.PathLike[str]) -> Path:
    """Where :func:`render` writes the DOT source of the picture ``path`` without ``dot``.

    It is ``path`` with the suffix ``.dot``, and its last line names the picture it stands
    for. Raises ``FileExistsError`` when that file holds anything else (a ``.dot`` file of
    your own, or the source written for another picture: ``g.pdf``'s when ``g.png`` is
    asked for), so two requests never silently write over each other.
    """
    path = Path(path)
    source = path.with_suffix(".dot")
    if source.exists():
        lines = source.read_bytes().decode("utf-8", "replace").rstrip("\n").split("\n")
        if lines[-1] != _source_mark(path):
            prefix, _, rest = lines[-1].partition(" of ")
            held = rest.split(" (")[0] if prefix == "// the DOT source" else ""
            what = f"the DOT source of {held}" if held else "a DOT file not written for it"
            raise FileExistsError(
                f"render: {source} holds {what}, not {path.name}'s; not overwritten "
                "(remove it, or choose another name)"
            )
    return source


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that works without the ``dot`` program.

    ``render()`` writes the ``.dot`` source and prints one line on how to install Graphviz
    instead of raising; in Jupyter it shows the DOT source as text instead of a traceback.
    """

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, Any]:
        try:
            return super()._repr_mimebundle_(include, exclude)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"(`dot` not found; {INSTALL_HINT})\n{self.source}"}

    def render(self, *args: Any, **kwargs: Any) -> str:
        """``graphviz.Digraph.render``; without ``dot``, the path of the saved source instead."""
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            # Digraph.render saves the source before it calls `dot`, so it is on disk.
            _notice_missing_dot(self.filepath)
            return self.filepath


def render(
    graph_or_root: graphviz.Digraph | Node,
    path: str | os.PathLike[str],
    format: str | None = None,
    **draw_options: Any,
) -> Path:
    """Write a drawing to ``path`` and return the path written.

    ``graph_or_root`` is a drawing or a node (drawn with ``draw_graph(node, **draw_options)``).
    The format comes from ``format`` or the suffix of ``path``: ``svg``, ``png``, ``pdf``, or
    ``dot``/``gv`` for the Graphviz source. Without the ``dot`` program the source goes to
    :func:`dot_fallback` (``path`` with the suffix ``.dot``, never over another drawing's)
    and one line on stderr names it and says how to install Graphviz.
    """
    drawing = graph_or_root if isinstance(graph_or_root, graphviz.Digraph) else None
    if drawing is None:
        drawing = draw_graph(graph_or_root, **draw_options)
    elif draw_options:
        raise TypeError(f"render: drawing options {sorted(draw_options)} need a node, not a graph")
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in (*RENDER_FORMATS, "dot", "gv"):
        raise ValueError(
            f"render: unknown format {fmt!r} for {str(path)!r}; "
            f"use a path ending in .svg, .png, .pdf or .dot (or pass format=)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in RENDER_FORMATS:
        try:
            if dot_available():
                path.write_bytes(drawing.pipe(format=fmt))
                return path
        except graphviz.ExecutableNotFound:
            pass
        source = dot_fallback(path)
        _notice_missing_dot(source, path)
        source.write_text(f"{drawing.source}{_source_mark(path)}\n", encoding="utf-8")
        return source
    path.write_text(drawing.source, encoding="utf-8")
    return path


# --- how one value looks ---------------------------------------------------------------

_NOTATION = re.compile(r"(?P<base>[^\W\d_]+)(?P<digits>\d*)(?:_(?P<sub>[^\W_]+(?:,[^\W_]+)*))?")


# ASCII control characters (NUL, ESC, newline, …) and DEL: `dot` refuses some of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` with each control character written as its escape: ESC as "\\x1b"."""
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], text)


def label_html(label: str) -> str:
    """The notes' notation for a label, as Graphviz HTML.

    "x1" and "x_1" read x₁; "w1_21" reads w¹₂₁ and "w1_12,3" w¹₁₂,₃ (nn's layer 1, unit 2,
    input 1; unit 12, input 3): digits right after the name are a subscript, or a
    superscript when an "_" subscript follows. Any other label is shown as it is, with
    control characters written as escapes (``printable``) so that ``dot`` still renders it.
    """
    label = printable(label)
    match = _NOTATION.fullmatch(label)
    if match is None:
        return html.escape(label)
    base, digits, sub = match["base"], match["digits"], match["sub"]
    if sub is None:
        return base + (f"<SUB>{digits}</SUB>" if digits else "")
    return base + (f"<SUP>{digits}</SUP>" if digits else "") + f"<SUB>{html.escape(sub)}</SUB>"


def _number(x: float, precision: int) -> str:
    return f"{x:.{precision}g}"


def summarize(array: Any, precision: int = 4) -> str:
    """A few characters for an array: every number when there are few, else mean/min/max."""
    if array is None:
        return "None"
    a = np.asarray(array)
    if a.size == 0:
        return "empty"
    if a.ndim == 0:
        return _number(float(a), precision)
    if a.size <= SHOW_ALL_UP_TO:
        return "[" + ", ".join(_number(float(x), precision) for x in a.ravel()) + "]"
    mean, lo, hi = (_number(float(f(a)), precision) for f in (np.mean, np.min, np.max))
    return f"mean {mean}  min {lo}  max {hi}"


@dataclass
class _Style:
    """The drawing options every record needs."""

    show_data: bool
    show_grad: bool
    edge_derivatives: bool
    precision: int
    highlighted: set[Node]
    rules_delta: dict[Node, Any]  # net node -> δ from the rules, to show beside its grad
    position: dict[Node, int] | None  # where each parameter stands in ``parameters``
    flows_down: bool = False  # rankdir TB or BT: records stack their lines to stay narrow


def _agrees(net: Node, delta: Any) -> bool:
    """Autograd's ∂E/∂net equals the rules' δ (to float64 rounding)."""
    grad = net.grad if net.grad is not None else np.nan
    return bool(np.allclose(grad, delta, rtol=1e-6, atol=1e-9))


def _delta_text(delta: Any, agree: bool, precision: int) -> str:
    """ "δ rules …" with ✓ when autograd's gradient of the net agrees, ✗ when it does not."""
    shown = summarize(np.asarray(delta, dtype=float), precision)
    return html.escape(f"δ rules {shown} {'✓' if agree else '✗'}")


def _is_array(node: Node) -> bool:
    """A node holding an array (a Tensor's), rather than one number (a Value's)."""
    return isinstance(node.data, np.ndarray)


def _record_cells(node: Node, style: _Style) -> list[str]:
    """The lines of a value's record (HTML), top to bottom / left to right."""
    cells = [f"<B>{label_html(node.label)}</B>"] if node.label else []
    if _is_array(node):
        shape = "scalar" if node.data.ndim == 0 else f"shape {node.data.shape}"
        cells.append(html.escape(f"{shape}  {node.data.dtype}"))
    if style.show_data:
        cells.append(_summary_html("data", node.data, style.precision))
    # A Tensor that does not require grad never gets one: no "grad None" line for it.
    if style.show_grad and node.requires_grad:
        cells.append(_summary_html("grad", node.grad, style.precision))
        if node in style.rules_delta:
            delta = style.rules_delta[node]
            cells.append(_delta_text(delta, _agrees(node, delta), style.precision))
    return cells


def _summary_html(name: str, array: Any, precision: int) -> str:
    """ "data 0.5", or for a big array "data mean …" over "min …  max …": two short lines
    keep a tensor's record narrow enough for a drawing to fit a page's width."""
    text = html.escape(f"{name} {summarize(array, precision)}")
    return text.replace("  min ", "<BR/>min ", 1)


def _table(cells: Sequence[str], fill: str, highlighted: bool, horizontal: bool) -> str:
    """An HTML-like Graphviz label: a small table with one cell per line."""
    border = f' BORDER="3" COLOR="{HIGHLIGHT_COLOUR}"' if highlighted else ' BORDER="0"'
    tds = [f"<TD>{c}</TD>" for c in cells or ["·"]]
    rows = "<TR>" + "".join(tds) + "</TR>" if horizontal else "".join(f"<TR>{t}</TR>" for t in tds)
    return (
        f'<<TABLE{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
        f'BGCOLOR="{fill}">{rows}</TABLE>>'
    )


def _add_record(dot: graphviz.Digraph, name: str, node: Node, role: str, style: _Style) -> None:
    cells = _record_cells(node, style)
    # A Value's record is one row as in micrograd when the graph flows left to right; a
    # Tensor's lines are longer, so stacked, and so is every record of a graph that flows
    # down, whose width is the widest rank's records side by side.
    across = not _is_array(node) and not style.flows_down
    label = _table(cells, ROLES[role][1], node in style.highlighted, across)
    tooltip = f"{printable(node.label)} ({ROLES[role][0]})" if node.label else ROLES[role][0]
    dot.node(name, label=label, shape="plain", tooltip=tooltip)


def _edge_attrs(highlighted: bool) -> dict[str, str]:
    return {"color": HIGHLIGHT_COLOUR, "penwidth": "2.5"} if highlighted else {}


def _edge_derivative(node: Node, k: int, style: _Style) -> str:
    """What the arrow from parent ``k`` into ``node``'s op carries: ∂node/∂parent."""
    if not _is_array(node):  # a Value: its local derivatives are numbers
        return _number(node.local[k], style.precision)
    if node.op == "mse":
        return _mse_edge(node, k)
    try:
        formulas = ops.op_of(node.op).edges  # "**2" (a number exponent) finds "**n"
    except KeyError:  # an op made outside the table (Tensor.from_op): its name
        return node.op
    return formulas[k] if k < len(formulas) else node.op


def _mse_reduction(node: Node) -> tuple[str | None, int]:
    """The reduction of an "mse" node ("half_sum", "sum", "mean"; None when O = t
    everywhere, where it cannot be told) read back from its numbers, E = c Σ (O − t)² with
    c = ½, 1 or 1/n, and n, the number of entries of O."""
    # Its parents are O and t: two arrays, or (Values) every O_k and then every t_k
    values = np.concatenate([np.ravel(np.asarray(p.data, dtype=float)) for p in node.parents])
    O, t = np.split(values, 2)
    squares = float(np.sum((O - t) ** 2))
    c = float(np.asarray(node.data)) / squares if squares > 0 else math.nan
    factors = {"half_sum": 0.5, "sum": 1.0, "mean": 1.0 / max(O.size, 1)}
    found = next((r for r, value in factors.items() if math.isclose(c, value, rel_tol=1e-4)), None)
    return found, O.size


def _mse_edge(node: Node, k: int) -> str:
    """∂E/∂O = 2c (O − t) for E = c Σ (O − t)² (c as :func:`_mse_reduction` reads it: ½ for
    "half_sum", 1 for "sum", 1/n for "mean"); ∂E/∂t is its negative."""
    reduction, n = _mse_reduction(node)
    formula = {
        "half_sum": "g·(O−t)",
        "sum": "g·2(O−t)",
        "mean": f"g·2(O−t)/{n}",
        None: "g·2c(O−t), E = c·Σ(O−t)²",  # c cannot be read back: the label defines it
    }[reduction]
    return formula if k == 0 else "−" + formula


def _op_text(node: Node) -> str:
    """The op's name in its oval; the squared error says which one it is (the same words
    as the rest of the package: E = ½ Σ (O − t)², the mean squared error, …)."""
    if node.op != "mse":
        return node.op
    reduction, n = _mse_reduction(node)
    return {
        "half_sum": "½Σ(O−t)²",
        "sum": "Σ(O−t)²",
        "mean": f"Σ(O−t)²/{n}",
        None: "mse",
    }[reduction]


# --- roles and paths -------------------------------------------------------------------


def node_role(node: Node, root: Node, parameters: set[Node] | None = None) -> str:
    """ "root", "intermediate", "parameter" or "input" (inputs and constants).

    A leaf is a parameter when it is in ``parameters`` (e.g. ``model.parameters()``);
    without that list, when the node says it is one (``is_parameter``: a Tensor leaf that
    requires grad, a ``value.Parameter`` such as the weights of a value-engine MLP).
    """
    if node is root:
        return "root"
    if node.parents:
        return "intermediate"
    if parameters is not None:
        return "parameter" if node in parameters else "input"
    return "parameter" if node.is_parameter else "input"


def path_to_root(order: Sequence[Node], start: Node) -> set[Node]:
    """The nodes on some path from ``start`` down to the root (the last node of ``order``).

    One forward pass in topological order: a node is on a path when it is ``start`` or one
    of its parents is (every node in ``order`` reaches the root).
    """
    on_path = {start}
    for node in order:
        if any(p in on_path for p in node.parents):
            on_path.add(node)
    return on_path


def _highlighted(order: Sequence[Node], highlight: Highlight) -> set[Node]:
    if highlight is None:
        return set()
    if isinstance(highlight, Node):
        if highlight not in set(order):
            raise ValueError("draw_graph: highlight node is not part of the graph of root")
        return path_to_root(order, highlight)
    if isinstance(highlight, Iterable):
        nodes = list(highlight)
        if not all(isinstance(n, Node) for n in nodes):
            raise TypeError("draw_graph: highlight must be a node or a list of nodes")
        return set(nodes)
    raise TypeError(f"draw_graph: highlight must be a node or a list of nodes, got {highlight!r}")


# --- neurons and layers, for collapsing and for the rules' δ ---------------------------


@dataclass(eq=False)  # compared and hashed by identity: each unit is one box
class Unit:
    """A neuron: an activation node (the head) with the weighted sum that feeds it.

    ``members`` are the intermediate nodes folded into it (the head included), ``leaves`` the
    parameters and constants only it uses. The loss and any node shared by several neurons
    head units of their own. ``layer`` counts activations from the inputs (inputs are 0).
    """

    head: Node
    members: list[Node] = field(default_factory=list)
    leaves: list[Node] = field(default_factory=list)
    layer: int = 0

    @property
    def is_neuron(self) -> bool:
        return self.head.op in ACTIVATIONS

    @property
    def net(self) -> Node | None:
        """The net input of the activation; its gradient is the notes' δ = ∂E/∂net."""
        return self.head.parents[0] if self.is_neuron and self.head.parents else None


def _is_folded_leaf(node: Node, role: str) -> bool:
    """A leaf drawn inside the neuron that uses it: a parameter, or an unnamed number (the 2
    of ``2 * x``). Named inputs and input arrays keep boxes of their own."""
    return role == "parameter" or (not node.label and np.size(node.data) == 1)


def find_units(
    order: Sequence[Node], roles: dict[Node, str]
) -> tuple[list[Unit], dict[Node, Unit]]:
    """Group the graph into neurons: each node joins the unit all of its children are in.

    Walking backwards from the root, an activation (or the root) starts a unit; any other
    intermediate node, parameter or constant whose children all belong to one unit joins it.
    Anything else (an input, a node used by two units) stays a box of its own. Returns the
    units in topological order of their heads, and the unit of each grouped node.
    """
    children: dict[Node, list[Node]] = {}
    for node in order:
        for parent in node.parents:
            children.setdefault(parent, []).append(node)
    unit_of: dict[Node, Unit] = {}
    heads: list[Unit] = []
    for node in reversed(order):
        # Children come later in topological order, so each already has its unit.
        kids = {unit_of[child] for child in children.get(node, [])}
        only = kids.pop() if len(kids) == 1 else None
        starts = node.op in ACTIVATIONS or roles[node] == "root"
        if starts or (only is None and node.parents):
            unit = Unit(head=node, members=[node])
            unit_of[node] = unit
            heads.append(unit)
        elif only is not None and (node.parents or _is_folded_leaf(node, roles[node])):
            unit_of[node] = only
            (only.members if node.parents else only.leaves).append(node)
    units = list(reversed(heads))
    for unit in units:  # heads in topological order: a unit's sources come first
        unit.members.reverse()
        unit.leaves.reverse()
        sources = [unit_of[p] for m in unit.members for p in m.parents if p in unit_of]
        depth = max((s.layer for s in sources if s is not unit), default=0)
        unit.layer = depth + 1 if unit.is_neuron else depth
    return units, unit_of


def _rules_deltas(
    units: list[Unit], deltas: Sequence[Any], parameters: list[Node] | None
) -> dict[Node, Any]:
    """Match the rules' per-layer δ to the net node of each neuron, layer by layer.

    A layer's neurons are taken in the order of their parameters in ``parameters`` (as
    ``model.parameters()`` lists them), without it in the order of their labels (b1_1, b1_2,
    …), then in topological order. A Tensor graph has one "neuron" per layer with δ of shape
    (N, out); a Value graph one per unit, and δ of shape (out,) or (1, out).
    """
    layers: dict[int, list[Unit]] = {}
    for unit in units:
        if unit.is_neuron:
            layers.setdefault(unit.layer, []).append(unit)
    if len(layers) != len(deltas):
        raise ValueError(
            f"draw_graph: deltas has {len(deltas)} layers but the graph has {len(layers)} "
            "layers of activations"
        )
    position = {p: i for i, p in enumerate(parameters)} if parameters is not None else None
    matched: dict[Node, Any] = {}
    for (_, layer), record in zip(sorted(layers.items()), deltas):
        delta = np.asarray(getattr(record, "delta", record), dtype=float)
        layer = sorted(layer, key=lambda unit: _unit_sort_key(unit, position))
        head = layer[0].head
        if len(layer) == 1 and _is_array(head) and delta.size == head.data.size:
            values = [delta.reshape(head.data.shape)]  # a whole layer in one Tensor
        elif not _is_array(head) and delta.size == len(layer):
            values = list(delta.reshape(-1))  # one number per Value neuron
        else:
            shape = head.data.shape if _is_array(head) else (len(layer),)
            raise ValueError(
                f"draw_graph: deltas for layer {layer[0].layer} has shape {delta.shape}, the "
                f"graph's layer has shape {shape} (a Value graph holds one sample)"
            )
        for unit, value in zip(layer, values):
            if unit.net is not None:
                matched[unit.net] = value
    return matched


def _natural_key(label: str) -> tuple[Any, ...]:
    """ "w1_10" after "w1_9": digit runs compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", label))


def _unit_sort_key(unit: Unit, position: dict[Node, int] | None) -> tuple[Any, ...]:
    """Where a neuron stands in its layer: first parameter's position, else smallest label."""
    if position is not None:
        return (min((position[n] for n in unit.leaves if n in position), default=math.inf),)
    first = min((_natural_key(n.label) for n in unit.leaves if n.label), default=None)
    return (first is None, first or ())


# --- the drawing -----------------------------------------------------------------------


def draw_graph(
    root: Node,
    rankdir: str = "LR",
    show_grad: bool = True,  # positional third, as docs/semantics.md orders it
    *,
    show_data: bool = True,
    edge_derivatives: bool = False,
    highlight: Highlight = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    collapse: str = "auto",
    deltas: Sequence[Any] | None = None,
    parameters: Iterable[Node] | None = None,
    precision: int = 4,
    legend: bool = True,
) -> GraphDrawing:
    """The computation graph that produced ``root``, as a ``graphviz.Digraph``.

    Args:
        root: a ``Value`` or ``Tensor``; everything it was computed from is drawn.
        rankdir: layout direction, "LR" (left to right), "TB", "RL" or "BT". "TB" stacks
            each record's lines and draws a narrower picture, for a page or a notebook.
        show_data, show_grad: show each value's data / gradient (``show_grad=False`` draws
            the forward pass only).
        edge_derivatives: label each arrow parent → op with the local derivative
            ∂out/∂parent: a number for Values (their ``.local``), for Tensors the
            vector-Jacobian product as a formula in the incoming gradient g (e.g. "g·Bᵀ"),
            whose symbols the legend defines.
        highlight: a node (highlights every path from it to ``root``) or a list of nodes.
        max_nodes: above this many drawn nodes (records + ops) a graph collapses to neuron
            level, or to layer level when neurons would still need more than ``max_nodes``
            boxes or ``2 * max_nodes`` arrows (None: never collapse).
        collapse: "auto" (collapse only above ``max_nodes``), "none" (every node), "neuron"
            (one box per activation with its weighted sum) or "layer" (one box per layer).
        deltas: the rules' δ per layer (``rules.backward(...)`` records or arrays), shown
            beside autograd's gradient of each neuron's net input, with ✓ when they agree.
        parameters: the leaves to colour as parameters (default: the leaves that say they
            are, ``is_parameter``: Tensors that require grad, ``value.Parameter`` s).
        precision: significant digits of the numbers shown.
        legend: draw the colour legend.
    """
    if not isinstance(root, Node):
        raise TypeError(f"draw_graph: root must be a Value or a Tensor, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"draw_graph: collapse must be one of {COLLAPSE_MODES}, got {collapse!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, numbers.Integral)
    ):
        raise TypeError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    if isinstance(precision, bool) or not isinstance(precision, numbers.Integral):
        raise TypeError(f"draw_graph: precision must be an int from 1 to 17, got {precision!r}")
    if not 1 <= precision <= 17:
        raise ValueError(f"draw_graph: precision must be an int from 1 to 17, got {precision!r}")

    order = graph.topological_order(root)
    param_list = list(parameters) if parameters is not None else None
    param_set = set(param_list) if param_list is not None else None
    roles = {node: node_role(node, root, param_set) for node in order}
    units, unit_of = (
        find_units(order, roles) if deltas is not None or collapse != "none" else ([], {})
    )
    style = _Style(
        show_data=show_data,
        show_grad=show_grad,
        edge_derivatives=edge_derivatives,
        precision=precision,
        highlighted=_highlighted(order, highlight),
        rules_delta=_rules_deltas(units, deltas, param_list) if deltas is not None else {},
        position={p: i for i, p in enumerate(param_list)} if param_list is not None else None,
        flows_down=rankdir in ("TB", "BT"),
    )
    dot = GraphDrawing(
        name="computation_graph",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "labelloc": "t"},
        node_attr={"fontname": FONT, "fontsize": "11"},
        edge_attr={"fontname": FONT, "fontsize": "10"},
    )
    level, note = _choose_level(order, roles, unit_of, collapse, max_nodes)
    # A node's inputs keep the order of its arrows, so x1 is drawn above x2 and h1 above
    # h2 (left of them when the graph flows down), as in the notes.
    dot.attr(ordering="in")
    if level == "full":
        _draw_full(dot, order, roles, style)
        drawn = set(roles.values())
    else:
        drawn = _draw_collapsed(dot, order, roles, unit_of, level, style)
    if note:
        dot.attr(label=note)
    if legend:
        tensor_edges = edge_derivatives and any(_is_array(n) for n in order)
        _draw_legend(dot, drawn, level, style, len(order) > 1, tensor_edges)
    return dot


def _full_size(order: Sequence[Node]) -> int:
    """Records plus op nodes in the full drawing."""
    return len(order) + sum(1 for node in order if node.parents)


def _choose_level(
    order: Sequence[Node],
    roles: dict[Node, str],
    unit_of: dict[Node, Unit],
    collapse: str,
    max_nodes: int | None,
) -> tuple[str, str]:
    """ "full", "neuron" or "layer", and the note that says why the drawing is collapsed."""
    if collapse == "none":
        return "full", ""
    if collapse != "auto":
        return collapse, f"Drawn at {collapse} level (collapse={collapse!r})."
    full = _full_size(order)
    if max_nodes is None or full <= max_nodes:
        return "full", ""
    for level in ("neuron", "layer"):
        boxes, arrows = _boxes_and_arrows(order, roles, unit_of, level)
        # Arrows count too: 129 boxes joined by 4000 arrows are no more readable.
        if (len(boxes) <= max_nodes and len(arrows) <= 2 * max_nodes) or level == "layer":
            return level, (
                f"Collapsed to {level} level: the full graph has {full} nodes,\n"
                f"more than max_nodes={max_nodes}. Pass collapse='none' to draw every node."
            )
    raise AssertionError("unreachable")


def _draw_full(
    dot: graphviz.Digraph, order: Sequence[Node], roles: dict[Node, str], style: _Style
) -> None:
    """One record per value and one op node per result, named by topological index."""
    name = {node: f"n{i}" for i, node in enumerate(order)}
    marked = style.highlighted
    for i, node in enumerate(order):
        _add_record(dot, f"n{i}", node, roles[node], style)
        if not node.parents:
            continue
        op_on = node in marked and any(p in marked for p in node.parents)
        op_attrs = {"color": HIGHLIGHT_COLOUR, "penwidth": "2.5"} if op_on else {}
        dot.node(
            f"op{i}",
            label=_op_text(node),
            shape="ellipse",
            style="filled",
            fillcolor=OP_COLOUR,
            height="0.3",
            margin="0.04,0.02",
            **op_attrs,
        )
        dot.edge(f"op{i}", f"n{i}", **_edge_attrs(op_on))
        for k, parent in enumerate(node.parents):  # one arrow per use: a * a has two
            attrs = _edge_attrs(op_on and parent in marked)
            if style.edge_derivatives:
                attrs["label"] = _edge_derivative(node, k, style)
            dot.edge(name[parent], f"op{i}", **attrs)


def _box_of(
    node: Node, roles: dict[Node, str], unit_of: dict[Node, Unit], level: str, targets: set[Node]
) -> str:
    """The name of the box that holds ``node`` in a collapsed drawing."""
    unit = unit_of.get(node)
    if unit is None:
        if level != "layer" or roles[node] != "input":
            return f"leaf_{id(node)}"
        return "targets" if node in targets else "inputs"
    if level == "layer" and unit.is_neuron:
        return f"layer{unit.layer}"
    return f"unit_{id(unit.head)}"


def _boxes_and_arrows(
    order: Sequence[Node], roles: dict[Node, str], unit_of: dict[Node, Unit], level: str
) -> tuple[dict[str, list[Node]], dict[tuple[str, str], list[tuple[Node, Node]]]]:
    """The boxes of a collapsed drawing (box -> its nodes in topological order) and its
    arrows (source box, target box) -> the (parent, child) pairs that cross between them."""
    # A constant that feeds only the loss (no neuron) is a target, not an input: t, t1, t2 …
    feeds_a_neuron = {
        parent
        for node in order
        if node in unit_of and unit_of[node].is_neuron
        for parent in node.parents
    }
    targets = {n for n in order if roles[n] == "input" and n not in feeds_a_neuron}
    box = {node: _box_of(node, roles, unit_of, level, targets) for node in order}
    boxes: dict[str, list[Node]] = {}
    arrows: dict[tuple[str, str], list[tuple[Node, Node]]] = {}
    for node in order:
        boxes.setdefault(box[node], []).append(node)
        for parent in node.parents:
            if box[parent] != box[node]:
                arrows.setdefault((box[parent], box[node]), []).append((parent, node))
    return boxes, arrows


def _draw_collapsed(
    dot: graphviz.Digraph,
    order: Sequence[Node],
    roles: dict[Node, str],
    unit_of: dict[Node, Unit],
    level: str,
    style: _Style,
) -> set[str]:
    """One box per neuron (or per layer), one arrow wherever a value crosses two boxes.
    Returns the roles whose colours the boxes use, for the legend."""
    boxes, arrows = _boxes_and_arrows(order, roles, unit_of, level)
    # Stable names: a box is named by the topological index of its first node.
    index = {node: i for i, node in enumerate(order)}
    names = {box: f"b{index[nodes[0]]}" for box, nodes in boxes.items()}

    def reading_order(box: str) -> tuple[Any, ...]:
        # Emitted layer by layer, neurons in the notes' order: Graphviz keeps that order
        # within a rank, so unit 1 is drawn above unit 2.
        unit = unit_of.get(boxes[box][0])
        if unit is None:
            return (0, 0, _natural_key(boxes[box][0].label), index[boxes[box][0]])
        return (unit.layer, 1, _unit_sort_key(unit, style.position), index[boxes[box][0]])

    drawn: set[str] = set()
    for box in sorted(boxes, key=reading_order):
        nodes = boxes[box]
        on = any(n in style.highlighted for n in nodes)
        if box.startswith("leaf_"):
            drawn.add(roles[nodes[0]])
            _add_record(dot, names[box], nodes[0], roles[nodes[0]], style)
            continue
        if box in ("inputs", "targets"):
            role, cells = "input", _inputs_cells(nodes, style, box)
        elif box.startswith("layer"):
            layer_units = [unit_of[n] for n in nodes if n is unit_of[n].head]
            role, cells = "intermediate", _layer_cells(layer_units, style)
        else:
            unit = unit_of[nodes[0]]
            role, cells = roles[unit.head], _unit_cells(unit, style)
        drawn.add(role)
        dot.node(names[box], label=_table(cells, ROLES[role][1], on, False), shape="plain")
    marked = style.highlighted
    # Emitted in reading order, the arrows from unit 1 before those from unit 2: with
    # ordering="in" that draws unit 1 above unit 2.
    for (src, dst), crossings in sorted(
        arrows.items(), key=lambda arrow: (reading_order(arrow[0][1]), reading_order(arrow[0][0]))
    ):
        on = any(parent in marked and node in marked for parent, node in crossings)
        dot.edge(names[src], names[dst], **_edge_attrs(on))
    return drawn


def _labels_html(nodes: Sequence[Node], what: str) -> str:
    """ "w¹₁₁, w¹₁₂, b¹₁" for a few labelled nodes, else a count."""
    # Natural order (w1_2 before w1_10), biases after weights as in w·x + b.
    labelled = sorted(
        (n for n in nodes if n.label), key=lambda n: (n.label[:1] in "bB", _natural_key(n.label))
    )
    if labelled and len(labelled) <= SHOW_ALL_UP_TO:
        return ", ".join(label_html(n.label) for n in labelled)
    return f"{len(nodes)} {what}"


def _unit_word(unit: Unit) -> str:
    """A Value activation is one neuron; a Tensor activation is a whole layer of them."""
    return "layer" if _is_array(unit.head) else "neuron"


def _unit_cells(unit: Unit, style: _Style) -> list[str]:
    """A neuron's box: what it computes, its parameters, out, ∂E/∂out and δ = ∂E/∂net."""
    head = unit.head
    title = (
        label_html(head.label)
        if head.label
        else html.escape(
            f"{head.op} {_unit_word(unit)}" if unit.is_neuron else _op_text(head) or "value"
        )
    )
    cells = [f"<B>{title}</B>"]
    params = [n for n in unit.leaves if n.label]
    if params:
        cells.append(_labels_html(params, "parameters"))
    if style.show_data:
        cells.append(html.escape(f"out {summarize(np.asarray(head.data), style.precision)}"))
    if style.show_grad:
        cells.append(html.escape(f"grad {summarize(head.grad, style.precision)}"))
        net = unit.net
        if net is not None:
            cells.append(html.escape(f"δ = ∂E/∂net {summarize(net.grad, style.precision)}"))
            if net in style.rules_delta:
                delta = style.rules_delta[net]
                cells.append(_delta_text(delta, _agrees(net, delta), style.precision))
    return cells


def _layer_cells(units: Sequence[Unit], style: _Style) -> list[str]:
    """A layer's box: how many neurons of which activation, parameters, out/grad/δ summaries."""
    ops = sorted({u.head.op for u in units})
    n_params = sum(1 for u in units for n in u.leaves if n.label)
    cells = [
        f"<B>layer {units[0].layer}</B>",
        html.escape(
            f"{len(units)} {'/'.join(ops)} neuron{'s' if len(units) > 1 else ''}, "
            f"{n_params} parameter{'s' if n_params != 1 else ''}"
        ),
    ]

    def gather(values: list[Any]) -> np.ndarray | None:
        if any(v is None for v in values):
            return None
        return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values])

    if style.show_data:
        out = gather([u.head.data for u in units])
        cells.append(html.escape(f"out {summarize(out, style.precision)}"))
    if style.show_grad:
        nets = [u.net for u in units if u.net is not None]
        cells.append(html.escape(f"δ {summarize(gather([n.grad for n in nets]), style.precision)}"))
        ruled = [n for n in nets if n in style.rules_delta]
        if ruled:
            agree = all(_agrees(n, style.rules_delta[n]) for n in ruled)
            rules = gather([style.rules_delta[n] for n in ruled])
            cells.append(_delta_text(rules, agree, style.precision))
    return cells


def _inputs_cells(nodes: Sequence[Node], style: _Style, what: str = "inputs") -> list[str]:
    cells = [f"<B>{_labels_html(nodes, what)}</B>"]
    if style.show_data:
        data = np.concatenate([np.ravel(np.asarray(n.data, dtype=float)) for n in nodes])
        cells.append(html.escape(f"data {summarize(data, style.precision)}"))
    return cells


def _draw_legend(
    dot: graphviz.Digraph,
    drawn: set[str],
    level: str,
    style: _Style,
    has_ops: bool,
    tensor_edges: bool = False,
) -> None:
    """One small table in a "cluster_legend" subgraph: a coloured cell per role drawn, and a
    word on ops, arrow labels and highlighting where they apply."""
    cells = [(text, colour) for role, (text, colour) in ROLES.items() if role in drawn]
    if level != "full":
        cells.append((f"{level} (collapsed)", "#ffffff"))
    elif has_ops:
        cells.append(("op", OP_COLOUR))
    if style.edge_derivatives and level == "full":
        cells.append(("arrow label: ∂out/∂in", "#ffffff"))
        if tensor_edges:
            cells.extend((text, "#ffffff") for text in TENSOR_EDGE_SYMBOLS)
    tds = [f'<TD BGCOLOR="{colour}">{html.escape(text)}</TD>' for text, colour in cells]
    if style.highlighted:
        tds.append(f'<TD><FONT COLOR="{HIGHLIGHT_COLOUR}">highlighted path</FONT></TD>')
    # One cell per line: a column stays narrow, and width is what a page runs out of.
    rows = "".join(f"<TR>{t}</TR>" for t in tds)
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontsize="10", style="dashed", color="#999999")
        legend.node(
            "legend",
            label=f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2">{rows}</TABLE>>',
            shape="plain",
            fontsize="10",
        )
