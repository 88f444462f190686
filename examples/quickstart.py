"""The two engines in a few lines: a scalar expression and a tiny tensor regression."""

import numpy as np

from tinygrad_edu import Tensor, Value, mse_loss

# Value: one float per node, micrograd-style.
x1, x2 = Value(2.0, label="x1"), Value(3.0, label="x2")
w1, w2 = Value(0.11, label="w1"), Value(0.21, label="w2")
y = (x1 * w1 + x2 * w2).sigmoid()
y.backward()
print(f"y = {y.data:.6f}   dy/dw1 = {w1.grad:.6f}   dy/dw2 = {w2.grad:.6f}")

# Tensor: one ndarray per node; fit y = 2x - 1 by gradient descent.
X = np.linspace(-1, 1, 20).reshape(20, 1)
T = 2 * X - 1
W = Tensor.zeros(1, 1, requires_grad=True)
b = Tensor.zeros(1, requires_grad=True)
for _ in range(200):
    loss = mse_loss(Tensor(X) @ W + b, T)
    W.grad = b.grad = None
    loss.backward()
    W.data -= 0.5 * W.grad
    b.data -= 0.5 * b.grad
print(f"W = {W.item():.4f}, b = {b.item():.4f}, loss = {loss.item():.2e}")
