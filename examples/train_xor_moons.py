"""Train MLPs on XOR and on two moons, with both engines.

The tensor engine trains on whole batches (one array per layer); the value engine builds
one node per weight per sample, so it trains on a small subset of the moons. The loop is
the same for both: forward, loss, zero_grad, backward, step.

Usage: python examples/train_xor_moons.py [OUT_DIR]   (OUT_DIR gets the trained weights)
"""

import sys
import time
from pathlib import Path

import numpy as np

from tinygrad_edu import mse_loss, no_grad
from tinygrad_edu.data import moons, xor
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import SGD


def loss_of(model: MLP, X: np.ndarray, y: np.ndarray):
    """E = ½ Σ (O − t)² over the batch, on the model's own engine."""
    if model.engine == "tensor":
        return mse_loss(model(X), y, reduction="half_sum")
    outputs = [o for row in X for o in model(row)]  # one list of Values for all samples
    return mse_loss(outputs, y.reshape(-1).tolist(), reduction="half_sum")


def accuracy(model: MLP, X: np.ndarray, y: np.ndarray) -> float:
    with no_grad():  # evaluation builds no graph
        if model.engine == "tensor":
            out = model(X).data
        else:
            out = np.array([[o.data for o in model(row)] for row in X])
    return float(np.mean((out > 0.5) == (y > 0.5)))


def train(name: str, model: MLP, X: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> MLP:
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
    start = time.perf_counter()
    for _ in range(epochs):
        loss = loss_of(model, X, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(
        f"{name:<22} {model.engine:<6} {len(X):>4} samples  E = {float(loss.data):.5f}  "
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
