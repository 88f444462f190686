"""Moving on to PyTorch: the same network and the same training loop in both libraries.

``model.to_torch()`` turns an MLP into a ``torch.nn.Sequential`` with the same weights, so
the two training loops below start from the same point. With the same loss (the notes'
E = ½ Σ (O − t)²) and the same optimizer (SGD with momentum, the same formulas) they take
the same steps: the losses agree epoch by epoch to rounding, in float64.
``nn.MLP.from_torch(sequential)`` brings the trained PyTorch network back.

PyTorch is optional. Without it this script says how to install it and stops.

Usage: python examples/moving_on_to_pytorch.py [OUT_DIR]   (writes nothing)
"""

import importlib.util
import sys

import numpy as np

from tinygrad_edu import data, mse_loss, nn, optim

if importlib.util.find_spec("torch") is None:
    print(
        "PyTorch is not installed, so this example is skipped. Install its CPU build with:\n"
        "    pip install torch --index-url https://download.pytorch.org/whl/cpu"
    )
    sys.exit(0)

import torch

X, y = data.xor()
EPOCHS, LR, MOMENTUM = 300, 0.5, 0.9

# --- tinygrad_edu ------------------------------------------------------------------------
model = nn.MLP([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
sequential = model.to_torch()  # the same weights, before any training

opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
ours = []
for _ in range(EPOCHS):
    loss = mse_loss(model(X), y, reduction="half_sum")  # E = ½ Σ (O − t)²
    opt.zero_grad()
    loss.backward()
    opt.step()
    ours.append(loss.item())

# --- PyTorch: the same loop, line by line -------------------------------------------------
X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
torch_opt = torch.optim.SGD(sequential.parameters(), lr=LR, momentum=MOMENTUM)
theirs = []
for _ in range(EPOCHS):
    loss_t = 0.5 * torch.nn.functional.mse_loss(sequential(X_t), y_t, reduction="sum")
    torch_opt.zero_grad()
    loss_t.backward()
    torch_opt.step()
    theirs.append(loss_t.item())

print(f"{'epoch':>5}  {'tinygrad_edu':>14}  {'PyTorch':>14}")
for epoch in (0, 1, 10, 100, EPOCHS - 1):
    print(f"{epoch:>5}  {ours[epoch]:>14.10f}  {theirs[epoch]:>14.10f}")
largest = float(np.max(np.abs(np.array(ours) - np.array(theirs))))
print(f"largest difference of the losses over {EPOCHS} epochs: {largest:.1e}")
assert largest < 1e-9

# --- and back: the trained PyTorch network as an MLP --------------------------------------
back = nn.MLP.from_torch(sequential)
with torch.no_grad():
    torch_out = sequential(X_t).numpy()
print("trained outputs, PyTorch:", np.round(torch_out.ravel(), 4))
print("after from_torch        :", np.round(back(X).data.ravel(), 4))
assert np.allclose(back(X).data, torch_out, rtol=0, atol=1e-12)
