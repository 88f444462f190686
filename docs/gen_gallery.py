"""Draw the gallery's pictures and write the gallery page; run it before ``mkdocs build``.

    python docs/gen_gallery.py            writes docs/img/<name>.svg and docs/gallery.md
    python docs/gen_gallery.py OUT_DIR    writes OUT_DIR/img/<name>.svg and OUT_DIR/gallery.md

Each figure is one function below: it builds a graph with the library and returns the
drawing. The page shows each picture with the source of the function that drew it, so the
code on the page is exactly the code that made the picture. Needs Graphviz's ``dot``.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from tinygrad_edu import Parameter, Tensor, Value, mse_loss, rules
from tinygrad_edu.data import moons
from tinygrad_edu.nn import MLP
from tinygrad_edu.viz import dot_available, draw_graph

# What the functions on the page need, shown as the page's first block so that every block
# runs as written (tests/test_docs.py runs them in order).
PAGE_IMPORTS = """\
import graphviz
import numpy as np

from tinygrad_edu import Parameter, Tensor, Value, mse_loss, rules
from tinygrad_edu.data import moons
from tinygrad_edu.nn import MLP
from tinygrad_edu.viz import draw_graph"""

Figure = tuple[str, str, str, Callable[[], graphviz.Digraph]]
FIGURES: list[Figure] = []


def figure(name: str, title: str, caption: str) -> Callable[[Callable[[], graphviz.Digraph]], Any]:
    """Register a function that returns a drawing, under the file name ``name``."""

    def register(draw: Callable[[], graphviz.Digraph]) -> Callable[[], graphviz.Digraph]:
        FIGURES.append((name, title, caption, draw))
        return draw

    return register


@figure(
    "note05_graph",
    "The handwritten note's network, after one backward pass",
    "Note 05: inputs x1 = 2, x2 = 3, weights w1..w6, linear units, target t = 1, "
    "Error = ½ (ŷ − t)². Every value carries its data and its gradient: ∂Error/∂ŷ = ŷ − t "
    "= −0.809 flows back through the products to each weight. Drawn top to bottom "
    "(rankdir='TB') so that it fits a page's width.",
)
def note05_graph() -> graphviz.Digraph:
    x1, x2 = Value(2.0, label="x1"), Value(3.0, label="x2")
    w = {
        n: Parameter(v, label=n)
        for n, v in zip(["w1", "w2", "w3", "w4", "w5", "w6"], [0.11, 0.12, 0.21, 0.08, 0.14, 0.15])
    }
    h1 = x1 * w["w1"] + x2 * w["w3"]
    h2 = x1 * w["w2"] + x2 * w["w4"]
    h1.label, h2.label = "h1", "h2"
    y_hat = h1 * w["w5"] + h2 * w["w6"]
    y_hat.label = "ŷ"
    error = mse_loss([y_hat], [1.0], reduction="half_sum")
    error.label = "Error"
    error.backward()
    return draw_graph(error, "TB", legend=False)


@figure(
    "neuron_derivatives",
    "One neuron, with the local derivative on every arrow",
    "o = tanh(x1 w1 + x2 w2 + b). Each arrow into an op carries ∂out/∂in; the backward "
    "walk multiplies them along each path. The path from w1 to the output is highlighted.",
)
def neuron_derivatives() -> graphviz.Digraph:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Parameter(-3.0, label="w1"), Parameter(1.0, label="w2")
    b = Parameter(6.8814, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return draw_graph(o, "TB", edge_derivatives=True, highlight=w1, legend=False)


@figure(
    "forward_only",
    "The forward pass only",
    "With show_grad=False the drawing shows the values alone: what the graph looks like "
    "before backward() has run.",
)
def forward_only() -> graphviz.Digraph:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a  # a is used twice: two arrows leave it
    c.label = "c"
    return draw_graph(c, show_grad=False, legend=False)


@figure(
    "mlp_231_deltas",
    "The notes' 2-3-1 network, autograd beside the δ rules",
    "MLP([2, 3, 1], hidden='sigmoid', output='linear', engine='value') on one sample, "
    "drawn one box per neuron (collapse='neuron'; collapse='none' draws every weight, but "
    "too wide to read at a page's width). Beside autograd's gradient of each unit's net "
    "input, δ = ∂E/∂net, stands the δ of the notes' rules (rules.backward), with ✓ where "
    "the two agree.",
)
def mlp_231_deltas() -> graphviz.Digraph:
    model = MLP([2, 3, 1], hidden="sigmoid", output="linear", engine="value", seed=0)
    x, t = [0.5, -1.0], [1.0]
    loss = mse_loss(model(x), t, reduction="half_sum")
    loss.backward()
    deltas = rules.backward(model.get_weights(), model.activations, np.array(x), np.array(t))
    return draw_graph(loss, deltas=deltas, collapse="neuron")


@figure(
    "tensor_mlp",
    "The same kind of network on the tensor engine",
    "MLP([2, 8, 1], hidden='tanh', output='sigmoid') on a batch of 16 moons: one node per "
    "layer operation, each record with its shape, dtype and a summary of its array; the "
    "targets are t. Drawn top to bottom.",
)
def tensor_mlp() -> graphviz.Digraph:
    X, y = moons(16, noise=0.1, seed=0)
    model = MLP([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    loss = mse_loss(model(Tensor(X, label="X")), y)
    loss.backward()
    return draw_graph(loss, "TB")


@figure(
    "collapsed_neurons",
    "A bigger scalar network, collapsed to neurons",
    "A 2-5-5-5-5-1 value-engine MLP has 157 nodes, 200 boxes and op circles to draw; beyond "
    "max_nodes (150 by default) the "
    "drawing collapses each neuron (weighted sum and activation) into one box, with a "
    "note. Three significant digits and a top-to-bottom layout keep it a page wide.",
)
def collapsed_neurons() -> graphviz.Digraph:
    model = MLP([2, 5, 5, 5, 5, 1], hidden="tanh", output="sigmoid", engine="value", seed=0)
    loss = mse_loss(model([0.3, -0.7]), [1.0], reduction="half_sum")
    loss.backward()
    return draw_graph(loss, "TB", precision=3)


def _source(draw: Callable[[], graphviz.Digraph]) -> str:
    """The function's source without its decorator: what the page shows."""
    lines = inspect.getsource(draw).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def "))
    return textwrap.dedent("\n".join(lines[start:]))


def write_gallery(out: Path) -> list[Path]:
    """Render every figure to ``out/img`` and write ``out/gallery.md``; returns the SVGs."""
    (out / "img").mkdir(parents=True, exist_ok=True)
    page = [
        "# Gallery",
        "",
        "Graphs drawn by `tinygrad_edu.viz.draw_graph`. Each picture comes with the code that "
        "drew it; `docs/gen_gallery.py` runs that code and writes the pictures and this page.",
        "Colours: green inputs and constants, blue parameters, white intermediate values, red "
        "the loss (the root); the small grey ellipses are ops.",
        "Every picture is drawn to be read at this page's width: wide graphs flow top to "
        "bottom (`rankdir='TB'`, where each record stacks its lines) or are collapsed to "
        "one box per neuron; inputs come in the notes' order (x1 above or left of x2) and "
        "targets are labelled t.",
        "",
        "Each function below needs these imports:",
        "",
        "```python",
        PAGE_IMPORTS,
        "```",
        "",
    ]
    written = []
    for name, title, caption, draw in FIGURES:
        path = out / "img" / f"{name}.svg"
        path.write_bytes(draw().pipe(format="svg"))
        written.append(path)
        page += [
            f"## {title}",
            "",
            f"![{title}](img/{name}.svg)",
            "",
            caption,
            "",
            "```python",
            _source(draw),
            "```",
            "",
        ]
    (out / "gallery.md").write_text("\n".join(page), encoding="utf-8")
    return written


def main() -> int:
    if not dot_available():
        print("gen_gallery: Graphviz's `dot` is needed (apt-get install graphviz)", file=sys.stderr)
        return 1
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for path in write_gallery(out):
        print(f"wrote {path}")
    print(f"wrote {out / 'gallery.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
