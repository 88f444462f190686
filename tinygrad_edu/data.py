"""Data sets: toy ones generated in numpy, and a real one that ships with its package.

Each toy function returns ``(X, y)``: float64 arrays with X of shape (n, features) and y of
shape (n, outputs) — y is 2-D even for one output, so it matches an MLP's output shape
and ``mse_loss`` needs no reshaping; a classification set's y is one-hot rows, as
``cross_entropy_loss`` takes them. ``n`` is the total number of samples; the same ``seed``
gives the same data. Nothing is downloaded: :func:`digits` reads the 8×8 handwritten
digits that scikit-learn ships inside its package (the optional extra ``[digits]``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from .checks import as_float

Dataset = tuple[np.ndarray, np.ndarray]


def _check_n(n: Any, what: str, least: int = 1) -> int:
    """``n`` as an int ≥ ``least``, or a clear error."""
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise TypeError(f"{what}: n must be an integer, got {type(n).__name__} {n!r}")
    if not isinstance(n, numbers.Integral) or n < least:
        raise ValueError(f"{what}: n must be an integer ≥ {least}, got {n!r}")
    return int(n)


def _check_noise(noise: Any, what: str) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"{what}: noise must be a number, got {type(noise).__name__}")
    value = as_float(noise, f"{what}: noise")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{what}: noise must be a finite number ≥ 0, got {noise!r}")
    return value


def xor() -> Dataset:
    """The four corners of the unit square; y = x₁ XOR x₂ (not linearly separable)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Two interleaving half circles (as scikit-learn's make_moons), shuffled.

    Class 0 (y = 0): (cos θ, sin θ); class 1 (y = 1): (1 − cos θ, ½ − sin θ), θ ∈ [0, π];
    plus Gaussian noise of standard deviation ``noise``. X is (n, 2), y is (n, 1).
    The samples are shuffled, so the first k of them are a fair subset of both classes.
    """
    n = _check_n(n, "moons")
    noise = _check_noise(noise, "moons")
    rng = np.random.default_rng(seed)
    n_upper = n - n // 2
    theta_upper = np.linspace(0.0, math.pi, n_upper)
    theta_lower = np.linspace(0.0, math.pi, n // 2)
    upper = np.stack([np.cos(theta_upper), np.sin(theta_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(theta_lower), 0.5 - np.sin(theta_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper), np.ones(n // 2)])[:, None]
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 300, classes: int = 3, seed: int | None = 0, noise: float = 0.2) -> Dataset:
    """``classes`` arms of a spiral around the origin (the CS231n toy set), shuffled.

    Sample s of arm c, at radius r = s / (m − 1) ∈ [0, 1], sits at angle
    θ = 4 (c + r) + noise · N(0, 1):  x = (r sin θ, r cos θ).
    X is (n, 2); y is one-hot, (n, classes). The n samples are spread over the arms as
    evenly as possible.
    """
    n = _check_n(n, "spirals")
    classes = _check_n(classes, "spirals (classes)")
    if n < classes:
        raise ValueError(f"spirals: n = {n} is fewer than one sample per class ({classes})")
    noise = _check_noise(noise, "spirals")
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for c in range(classes):
        m = n // classes + (1 if c < n % classes else 0)
        r = np.linspace(0.0, 1.0, m)
        theta = 4.0 * (c + r) + noise * rng.standard_normal(m)
        points.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        labels.append(np.full(m, c))
    X = np.concatenate(points)
    y = np.eye(classes)[np.concatenate(labels)]
    order = rng.permutation(n)
    return X[order], y[order]


def sine(n: int = 100, seed: int | None = 0, noise: float = 0.0) -> Dataset:
    """Regression: x uniform in [−π, π], y = sin x (+ Gaussian noise). X, y are (n, 1)."""
    n = _check_n(n, "sine")
    noise = _check_noise(noise, "sine")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-math.pi, math.pi, size=(n, 1))
    y = np.sin(X) + noise * rng.standard_normal((n, 1))
    return X, y


class Split(NamedTuple):
    """A data set split into training and test samples; y as one-hot rows."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


DIGITS_INSTALL = "pip install 'tinygrad_edu[digits]' (or: pip install scikit-learn)"


def digits(test_fraction: float = 0.25, seed: int | None = 0) -> Split:
    """The 8×8 handwritten digits (1797 images of 0–9, UCI), split into train and test.

    The images come with scikit-learn (``sklearn.datasets.load_digits`` reads a file inside
    its package: no download), an optional extra: ``pip install 'tinygrad_edu[digits]'``.
    X is (n, 64): the 8×8 pixels row by row, scaled from 0 … 16 to 0 … 1; y is one-hot,
    (n, 10). The samples are shuffled with ``seed`` and the last ``test_fraction`` of them
    (rounded) are the test set; the same seed gives the same split.
    """
    fraction = test_fraction
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
        raise ValueError(f"digits: test_fraction must be between 0 and 1, got {test_fraction!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ModuleNotFoundError(
            f"data.digits needs scikit-learn, which ships the digits: {DIGITS_INSTALL}"
        ) from None
    images = load_digits()
    X = np.asarray(images.data, dtype=np.float64) / 16.0
    y = np.eye(10)[np.asarray(images.target)]
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = round(fraction * len(X))
    train, test = order[: len(X) - n_test], order[len(X) - n_test :]
    return Split(X[train], y[train], X[test], y[test])
