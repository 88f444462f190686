"""Exercise 3 (note 01): the δ of a hidden layer.

A hidden unit has no target of its own. Its δ collects the δ of every unit it feeds in
the next layer, each weighted by the connection between them, and then passes through
the unit's own activation derivative:

    δ_hidden = f′(net) · (W_nextᵀ δ_next)        sigmoid: f′(net) = O (1 − O)

``W_next`` has shape (next, hidden): row k holds the weights INTO unit k of the next layer,
so column j holds the weights going OUT of hidden unit j. With one row per sample
(``delta_next`` of shape (N, next)), W_nextᵀ δ_next for every sample at once is
``delta_next @ W_next``, of shape (N, hidden).

Implement ``hidden_delta(net, O, W_next, delta_next)`` for a sigmoid hidden layer; ``net``
and ``O`` have shape (N, hidden). Return shape (N, hidden).

Check your answer:  tinygrad-edu check 03_hidden_delta.py
"""

import numpy as np


def hidden_delta(
    net: np.ndarray, O: np.ndarray, W_next: np.ndarray, delta_next: np.ndarray
) -> np.ndarray:
    """δ of every hidden unit for every sample: O (1 − O) · (δ_next sent back through W)."""
    raise NotImplementedError("send delta_next back through W_next, then multiply by f'")
