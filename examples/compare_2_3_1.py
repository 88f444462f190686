"""Autograd vs the notes' δ rules vs finite differences, for the notes' 2-3-1 network.

Note 03's network: 2 inputs → 3 sigmoid hidden units (with biases) → 1 linear output
(with a bias), error E = ½ (O − t)². For every weight and bias, ``compare`` computes
∂E/∂w three independent ways:

- autograd: ``loss.backward()`` through the graph of Values (or Tensors);
- the δ rules, in plain NumPy (``rules.backward``): δ_out = (O − t)·1 for the linear output,
  δ_j = O_j (1 − O_j) · w_out,j · δ_out for hidden unit j, ∂E/∂w_ji = δ_j x_i, ∂E/∂b_j = δ_j;
- central finite differences: (E(w + ε) − E(w − ε)) / 2ε.

Usage: python examples/compare_2_3_1.py [OUT_DIR]   (OUT_DIR gets the graph with δ's)
"""

import sys
from pathlib import Path

import numpy as np

from tinygrad_edu import mse_loss, rules
from tinygrad_edu.compare import compare
from tinygrad_edu.nn import MLP
from tinygrad_edu.viz import render

x, t = np.array([0.5, -1.0]), np.array([1.0])

# One sample, the value engine: one node per weight, named w{layer}_{unit}{input}.
model = MLP([2, 3, 1], hidden="sigmoid", output="linear", engine="value", seed=0)
report = compare(model, x, t)
print(report.table(max_entries=None))
assert report.ok

# The δ of each layer by the rules, beside autograd's gradient of each unit's net input.
records = rules.backward(model.get_weights(), model.activations, x, t)
for layer, record in enumerate(records, 1):
    print(f"layer {layer}: δ = {np.array2string(record.delta, precision=6)}")

# A batch of four samples on the tensor engine: the gradients are summed over the samples.
X = np.random.default_rng(1).normal(size=(4, 2))
T = np.random.default_rng(2).normal(size=(4, 1))
tensor_model = MLP([2, 3, 1], hidden="sigmoid", output="linear", engine="tensor", seed=0)
batch_report = compare(tensor_model, X, T)
print()
print(batch_report)
assert batch_report.ok

if len(sys.argv) > 1:
    loss = mse_loss(model(list(x)), list(t), reduction="half_sum")
    loss.backward()
    print("wrote", render(loss, Path(sys.argv[1]) / "compare_2_3_1.svg", deltas=records))
