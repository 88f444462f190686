"""Train MLPs on XOR and on two moons, with both engines.

The tensor engine trains on whole batches (one array per layer); the value engine builds
one node per weight per sample, so it trains on a small subset of the moons. One loop,
``tinygrad_edu.train.fit``, trains both: forward, loss, zero_grad, backward, step.

Usage: python examples/train_xor_moons.py [OUT_DIR]   (OUT_DIR gets the trained weights)
"""

import sys
import time
from pathlib import Path

import numpy as np

from tinygrad_edu.data import moons, xor
from tinygrad_edu.nn import MLP
from tinygrad_edu.train import accuracy, fit


def train(name: str, model: MLP, X: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> MLP:
    """Full-batch SGD with momentum on E = ½ Σ (O − t)²; print the error and the accuracy."""
    start = time.perf_counter()
    history = fit(model, X, y, lr=lr, steps=epochs, momentum=0.9, reduction="half_sum")
    seconds = time.perf_counter() - start
    print(
        f"{name:<22} {model.engine:<6} {len(X):>4} samples  E = {history.loss[-1]:.5f}  "
        f"accuracy {100 * accuracy(model, X, y):5.1f} %  ({seconds:.2f} s)"
    )
    return model


X_xor, y_xor = xor()
X_moons, y_moons = moons(200, noise=0.1, seed=0)
models = {}
for engine in ("tensor", "value"):
    models[f"xor_{engine}"] = train(
        "XOR 2-4-1",
        MLP([2, 4, 1], hidden="tanh", output="sigmoid", engine=engine, seed=0),
        X_xor,
        y_xor,
        0.2,
        500,
    )
models["moons_tensor"] = train(
    "moons 2-8-1",
    MLP([2, 8, 1], hidden="tanh", output="sigmoid", seed=0),
    X_moons,
    y_moons,
    0.01,
    500,
)
# The value engine on the first 32 moons (the samples are shuffled, so both classes show).
models["moons_value"] = train(
    "moons 2-8-1 (subset)",
    MLP([2, 8, 1], hidden="tanh", output="sigmoid", engine="value", seed=0),
    X_moons[:32],
    y_moons[:32],
    0.05,
    150,
)
full = accuracy(models["moons_value"], X_moons, y_moons)
print(f"the value-engine moons model (trained on 32) on all 200 moons: {100 * full:.1f} %")
# The same seed gives both engines the same initial weights: the two XOR rows agree.

if len(sys.argv) > 1:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, model in models.items():
        model.save(out / f"{name}.npz")  # loads into either engine: MLP(...).load(path)
    print(f"wrote {len(models)} .npz files to {out}")
