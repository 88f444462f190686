"""The handwritten note's worked example (note 05), on an ``MLP`` of the value engine.

Network: inputs x1, x2 → hidden units h1, h2 → output ŷ, every unit linear, no biases.
The note's weights map to the library's layout W[unit, input] (row = the unit fed):

    h1 = x1 w1 + x2 w3    →  layer 1, row 0: [w1, w3]
    h2 = x1 w2 + x2 w4    →  layer 1, row 1: [w2, w4]
    ŷ  = h1 w5 + h2 w6    →  layer 2, row 0: [w5, w6]

One iteration: forward, Error = ½ (ŷ − y)², backward, one SGD step with learning rate
η = 0.05 (the note writes α).
`tinygrad-edu worked-example` replays the same iteration line by line; the note's numbers
(and where its table slips) are in ``tinygrad_edu.notes05``.

Usage: python examples/worked_example.py [OUT_DIR]   (OUT_DIR gets the graph picture)
"""

import sys
from pathlib import Path

from tinygrad_edu import mse_loss, notes05
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import SGD
from tinygrad_edu.viz import render

x, target, lr = list(notes05.X), notes05.TARGET, notes05.LR  # (2, 3), 1, 0.05

model = MLP([2, 2, 1], hidden="linear", output="linear", bias=False, engine="value")
model.set_weights(notes05.weights())  # [[w1, w3], [w2, w4]] and [[w5, w6]]

# Forward and error.
(y_hat,) = model(x)
error = mse_loss([y_hat], [target], reduction="half_sum")
print(f"ŷ = {y_hat.data:.6g}   Error = ½ (ŷ − y)² = {error.data:.7g}")

# Backward: every weight's ∂Error/∂w, then one step of gradient descent.
error.backward()
# The library labels a weight w{layer}_{unit}{input}; the note numbers them w1..w6.
note_name = {
    "w1_11": "w1",
    "w1_12": "w3",
    "w1_21": "w2",
    "w1_22": "w4",
    "w2_11": "w5",
    "w2_12": "w6",
}
params = {note_name[label]: p for label, p in model.named_parameters()}
old = {name: p.data for name, p in params.items()}
if len(sys.argv) > 1:  # draw before the step, so the picture shows the values used
    print("wrote", render(error, Path(sys.argv[1]) / "worked_example.svg"))
SGD(model.parameters(), lr=lr).step()  # w ← w − η ∂Error/∂w

print(f"{'weight':<8}{'old':>8}{'∂E/∂w':>12}{'new':>12}")
for name in sorted(params):
    print(f"{name:<8}{old[name]:>8.4g}{params[name].grad:>12.6g}{params[name].data:>12.7g}")
print("The note's table lists w3 (old) as 0.11 and w3 (new) as 0.12; its forward pass used")
print("w3 = 0.21, and the exact update is 0.21 + 0.05 · 0.809 · 0.14 · 3 = 0.226989.")
