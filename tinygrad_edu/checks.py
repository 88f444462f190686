"""The shared input checks: a clear error that names the problem, or the checked value.

One place for what several modules need: a real number (``Value``, the optimizers, the
learning rates and tolerances: never a bare OverflowError for 10**400), a float dtype, a float
array (``Tensor``, the losses, ``nn``, ``rules``, ``compare``), a positive size, and a
``[(W, b), …]`` list of weights whose shapes chain layer to layer (``rules``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Union

import numpy as np

from . import graph

Weights = list[tuple[np.ndarray, Union[np.ndarray, None]]]


def real_number(data: Any, what: str) -> float:
    """A Python float from a real number, or a TypeError that names what was given."""
    if type(data) is float:  # the common case; skips the slow abstract-class check below
        return data
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        raise TypeError(f"{what}: expected a real number, got {type(data).__name__} {data!r}")
    return as_float(data, what)


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


def number_in(x: Any, what: str, low: float = 0.0, high: float = math.inf) -> float:
    """A finite real number in [low, high), or a clear error (an optimizer's lr, betas …)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__} {x!r}")
    x = as_float(x, what)
    if not (math.isfinite(x) and low <= x < high):
        raise ValueError(f"{what} must be a finite number in [{low}, {high}), got {x}")
    return x


def float_dtype(dtype: Any, where: str, why: str = "") -> np.dtype[Any]:
    """``dtype`` as a NumPy float dtype, or an error naming it (and ``why``, if given)."""
    try:
        checked = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype {dtype!r} is not a NumPy dtype") from None
    if checked.kind != "f":
        because = f" ({why})" if why else ""
        raise ValueError(
            f"{where}: dtype must be a float dtype (float16, float32 or float64), "
            f"got {checked}{because}"
        )
    return checked


def positive_int(n: Any, what: str) -> int:
    """``n`` as an int ≥ 1 (a layer width), or a ValueError naming ``what``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


def float_array(data: Any, what: str = "Tensor", requires_grad: bool = False) -> np.ndarray:
    """A float ndarray (a copy) of ``data``; float32/float16 kept, ints and bools to float64.

    A Tensor gives its array; anything else that is not made of real numbers is a TypeError
    naming ``what`` (strings, None, complex numbers, a node inside a list). Integer or bool
    data that should get a gradient (``requires_grad``) is refused, as PyTorch does: its
    gradient is not an integer, and a model made of it could not be saved as it trains.
    """
    if isinstance(data, graph.Node) and isinstance(data.data, np.ndarray):  # a Tensor
        data = data.data
    try:
        array = np.array(data)
    except ValueError as error:  # e.g. a ragged nested list
        raise ValueError(f"{what}: cannot make an array of {data!r}: {error}") from None
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "iub":
        if requires_grad:
            raise ValueError(
                f"{what}: requires_grad=True needs float data, got dtype {array.dtype} "
                "(only floats have gradients: pass e.g. np.asarray(data, dtype=float))"
            )
        return array.astype(np.float64)
    if kind == "c":
        raise TypeError(f"{what}: complex numbers are not supported (dtype {array.dtype})")
    if kind == "O":  # None, a Value, a dict, or Python numbers from e.g. pandas
        return _from_objects(array, what)
    raise TypeError(f"{what}: expected numbers, got {type(data).__name__} of dtype {array.dtype}")


def real_array(data: Any, what: str) -> np.ndarray:
    """``float_array`` in float64: what the notes' arithmetic (rules, compare) works in."""
    return float_array(data, what).astype(np.float64)


def _from_objects(array: np.ndarray, what: str) -> np.ndarray:
    """An object array of real numbers as float64; else a TypeError naming the first misfit."""
    for index, element in np.ndenumerate(array):
        if isinstance(element, graph.Node):  # e.g. Tensor([t1, t2]) or Tensor([Value(1)])
            raise TypeError(
                f"{what}: got a {type(element).__name__} inside a list; a Tensor is made of "
                "numbers (take .data or .item(), or combine nodes with ops)"
            )
        if not isinstance(element, numbers.Real):
            where = f" at index {index}" if array.ndim else ""
            raise TypeError(
                f"{what}: expected real numbers, got {type(element).__name__} "
                f"{repr(element)[:60]}{where}"
            )
    try:
        return array.astype(np.float64)
    except OverflowError:  # a Python int beyond float range
        raise ValueError(f"{what}: a number is too large for a float") from None


def weight_pairs(weights: Any, where: str) -> Weights:
    """The weights as float64 ``(W, b)`` pairs whose shapes chain layer to layer."""
    if not isinstance(weights, (list, tuple)) or not weights:
        raise ValueError(f"{where}: weights must be a non-empty list of (W, b) pairs")
    layers: Weights = []
    for l, pair in enumerate(weights, 1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"{where}: layer {l} must be a (W, b) pair, got {pair!r}")
        W = real_array(pair[0], f"{where}: W of layer {l}")
        if W.ndim != 2:
            raise ValueError(f"{where}: W of layer {l} must be 2-d (out, in), got shape {W.shape}")
        if layers and W.shape[1] != layers[-1][0].shape[0]:
            raise ValueError(
                f"{where}: W of layer {l} has shape {W.shape}, but layer {l - 1} has "
                f"{layers[-1][0].shape[0]} outputs; W must be (out, in) = (…, "
                f"{layers[-1][0].shape[0]})"
            )
        b = None
        if pair[1] is not None:
            b = real_array(pair[1], f"{where}: b of layer {l}")
            if b.shape != (W.shape[0],):
                raise ValueError(
                    f"{where}: b of layer {l} must have shape ({W.shape[0]},), got {b.shape}"
                )
        layers.append((W, b))
    return layers


def class_targets(target: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """The targets t of a classifier with outputs of ``shape`` ((N, C), or (C,) for one
    sample) as a float64 array of that shape, the notes' t; or an error naming the problem.

    Two forms, as PyTorch's ``cross_entropy`` takes them, told apart by their shape:

    - class indices, shape ``shape[:-1]`` ((N,), or a single int): integers in 0 … C−1,
      turned into one-hot rows;
    - probabilities, ``shape`` itself (one-hot rows, or soft labels): each row ≥ 0, finite
      and summing to 1 (so that δ = O − t holds).
    """
    if isinstance(target, graph.Node):  # a Tensor or a Value: its numbers
        target = target.data
    try:
        array = np.asarray(target)
    except ValueError as error:  # a ragged nested list
        raise ValueError(f"{where}: cannot make an array of the target: {error}") from None
    C = shape[-1]
    kind = array.dtype.kind
    if kind not in "iuf":
        raise TypeError(
            f"{where}: target must be class indices (integers) or probabilities (floats), "
            f"got dtype {array.dtype}"
        )
    if array.shape == shape[:-1]:
        if kind == "f":
            raise TypeError(
                f"{where}: a target of shape {array.shape} holds class indices and must be "
                f"integers, got dtype {array.dtype} (use .astype(int)), or give probabilities "
                f"of shape {shape}"
            )
        bad = np.flatnonzero((array < 0) | (array >= C))
        if bad.size:
            sample = int(bad[0])
            index = int(array.reshape(-1)[sample])
            what = "negative" if index < 0 else "out of range"
            at = f" (sample {sample})" if array.ndim else ""
            raise ValueError(
                f"{where}: class index {index}{at} is {what}: with {C} outputs the classes "
                f"are 0 … {C - 1}"
            )
        return np.eye(C)[array]
    if array.shape == shape:
        t = array.astype(np.float64)
        rows = t.reshape(-1, C)
        bad_rows = ~np.all(np.isfinite(rows) & (rows >= 0), axis=1)
        if bad_rows.any():
            row = int(np.flatnonzero(bad_rows)[0])
            raise ValueError(
                f"{where}: target probabilities must be finite and ≥ 0; row {row} is {rows[row]}"
            )
        sums = rows.sum(axis=1)
        off = np.flatnonzero(np.abs(sums - 1) > 1e-6)
        if off.size:
            row = int(off[0])
            raise ValueError(
                f"{where}: target probabilities of each sample must sum to 1; row {row} sums "
                f"to {sums[row]:g}"
            )
        return t
    raise ValueError(
        f"{where}: target has shape {array.shape}; for outputs of shape {shape} give class "
        f"indices of shape {shape[:-1]} or probabilities (e.g. one-hot rows) of shape {shape}"
    )


Layout = dict[str, tuple[tuple[int, ...], np.dtype[Any]]]  # a model's arrays: name -> shape, dtype


def state_mismatch(found: Layout, expected: Layout) -> str | None:
    """Why arrays laid out as ``found`` cannot be loaded into a model laid out as ``expected``
    (the names, then each shape, then each dtype, exactly), or None when they can."""
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    if missing or unexpected:
        return (
            f"the names do not match this model (missing {missing}, unexpected {unexpected}); "
            "was it saved from a different architecture?"
        )
    for name, (shape, dtype) in expected.items():
        if found[name][0] != shape:
            return (
                f"{name!r} has shape {found[name][0]}, this model has {shape} "
                "(saved from a different architecture?)"
            )
        if found[name][1] != dtype:
            return f"{name!r} has dtype {found[name][1]}, this model has {dtype}"
    return None
