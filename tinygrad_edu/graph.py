"""The graph core both engines share: nodes, topological order, the backward walk, no_grad.

Every result of an op is a :class:`Node` that remembers its ``parents`` and the ``op`` that
made it. ``backward`` visits the nodes in reverse topological order, so a node pushes its
gradient to its parents only after every one of its children has pushed into it. The walk
is an explicit loop over a list, never a recursion, so a graph of a million nodes is fine.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

# Both switches are per thread, as in PyTorch: a thread inside ``no_grad`` does not switch
# off graph building in another. Each thread's own setting lives in ``_modes``. The ops read
# a module-level shortcut first, so the common case (no thread inside the block) costs one
# global look-up, as a single flag did:
# - ``_grad_enabled`` is True while no thread at all is inside ``no_grad``; when False an op
#   asks its own thread (``_modes.grad_enabled``);
# - ``_anomaly_enabled`` is True while some thread is inside ``detect_anomaly``; then an op
#   asks its own thread (``_modes.anomaly_enabled``).
# A block sets the shortcut before its own thread's setting and restores it after, so the
# shortcut only ever sends an op to the (always correct) per-thread setting.


class _ThreadModes(threading.local):
    """This thread's switches; a new thread starts with these defaults."""

    grad_enabled = True
    anomaly_enabled = False


_modes = _ThreadModes()
_grad_enabled = True
_anomaly_enabled = False
_open_blocks = {"no_grad": 0, "anomaly": 0}  # blocks open in all threads together
_blocks_lock = threading.Lock()


def _count_block(kind: str, change: int) -> None:
    """Count a ``no_grad``/``detect_anomaly`` block in or out and update the shortcuts."""
    global _grad_enabled, _anomaly_enabled
    with _blocks_lock:
        _open_blocks[kind] += change
        _grad_enabled = _open_blocks["no_grad"] == 0
        _anomaly_enabled = _open_blocks["anomaly"] > 0


def is_grad_enabled() -> bool:
    """True unless this thread is inside a ``no_grad()`` block."""
    return _modes.grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: results have ``parents == ()`` (for inference).

    Only in this thread, as ``torch.no_grad``: other threads go on building graphs.
    """
    _count_block("no_grad", +1)
    previous, _modes.grad_enabled = _modes.grad_enabled, False
    try:
        yield
    finally:
        _modes.grad_enabled = previous
        _count_block("no_grad", -1)


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
        if _anomaly_enabled and _modes.anomaly_enabled:  # the walk, checking each push
            from .anomaly import push_checked

            push_checked(root, order)
            return
        for node in reversed(order):
            node._push_grad_to_parents()
    finally:
        if collector_was_on:
            gc.enable()


def checked_label(label: Any, what: str) -> str:
    """``label`` if it is a string; a TypeError naming ``what`` otherwise (drawings need text)."""
    if not isinstance(label, str):
        raise TypeError(f"{what}: label must be a string, got {type(label).__name__} {label!r}")
    return label
