"""Training diagnostics: how big δ is in each layer, with sigmoid, tanh and relu units.

``fit(..., diagnostics=True)`` records, per step and per layer, ‖∂E/∂W‖, ‖∂E/∂b‖, ‖δ‖
(δ = ∂E/∂net, autograd's gradient of the layer's net) and the fraction of saturated units.
The same six-layer network with three hidden activations shows the notes' point: the
sigmoid's f′ ≤ ¼ shrinks δ by about four per layer (docs/vanishing-gradients.md).

Usage: python examples/training_diagnostics.py [OUT_DIR]   (OUT_DIR gets one picture per
network when matplotlib is installed; without it nothing is written)
"""

import sys
from pathlib import Path

import numpy as np

from tinygrad_edu import data, nn, plot
from tinygrad_edu.train import fit

out = Path(sys.argv[1]) if len(sys.argv) > 1 else None  # no folder given: write nothing
X, y = data.moons(200, noise=0.1, seed=0)
SIZES = [2, 16, 16, 16, 16, 16, 1]

print("‖δ_l‖ / ‖δ_6‖ at the first step, layer 1 (inputs) … layer 6 (output):")
for hidden in ("sigmoid", "tanh", "relu"):
    model = nn.MLP(SIZES, hidden=hidden, output="sigmoid", seed=0)
    history = fit(model, X, y, lr=0.5, steps=100, diagnostics=True)
    deltas = np.array(history.delta_norm)  # (steps, layers)
    ratios = "  ".join(f"{r:8.2e}" for r in deltas[0] / deltas[0, -1])
    dead_or_saturated = np.array(history.saturated[-1][:-1])  # the hidden layers
    print(
        f"  {hidden:<8} {ratios}   loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}, "
        f"hidden units saturated/dead at the end: {dead_or_saturated.max():.0%} at most"
    )
    if out is None:
        continue
    picture = out / f"diagnostics_{hidden}.png"
    out.mkdir(parents=True, exist_ok=True)
    title = f"{hidden} hidden, MLP 2-16-16-16-16-16-1"
    if plot.diagnostics(history, picture, title, model.activations) is not None:
        print(f"           wrote {picture}")

# The value engine (one node per weight) records the same numbers, from its own graph.
X_small, y_small = X[:8], y[:8]
histories = {}
for engine in ("tensor", "value"):
    model = nn.MLP([2, 4, 4, 1], hidden="sigmoid", output="sigmoid", engine=engine, seed=1)
    histories[engine] = fit(model, X_small, y_small, lr=0.5, steps=5, diagnostics=True)
same = np.allclose(histories["tensor"].delta_norm, histories["value"].delta_norm, rtol=1e-12)
print(f"value engine: ‖δ_l‖ at every step equals the tensor engine's: {same}")
