"""One neuron, micrograd-style: build it from Values, backpropagate, draw the graph.

    python examples/scalar_graph.py [FOLDER]

Writes FOLDER/graph.svg (the values and gradients) and FOLDER/graph_derivatives.svg (each
arrow labelled with its local derivative ∂out/∂in, the path from w1 to the output in red).
Without Graphviz's `dot` program it writes the .dot source instead and says how to install
it. Without FOLDER it builds the two drawings and writes nothing.
"""

import math
import sys
from pathlib import Path

from tinygrad_edu import Parameter, Value, viz

# o = tanh(x1 w1 + x2 w2 + b): two inputs, two weights, a bias, a tanh activation.
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Parameter(-3.0, label="w1"), Parameter(1.0, label="w2")
b = Parameter(6.881373587019543, label="b")  # chosen so that net = atanh(1/√2): o = 0.7071
x1w1, x2w2 = x1 * w1, x2 * w2
x1w1.label, x2w2.label = "x1*w1", "x2*w2"
net = x1w1 + x2w2 + b
net.label = "net"
o = net.tanh()
o.label = "o"
o.backward()

# The chain rule by hand: do/dnet = 1 - o², then each weight gets do/dnet · its input.
do_dnet = 1 - o.data**2
print(f"o = {o.data:.4f}   do/dnet = 1 - o² = {do_dnet:.4f}")
for w, x in ((w1, x1), (w2, x2)):
    by_hand = do_dnet * x.data
    print(f"do/d{w.label} = {w.grad:+.4f}   (by hand: (1 - o²) · {x.label} = {by_hand:+.4f})")
    assert math.isclose(w.grad, by_hand, rel_tol=1e-12, abs_tol=1e-12)

drawings = {
    "graph.svg": viz.draw_graph(o),
    "graph_derivatives.svg": viz.draw_graph(o, edge_derivatives=True, highlight=w1),
}
if len(sys.argv) > 1:
    for name, drawing in drawings.items():
        print(f"wrote {viz.render(drawing, Path(sys.argv[1]) / name)}")
else:
    print("pass a folder to write the drawings: python examples/scalar_graph.py FOLDER")
