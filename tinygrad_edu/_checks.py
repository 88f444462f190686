"""Turning a number the user passed (a learning rate, a tolerance, a noise level) into a float.

At the bottom of the package's dependencies: it imports nothing from it, so every module
may use it.
"""

from __future__ import annotations

import math
from typing import Any


def as_float(x: Any, what: str) -> float:
    """``float(x)`` of a real number, or a ValueError naming ``what`` for an int beyond float
    range (10**400).

    Python ints are unbounded; ``float(10**400)`` raises a bare OverflowError.
    """
    try:
        return float(x)
    except OverflowError:
        bits = int(x).bit_length()
        raise ValueError(
            f"{what} must be a finite number, got an integer too large for a float "
            f"({bits} bits, about 10**{int(bits * math.log10(2))}; floats stop near 1.8e308)"
        ) from None
