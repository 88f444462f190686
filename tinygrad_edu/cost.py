"""The rough cost model behind every size guard: how long a network's forward pass takes.

The command refuses a finite-difference check that would run for hours, and the explore
page refuses a network whose step would freeze it; both ask this module, before any work
starts. The figures are rough orders of magnitude, not promises: one multiply-add per
sample (a Value node each on the value engine, one slot of a matrix product on the tensor
engine) and one layer's call (the tensor engine's fixed cost of its NumPy calls; the value
engine's is within its per-weight figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

WEIGHT_SECONDS = {"tensor": 2e-9, "value": 2e-6}  # one multiply-add, per sample
LAYER_SECONDS = {"tensor": 5e-5, "value": 0.0}  # one layer's call


def count_parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of an MLP with these layer widths (inputs first)."""
    return sum((n_in + 1) * n_out for n_in, n_out in pairwise(sizes))


def forward_seconds(sizes: Sequence[int], samples: int, engine: str) -> float:
    """The estimated seconds of one forward pass of ``samples`` rows through an MLP with
    these layer widths on ``engine`` ("tensor" or "value"; ValueError for any other)."""
    if engine not in WEIGHT_SECONDS:
        raise ValueError(f"engine must be one of {', '.join(WEIGHT_SECONDS)}, got {engine!r}")
    layers = len(sizes) - 1
    return (
        layers * LAYER_SECONDS[engine] + samples * count_parameters(sizes) * WEIGHT_SECONDS[engine]
    )


def finite_difference_seconds(sizes: Sequence[int], samples: int, engine: str) -> float:
    """The estimated seconds of checking every parameter by central differences: two
    forward passes per parameter, each over ``samples`` rows."""
    return 2 * count_parameters(sizes) * forward_seconds(sizes, samples, engine)
