"""Layout: where the page draws each unit, weight label and graph node (no Graphviz needed).

A network is drawn layer by layer, left to right; each weight's name sits on its arrow at
the first spot that overlaps no unit, value block or other label. A graph of Values is
drawn by rank (longest path from a leaf), its rows ordered by the parents' mean row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import graph
from ..value import Value
from .record import PageNetwork

R = 22  # unit radius
GAP = 215  # horizontal distance between layers
VSP = 100  # vertical distance between units of a layer
MARGIN = 34
TEXT_W = 120  # the value block to the right of each unit
CHAR_W = 7.2  # a generous width of one character at 12px


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box, pad: float = 2.0) -> bool:
        return not (
            self.x1 + pad <= other.x0
            or other.x1 + pad <= self.x0
            or self.y1 + pad <= other.y0
            or other.y1 + pad <= self.y0
        )


@dataclass
class Layout:
    width: float
    height: float
    pos: list[list[tuple[float, float]]]  # pos[l][j] = unit centre
    labels: dict[str, tuple[float, float]]  # weight name → centre of its edge label
    error_box: Box


def network_layout(net: PageNetwork) -> Layout:
    tallest = max(net.sizes)
    height = float(2 * MARGIN + 30 + (tallest - 1) * VSP + 2 * R)
    mid = MARGIN + 30 + R + (tallest - 1) * VSP / 2
    pos: list[list[tuple[float, float]]] = []
    for l, n in enumerate(net.sizes):
        x = float(MARGIN + R + l * GAP)
        pos.append([(x, mid + (j - (n - 1) / 2) * VSP) for j in range(n)])
    # E sits below the last output, where no edge passes
    last_x, last_y = pos[-1][-1]
    error_box = Box(last_x - R, last_y + 44, last_x + R + TEXT_W, last_y + 96)
    width = last_x + R + TEXT_W + MARGIN
    height = max(height, error_box.y1 + MARGIN)
    taken = [Box(x - R, y - R, x + R, y + R) for layer in pos for x, y in layer]
    taken += [text_block(x, y) for layer in pos for x, y in layer]
    taken.append(error_box)
    labels = {}
    for p in net.params:
        if p.source is None:
            continue
        (xa, ya), (xb, yb) = pos[p.layer - 1][p.source], pos[p.layer][p.unit]
        labels[p.name] = _place_label(p.name, (xa + R, ya), (xb - R, yb), taken)
    return Layout(width, height, pos, labels, error_box)


def text_block(x: float, y: float) -> Box:
    return Box(x + R + 4, y - 32, x + R + 4 + TEXT_W - 10, y + 32)


def label_box(name: str, cx: float, cy: float) -> Box:
    w = len(name) * CHAR_W + 8
    return Box(cx - w / 2, cy - 9, cx + w / 2, cy + 9)


# Where along an edge (0 = source, 1 = target) a weight's name may sit, best first.
_LABEL_SPOTS = (0.8, 0.72, 0.64, 0.86, 0.56, 0.48, 0.9, 0.4)


def _place_label(
    name: str, a: tuple[float, float], b: tuple[float, float], taken: list[Box]
) -> tuple[float, float]:
    """The first spot on the edge a → b whose label box overlaps nothing placed so far."""
    best, best_hits = (a[0], a[1]), 10**9
    for s in _LABEL_SPOTS:
        cx, cy = a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])
        box = label_box(name, cx, cy)
        hits = sum(box.hits(other) for other in taken)
        if hits < best_hits:
            best, best_hits = (cx, cy), hits
        if hits == 0:
            break
    taken.append(label_box(name, *best))
    return best


NODE_W, NODE_H, RANK_GAP, ROW_GAP = 150, 54, 196, 68


def graph_layout(root: Value) -> tuple[list[Value], dict[int, tuple[float, float]], float, float]:
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
