"""Anomaly mode: find the first op whose result is NaN or ±inf, in forward or in backward.

Off by default: like NumPy and PyTorch, a NaN or an inf then flows on silently (NumPy may
print a RuntimeWarning) and a learner only sees ``loss = nan`` many ops later. Inside

    with detect_anomaly():
        loss = mse_loss(model(x), t)
        loss.backward()

every op checks its result as it is made, and the backward walk checks every gradient it
adds into a parent. The first non-finite number raises :class:`AnomalyError`, which names
the op, the shapes, which input was already bad (a leaf such as a weight holding NaN, or a
constant) and, for a backward error, the line of the user's code that created the op —
what ``torch.autograd.detect_anomaly`` does.

The mode is an observer of the graph core (``graph.Observer``): installed for the block, it
sees every op as it is made and every push of the one backward walk. Per thread, as in
PyTorch: a block in one thread does not check another thread's ops. Cost when off: one
global-flag check per op (is an observer installed in any thread?) and one per
``backward()`` call; the backward walk itself is unchanged.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import graph

# Where each op result made in anomaly mode was created: "file.py:12 in train".
# Weak keys: the record never keeps a node (or its graph) alive.
_created_at: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(ValueError):
    """A NaN or an infinity appeared in anomaly mode; the message names the op."""


def is_anomaly_enabled() -> bool:
    """True inside a ``detect_anomaly()`` block."""
    return any(isinstance(observer, AnomalyObserver) for observer in graph.modes.observers)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Check every op's result and every gradient for NaN/inf inside the block.

    Slower (each result is scanned), so use it to find a bug, then switch it off.
    NumPy's RuntimeWarnings ("overflow encountered in exp") are silenced inside: the
    AnomalyError says the same, and names the op.
    """
    with np.errstate(all="ignore"):
        if is_anomaly_enabled():  # nested: the outer block already checks everything
            yield
            return
        with graph.observing(AnomalyObserver()):
            yield


# --- checks ------------------------------------------------------------------------------


def _is_finite(x: Any) -> bool:
    """True when every element of a float or an array is finite (None counts as finite)."""
    if x is None:
        return True
    if isinstance(x, float):
        return math.isfinite(x)
    return bool(np.all(np.isfinite(x)))


def _what_is_wrong(x: Any) -> str:
    """``nan``, ``inf`` or ``-inf`` and, for an array, where the first one sits."""
    if isinstance(x, float):
        return repr(x)
    array = np.asarray(x)
    bad = np.argwhere(~np.isfinite(array))
    index = tuple(int(i) for i in bad[0])
    where = f" at index {index}" if array.ndim else ""
    return f"{float(array[index])!r}{where}"


def _short(x: Any) -> str:
    """A float as itself, an array by its shape: enough to recognise an op's input."""
    return f"{x:.6g}" if isinstance(x, float) else f"shape {np.shape(x)}"


def _describe(node: Any) -> str:
    """A short name for a node: its label or op, and its shape for a tensor."""
    shape = getattr(node.data, "shape", None)
    shape_text = f" of shape {shape}" if shape is not None else ""
    if node.label:
        return f"{node.label!r}{shape_text}"
    if node.op:
        return f"the result of {node.op!r}{shape_text}"
    kind = "a leaf" if getattr(node, "requires_grad", True) else "a constant or input"
    return f"{kind}{shape_text}"


def _user_site() -> str:
    """The first stack frame outside this package: the learner's line that made the op."""
    frame = sys._getframe(1)
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == _PACKAGE_DIR:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "an unknown place"
    name = os.path.basename(frame.f_code.co_filename)
    return f"{name}:{frame.f_lineno} in {frame.f_code.co_name}"


class AnomalyObserver(graph.Observer):
    """Checks each op's result as it is made and each gradient the walk adds into a parent."""

    def on_op(self, out: Any, parents: tuple[Any, ...]) -> None:
        check_forward(out, parents)

    def on_seed(self, root: Any) -> None:
        if not _is_finite(root.grad):
            raise AnomalyError(
                f"detect_anomaly: backward: the seed gradient holds {_what_is_wrong(root.grad)}"
            )

    def on_push(self, node: Any, parent: Any, local: Any, added: Any, before: Any) -> None:
        # A parent whose gradient was finite before this push and is not after names this
        # op. (A leaf may carry a non-finite gradient from an earlier backward(): not this op's.)
        if _is_finite(before) and not _is_finite(parent.grad):
            site = _created_at.get(node, "outside detect_anomaly()")
            i = next(k for k, p in enumerate(node.parents) if p is parent)
            raise AnomalyError(
                f"detect_anomaly: backward: op {node.op!r} (created at {site}) produced "
                f"{_what_is_wrong(parent.grad)} in the gradient of its input {i}, "
                f"{_describe(parent)}; its own gradient was finite"
            )


def check_forward(out: Any, parents: Sequence[Any]) -> None:
    """Called for each op made in anomaly mode: is the new result finite?

    If not, blame the first input that was already non-finite (a weight or an input
    holding NaN, or a constant), else the op itself.
    """
    if not parents:  # a constant or a detached copy: checked where an op uses it
        return
    site = _created_at[out] = _user_site()
    if _is_finite(out.data):
        return
    for i, parent in enumerate(parents):
        if not _is_finite(parent.data):
            raise AnomalyError(
                f"detect_anomaly: forward: op {out.op!r} at {site} got a non-finite input {i}, "
                f"{_describe(parent)}, holding {_what_is_wrong(parent.data)}"
            )
    inputs = ", ".join(_short(p.data) for p in parents)
    raise AnomalyError(
        f"detect_anomaly: forward: op {out.op!r} at {site} produced "
        f"{_what_is_wrong(out.data)} from finite inputs ({inputs})"
    )
