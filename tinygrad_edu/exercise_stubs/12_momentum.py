"""Exercise 12 (beyond the notes): one step of gradient descent with momentum.

Plain gradient descent steps W ← W − η g with g = ∂E/∂W. With momentum μ (e.g. 0.9) the step
follows a velocity b that keeps μ of its last value and adds the new gradient:

    b ← μ b + g
    W ← W − η b            (with the NEW b)

This is PyTorch's SGD(momentum=μ). On the first step b starts at 0, so b = g.

Implement ``momentum_step(W, grad, velocity, lr, momentum)``: W, grad and velocity have the
same shape. Return the pair ``(W_new, velocity_new)`` as NEW arrays, and leave the three
arrays you were given as they were (the grader checks).

Check your answer:  tinygrad-edu check 12_momentum.py
"""

import numpy as np


def momentum_step(
    W: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, momentum: float
) -> tuple[np.ndarray, np.ndarray]:
    """(W_new, velocity_new) after one step of SGD with momentum."""
    raise NotImplementedError("velocity_new = momentum * velocity + grad, then W - lr * it")
