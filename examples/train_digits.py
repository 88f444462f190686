"""Handwritten digits (8×8, shipped with scikit-learn): softmax and cross-entropy.

An MLP 64-64-10 with relu hidden units and a softmax output, trained on 1348 images in
mini-batches of 64 with Adam for 20 epochs (seed 0), then tested on the 449 images it never
saw. Measured: 98.0 % test accuracy (440 of 449) in about two seconds; CI checks ≥ 96 %.

Needs scikit-learn for the images (no download): pip install 'tinygrad_edu[digits]'.
Usage: python examples/train_digits.py [OUT_DIR]   (without OUT_DIR it writes nothing)
"""

import sys
from pathlib import Path

import numpy as np

from tinygrad_edu import cross_entropy_loss, no_grad
from tinygrad_edu.data import digits
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import Adam

try:
    split = digits(seed=0)  # X: pixels in 0 … 1, (n, 64); y: one-hot, (n, 10)
except ModuleNotFoundError as error:
    print(f"skipped: {error}")
    sys.exit(0)

model = MLP([64, 64, 10], hidden="relu", output="softmax", seed=0)
optimizer = Adam(model.parameters(), lr=0.005)
rng = np.random.default_rng(0)


def accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of images whose most probable class is the true one."""
    with no_grad():
        return float(np.mean(model(X).data.argmax(axis=1) == y.argmax(axis=1)))


for epoch in range(1, 21):
    order = rng.permutation(len(split.X_train))
    for start in range(0, len(order), 64):
        batch = order[start : start + 64]
        loss = cross_entropy_loss(model(split.X_train[batch]), split.y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if epoch % 5 == 0:
        train = accuracy(split.X_train, split.y_train)
        print(f"epoch {epoch:>2}  training accuracy {100 * train:.1f} %")

test, n_test = accuracy(split.X_test, split.y_test), len(split.X_test)
print(f"digits: test accuracy {100 * test:.1f} % ({round(test * n_test)} of {n_test})")

if len(sys.argv) < 2:  # nothing is written into the current folder unless asked
    print("(to save the weights: python examples/train_digits.py OUT_DIR)")
    sys.exit(0)
out_dir = Path(sys.argv[1])
out_dir.mkdir(parents=True, exist_ok=True)
model.save(out_dir / "digits.npz")
print(f"wrote {out_dir / 'digits.npz'}")
