"""The graph core both engines share: nodes, topological order, the backward walk, no_grad.

Every result of an op is a :class:`Node` that remembers its ``parents`` and the ``op`` that
made it. ``backward`` visits the nodes in reverse topological order, so a node pushes its
gradient to its parents only after every one of its children has pushed into it. The walk
is an explicit loop over a list, never a recursion, so a graph of a million nodes is fine.
"""

from __future__ import annotations

import contextlib
import gc
import numbers
from collections.abc import Iterator
from typing import Any

# Whether new results record their parents. Flipped by ``no_grad``.
_grad_enabled = True
# Whether ops and the backward walk check for NaN/inf. Flipped by ``anomaly.detect_anomaly``.
_anomaly_enabled = False


def is_grad_enabled() -> bool:
    """True unless we are inside a ``no_grad()`` block."""
    return _grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: results have ``parents == ()`` (for inference)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


class Node:
    """A value in a computation graph: what it holds, where it came from, its gradient.

    The engines subclass it: ``Value`` holds a float, ``Tensor`` an ndarray. A subclass says
    how to reset a gradient (``_zero_grad_value``), how to add into one (``_accumulate``)
    and how a node pushes its gradient to its
    parents by the chain rule (``_push_grad_to_parents``).
    """

    # __slots__ keeps nodes small and fast; a big graph holds millions of them.
    __slots__ = ("data", "grad", "parents", "op", "label", "__weakref__")

    data: Any
    grad: Any
    parents: tuple[Any, ...]
    op: str
    label: str

    def _zero_grad_value(self) -> Any:
        raise NotImplementedError

    def _accumulate(self, grad: Any) -> None:
        raise NotImplementedError

    def _push_grad_to_parents(self) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Reset the gradient of this node and of every node in the graph that made it."""
        for node in topological_order(self):
            node.grad = node._zero_grad_value()


# On the work stack of topological_order: "the node just below me has all its parents placed".
_PARENTS_PLACED = object()


def topological_order(root: Node, leaves: bool = True) -> list[Any]:
    """Every node ``root`` depends on, each after all of its parents (iterative DFS).

    A node is appended once all of its parents have been appended: we push the node and a
    marker under its parents, and append the node when the marker pops. With
    ``leaves=False`` only the nodes made by ops are listed: the ones the backward walk
    resets and pushes from.
    """
    if not leaves and not root.parents:
        return []
    order: list[Node] = []
    # Nodes hash by identity (no engine defines __eq__), so the set holds the nodes.
    visited: set[Node] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_PLACED:
            order.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append(node)
        stack.append(_PARENTS_PLACED)
        for parent in node.parents:
            if parent.parents:
                if parent not in visited:
                    stack.append(parent)
            elif leaves and parent not in visited:
                # a leaf waits for nothing: place it now (saves two trips through the stack)
                visited.add(parent)
                order.append(parent)
    return order


def backward(root: Node, seed: Any) -> None:
    """Reverse-mode autodiff: d root / d node for every node, accumulated into ``.grad``.

    Leaves accumulate (a second call adds the same gradient again, as PyTorch does with a
    retained graph). Intermediate nodes are reset first, so their gradients are recomputed
    from zero on each call and never double counted.

    Python's cyclic garbage collector is off during the walk, as it was after it. The graph
    has no reference cycles (refcounting frees it) and the walk's own temporaries are freed
    as it goes, so the collector can find nothing here. Yet the walk's allocations trigger
    it, and each full collection re-visits every live node: on a chain of 10⁶ nodes that was
    a third of the backward time (docs/performance.md). (A try/finally rather than a
    ``contextlib`` context manager, which costs more than a small graph's whole walk.)
    """
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        order = topological_order(root, leaves=False)  # leaves keep (accumulate) their .grad
        zero = root._zero_grad_value()  # one engine per graph: ask once, not once per node
        for node in order:
            node.grad = zero
        root._accumulate(seed)
        if _anomaly_enabled:  # the same walk with a NaN/inf check after each push
            from .anomaly import push_checked

            push_checked(root, order)
            return
        for node in reversed(order):
            node._push_grad_to_parents()
    finally:
        if collector_was_on:
            gc.enable()


def as_float(number: numbers.Real, what: str) -> float:
    """``float(number)`` for a real number, or a ValueError naming ``what`` if it is too large.

    Python ints have no size limit; floats stop near 1.8e308, and ``float(10**400)`` raises
    a bare OverflowError that names nothing.
    """
    try:
        return float(number)
    except OverflowError:
        bits = number.bit_length() if isinstance(number, int) else "too many"
        raise ValueError(
            f"{what}: the integer ({bits} bits) is too large for a float (max about 1.8e308)"
        ) from None


def checked_label(label: Any, what: str) -> str:
    """``label`` if it is a string; a TypeError naming ``what`` otherwise (drawings need text)."""
    if not isinstance(label, str):
        raise TypeError(f"{what}: label must be a string, got {type(label).__name__} {label!r}")
    return label
