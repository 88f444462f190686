"""Render: a recording and its frames as one offline HTML page.

The page is ``assets/page.html`` with its stylesheet (``page.css``) and script
(``page.js``) written into it, an inline SVG drawing, the tables, and the frames as JSON:
one file that needs no network. Every element a frame names carries ``data-key`` (see
:mod:`.frames`); a number the frames fill in also carries ``data-v``.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from importlib import resources
from string import Template
from typing import Any

from ..value import Value
from . import frames as fr
from .frames import Frame, edge, graph_edge, key, node, num
from .layout import (
    MARGIN,
    NODE_H,
    NODE_W,
    Layout,
    R,
    graph_layout,
    label_box,
    network_layout,
)
from .record import GraphRecording, NetworkRecording, OrderView, PageNetwork

LEGEND = {
    "fwd": "forward value computed",
    "err": "error E",
    "bwd": "δ / gradient computed",
    "upd": "weight updated",
    "cur": "this step",
}


def asset(name: str) -> str:
    """The text of ``assets/<name>``, shipped with the package."""
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


def frames_json(frames: Sequence[Frame]) -> str:
    """The frames as JSON that is safe inside ``<script>``.

    Every "<" is written as its JSON escape, so no "</script>" or "<!--<script>" inside the
    data (a label, say) can end or confuse the element. JSON has no Infinity or NaN
    (``JSON.parse`` refuses them): a number that is not finite is written as the text the
    page shows ("inf", "−inf", "nan").
    """
    data = [_json_safe(asdict(f)) for f in frames]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


def _json_safe(item: Any) -> Any:
    if isinstance(item, float):
        return item if math.isfinite(item) else num(item)
    if isinstance(item, dict):
        return {k: _json_safe(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_json_safe(v) for v in item]
    return item


def page(
    title: str,
    subtitle: str,
    drawing: str,
    tables: str,
    frames: Sequence[Frame],
    extra: str,
    legend: Sequence[str] = tuple(LEGEND),
) -> str:
    """The whole page: the template with its stylesheet, script and data filled in."""
    items = "".join(f'<span class="lg-{k}">{LEGEND[k]}</span>' for k in legend)
    return Template(asset("page.html")).substitute(
        title=html.escape(title),
        subtitle=html.escape(subtitle),
        css=asset("page.css"),
        js=asset("page.js"),
        drawing=drawing,
        legend=f'<div class="legend" id="legend">{items}</div>',
        tables=tables,
        extra=extra,
        frames=frames_json(frames),
    )


# --- an MLP's training run -----------------------------------------------------------------


def network_page(rec: NetworkRecording, frames: Sequence[Frame], title: str | None) -> str:
    net = rec.network
    steps = len(rec.iterations)
    arch = "-".join(str(n) for n in net.sizes)
    acts = "/".join(dict.fromkeys(net.activations))
    title = title or f"Backpropagation step by step: a {arch} network ({acts})"
    subtitle = (
        f"{steps} iteration{'s' if steps > 1 else ''} of gradient descent with learning rate "
        f"η = {num(rec.lr)} on {net.error}, "
        f"{'with' if net.bias else 'without'} biases. Step with the buttons or the arrow keys."
    )
    log = "".join(
        f"<details><summary>Iteration {run.number}: the recorded walk "
        f"(<code>print(loss.backward(trace=True))</code>)</summary>"
        f"<pre>{html.escape(str(run.trace))}</pre></details>"
        for run in rec.iterations
    )
    extra = (
        order_section(rec.order) + f'<section id="log"><h2>The engine\'s log</h2>{log}</section>'
    )
    tables = units_table(net) + params_table(net)
    return page(title, subtitle, svg_network(net, network_layout(net)), tables, frames, extra)


def _cell(k: str, extra_class: str = "", tag: str = "td") -> str:
    """An element the frames fill in with a number (``·`` until then)."""
    return f'<{tag} data-key="{html.escape(k)}" class="v num {extra_class}" data-v="1">·</{tag}>'


def svg_network(net: PageNetwork, lay: Layout) -> str:
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
    weights = [p for p in net.params if p.source is not None]
    for p in weights:  # edges first, so units and labels sit on top
        (xa, ya), (xb, yb) = lay.pos[p.layer - 1][p.source], lay.pos[p.layer][p.unit]  # type: ignore[index]
        out.append(
            f'<line data-key="{edge(p.name)}" class="edge" x1="{xa + R:.1f}" y1="{ya:.1f}" '
            f'x2="{xb - R:.1f}" y2="{yb:.1f}"/>'
        )
    for p in weights:
        cx, cy = lay.labels[p.name]
        box = label_box(p.name, cx, cy)
        out.append(
            f'<g class="wlabel"><rect x="{box.x0:.1f}" y="{box.y0:.1f}" '
            f'width="{box.x1 - box.x0:.1f}" height="{box.y1 - box.y0:.1f}" rx="4"/>'
            f'<text x="{cx:.1f}" y="{cy + 4:.1f}">{p.name}</text></g>'
        )
    for l, layer in enumerate(lay.pos):
        for j, (x, y) in enumerate(layer):
            out.append(_svg_unit(net, l, j, x, y))
    e, error = lay.error_box, net.error.replace("_k", "")
    out.append(
        f'<g data-key="E" class="ebox"><rect x="{e.x0:.1f}" y="{e.y0:.1f}" '
        f'width="{e.x1 - e.x0:.1f}" height="{e.y1 - e.y0:.1f}" rx="8"/>'
        f'<text x="{(e.x0 + e.x1) / 2:.1f}" y="{e.y0 + 20:.1f}">{error}</text>'
        f'<text x="{(e.x0 + e.x1) / 2:.1f}" y="{e.y0 + 40:.1f}">'
        f"{_cell(key('E', 'value'), tag='tspan')}</text></g>"
    )
    out.append("</svg>")
    return "\n".join(out)


def _svg_unit(net: PageNetwork, l: int, j: int, x: float, y: float) -> str:
    name = net.units[l][j]
    parts = [
        f'<g class="unit"><circle data-key="{html.escape(name)}" cx="{x:.1f}" cy="{y:.1f}" '
        f'r="{R}"/><text class="uname" x="{x:.1f}" y="{y + 5:.1f}">{html.escape(name)}</text>'
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
            f"{_cell(key(name, what), tag='tspan')}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def units_table(net: PageNetwork) -> str:
    head = (
        '<tr><th>unit</th><th>net</th><th>O</th><th class="c-opt">∂E/∂O</th>'
        "<th>δ autograd<br><small>∂E/∂net</small></th><th>δ rules</th></tr>"
    )
    rows = []
    for l in range(1, net.depth + 1):
        for name in net.units[l]:
            cells = "".join(
                _cell(key(name, w), "c-opt" if w == "dout" else "")
                for w in ("net", "out", "dout", "delta", "rule")
            )
            rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    targets = "".join(
        f"<tr><th>t for {html.escape(n)}</th>{_cell(key(n, 't'))}<td colspan=4></td></tr>"
        for n in net.units[-1]
    )
    error = f'<tr class="erow"><th>E</th>{_cell(key("E", "value"))}<td colspan=4></td></tr>'
    counter = f'<span data-key="{fr.ITERATION}" class="v" data-v="1">1</span>'
    return (
        f'<table id="units"><caption>Units (iteration {counter})</caption>'
        f"{head}{''.join(rows)}{targets}{error}</table>"
    )


def params_table(net: PageNetwork) -> str:
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
        cells = "".join(_cell(key(p.name, w)) for w in ("val", "grad", "rule", "new"))
        rows.append(
            f'<tr data-key="{p.name}"><th>{p.name}</th><td class="c-opt">{html.escape(where)}'
            f"</td>{cells}</tr>"
        )
    return f'<table id="params"><caption>Weights and biases</caption>{head}{"".join(rows)}</table>'


# --- why the order matters -----------------------------------------------------------------

ORDER_TEXT = (
    "The engine visits a node only after every node that uses it, so when a reused value "
    "pushes into its parents, its gradient is complete. A naive walk — depth first from the "
    "root, a node pushes its gradient so far each time it is reached — reaches a reused "
    "value once per use: the first time with a partial gradient, the next time with the "
    "whole of it again, so everything below it is counted too much. Both columns are "
    "computed here, by the engine's walk and by that naive walk on the same graph."
)


def order_section(view: OrderView) -> str:
    """Both walks' gradients side by side, with the example graph when there is one."""
    rows = []
    for name, r, w in zip(view.names, view.right, view.naive):
        mark = "same" if abs(r - w) <= 1e-12 * max(1.0, abs(r)) else "wrong"
        rows.append(
            f'<tr class="{mark}"><th>{html.escape(name)}</th>'
            f'<td class="num" data-value="{r!r}">{num(r)}</td>'
            f'<td class="num" data-value="{w!r}">{num(w)}</td><td>{mark}</td></tr>'
        )
    table = (
        '<div class="tables"><table id="naive"><tr><th>∂E/∂</th><th>autograd<br>'
        "<small>topological order</small></th><th>naive walk<br><small>no ordering</small>"
        f"</th><th></th></tr>{''.join(rows)}</table></div>"
    )
    head = '<section id="order"><h2>Why the walk follows topological order</h2>'
    if view.own_network:
        return (
            f"{head}<p>In this network a hidden output feeds several units, so the graph of "
            f"iteration 1 uses it more than once. {ORDER_TEXT}</p>{table}</section>"
        )
    intro, svg = "", ""
    if view.example is not None:
        intro = (
            "This small graph shows it: h = w·x feeds both O1 = v1·h and O2 = v2·h, and "
            "E = ½ ((O1 − 1)² + (O2 − 0)²), so h is used twice. "
        )
        svg = f"<div class=scroll>{svg_graph(view.example, live=False)}</div>"
    reused = ", ".join(view.reused)
    return (
        f"{head}<p>{intro}Reused here: {html.escape(reused)}. {ORDER_TEXT}</p>"
        f'<div class="row">{svg}{table}</div></section>'
    )


# --- a graph of Values ---------------------------------------------------------------------


def node_title(value: Value, name: str) -> str:
    return f"{name} = {value.op}" if value.op else name


def svg_graph(root: Value, live: bool = True) -> str:
    """Boxes with a name, data and grad per node.

    ``live``: the numbers start blank and the frames fill them in (keyed by the node's
    topological index); otherwise they show the nodes' current data and grad.
    """
    order, pos, width, height = graph_layout(root)
    index = {id(n): i for i, n in enumerate(order)}
    out = [
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="min-width:{width * 0.6:.0f}px" role="img" aria-label="computation graph">'
    ]

    def keyed(k: str) -> str:
        return f' data-key="{k}"' if live else ""

    for n in order:
        x, y = pos[id(n)]
        for p in n.parents:
            px, py = pos[id(p)]
            x0, y0, x1, y1 = px + NODE_W, py + NODE_H / 2, x, y + NODE_H / 2
            out.append(
                f'<path class="edge"{keyed(graph_edge(index[id(p)], index[id(n)]))} '
                f'd="M{x0:.1f},{y0:.1f} C{(x0 + x1) / 2:.1f},{y0:.1f} '
                f'{(x0 + x1) / 2:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"/>'
            )
    for n in order:
        i = index[id(n)]
        x, y = pos[id(n)]
        title = html.escape(node_title(n, n.label or f"v{i}"))
        values = []
        for what in ("data", "grad"):
            if live:
                values.append(_cell(node(i, what), tag="tspan"))
            else:
                values.append(f'<tspan class="v">{num(getattr(n, what))}</tspan>')
        out.append(
            f'<g class="gnode"><rect{keyed(node(i))} x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" '
            f'height="{NODE_H}" rx="6"/>'
            f'<text class="gtitle" x="{x + 8:.1f}" y="{y + 16:.1f}">{title}</text>'
            f'<text class="gval" x="{x + 8:.1f}" y="{y + 32:.1f}">data {values[0]}</text>'
            f'<text class="gval" x="{x + 8:.1f}" y="{y + 47:.1f}">grad {values[1]}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


def graph_page(rec: GraphRecording, frames: Sequence[Frame], title: str | None) -> str:
    title = title or f"Backpropagation step by step: a graph of {len(rec.nodes)} values"
    subtitle = (
        "Each result in topological order, then the backward walk in reverse topological "
        "order: every += into a parent's gradient, with its value before and after."
    )
    rows = "".join(
        f"<tr><th>{html.escape(node_title(n, rec.names[id(n)]))}</th>"
        f"{_cell(node(i, 'data'))}{_cell(node(i, 'grad'))}</tr>"
        for i, n in enumerate(rec.nodes)
    )
    table = (
        '<table id="nodes"><caption>Values</caption><tr><th>node</th><th>data</th>'
        f"<th>grad</th></tr>{rows}</table>"
    )
    extra = order_section(rec.order) + (
        f'<section id="log"><h2>The engine\'s log</h2><pre>{html.escape(str(rec.trace))}</pre>'
        "</section>"
    )
    legend = ("fwd", "bwd", "cur")
    return page(title, subtitle, svg_graph(rec.root), table, frames, extra, legend)
