"""Checking gradients: central finite differences (and, later, the three-way compare).

The central difference (f(x + ε) − f(x − ε)) / 2ε has an error of order ε², so with
ε = 1e-6 in float64 it agrees with an exact gradient to about 1e-8 — an independent check
of autograd that needs nothing but the forward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_difference(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """∂f/∂x for every element of ``x`` by central differences (``x`` is left unchanged)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
