"""The graph core both engines share: nodes, topological order, THE backward walk, no_grad.

Every result of an op is a :class:`Node` that remembers its ``parents`` and the ``op`` that
made it. ``backward`` visits the nodes in reverse topological order, so a node pushes its
gradient to its parents only after every one of its children has pushed into it. The walk
is an explicit loop over a list, never a recursion, so a graph of a million nodes is fine.

Each engine implements a small protocol on its nodes (minitorch's ``chain_rule``):
``node.chain_rule()`` lists, for each parent, the local derivative ∂node/∂parent and the
gradient the node adds into that parent. The walk applies it. Whoever wants to watch the
walk — ``trace`` records it, ``anomaly`` checks it for NaN — is an :class:`Observer` the
walk calls at each push; without one the walk takes a fast path that is as fast as before.

The graph core imports nothing of the package. What an engine offers beyond the walk —
``backward(trace=True)``'s recording (``trace``), Jupyter's drawing of a node (``viz``) — lives
in a module between the core and the engines, which the engine imports inside the method
that needs it (so ``import tinygrad_edu`` does not load graphviz).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterable, Iterator
from typing import Any

# The modes are per thread, as in PyTorch: a thread inside ``no_grad`` does not switch off
# graph building in another, nor does ``detect_anomaly`` check another thread's ops. Each
# thread's own setting lives in ``modes``. The engines read a module-level shortcut first,
# so the common case (no thread inside a block) costs one global look-up per op:
# - ``grad_everywhere`` is True while no thread at all is inside ``no_grad``; when False an
#   op asks its own thread (``modes.grad_enabled``);
# - ``observing_somewhere`` is True while some thread has an observer installed; then an op
#   asks its own thread (``modes.observers``).
# A block sets the shortcut before its own thread's setting and restores it after, so the
# shortcut only ever sends an op to the (always correct) per-thread setting.


class ThreadModes(threading.local):
    """This thread's modes; a new thread starts with these defaults."""

    grad_enabled = True
    observers: tuple[Observer, ...] = ()


modes = ThreadModes()
grad_everywhere = True
observing_somewhere = False
_open_blocks = {"no_grad": 0, "observing": 0}  # blocks open in all threads together
_blocks_lock = threading.Lock()


def _count_block(kind: str, change: int) -> None:
    """Count a ``no_grad``/``observing`` block in or out and update the shortcuts."""
    global grad_everywhere, observing_somewhere
    with _blocks_lock:
        _open_blocks[kind] += change
        grad_everywhere = _open_blocks["no_grad"] == 0
        observing_somewhere = _open_blocks["observing"] > 0


def is_grad_enabled() -> bool:
    """True unless this thread is inside a ``no_grad()`` block."""
    return modes.grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Build no graph inside the block: results have ``parents == ()`` (for inference).

    Only in this thread, as ``torch.no_grad``: other threads go on building graphs.
    """
    _count_block("no_grad", +1)
    previous, modes.grad_enabled = modes.grad_enabled, False
    try:
        yield
    finally:
        modes.grad_enabled = previous
        _count_block("no_grad", -1)


class Observer:
    """Watches ops as they are made and the backward walk as it pushes; override what you need.

    An observer passed to ``backward(root, seed, observer)`` watches that one walk (``trace``
    records it so). One installed with ``observing(...)`` watches every op made and every
    walk while it is installed (``anomaly.detect_anomaly`` checks them so).
    """

    def on_op(self, out: Node, parents: tuple[Node, ...]) -> None:
        """``out`` was just made from ``parents`` (only for an installed observer)."""

    def on_seed(self, root: Node) -> None:
        """The walk starts: ``root.grad`` holds the seed."""

    def on_node(self, node: Node) -> None:
        """The walk reached ``node``: its gradient is complete, it is about to push."""

    def on_push(self, node: Node, parent: Node, local: Any, added: Any, before: Any) -> None:
        """``node`` added ``added`` (made from ``local``, ∂node/∂parent) into ``parent.grad``,
        which held ``before`` (never changed in place: the engines make new gradients)."""

    def on_node_done(self, node: Node) -> None:
        """``node`` has pushed into every parent."""


@contextlib.contextmanager
def observing(observer: Observer) -> Iterator[None]:
    """Install ``observer`` for every op and every backward walk of this thread inside the
    block (as ``anomaly.detect_anomaly`` does)."""
    _count_block("observing", +1)
    previous = modes.observers
    modes.observers = (*previous, observer)
    try:
        yield
    finally:
        modes.observers = previous
        _count_block("observing", -1)


class Node:
    """A value in a computation graph: what it holds, where it came from, its gradient.

    The engines subclass it: ``Value`` holds a float, ``Tensor`` an ndarray. A subclass
    implements the protocol of the walk: what an empty gradient is (``_zero_grad_value``),
    how to add into one (``_accumulate``), ``chain_rule`` (what it adds to each parent) and
    ``_push_grads`` (the same pushes for a list of nodes, fused into one loop for speed:
    the walk's fast path).
    """

    # __slots__ keeps nodes small and fast; a big graph holds millions of them.
    __slots__ = ("data", "grad", "parents", "op", "label", "__weakref__")

    data: Any
    grad: Any
    parents: tuple[Any, ...]
    op: str
    label: str
    requires_grad: bool  # whether gradients flow into it (always for a Value)
    local: tuple[Any, ...]  # ∂self/∂parent per parent: numbers, or a Tensor's VJP functions
    # Whether this node is a trainable leaf (drawings colour it so). Engines say when.
    is_parameter: bool = False

    def _zero_grad_value(self) -> Any:
        """What ``.grad`` holds before anything was added (0.0 for a Value, None for a Tensor)."""
        raise NotImplementedError

    def _accumulate(self, grad: Any) -> None:
        """``self.grad += grad``, never changing an earlier gradient object in place."""
        raise NotImplementedError

    def chain_rule(self) -> list[tuple[Node, Any, Any]]:
        """``(parent, local, added)`` for each push this node makes: ``local`` is ∂self/∂parent
        (a number, or for a Tensor the function g ↦ the parent's gradient) and ``added`` what
        goes into ``parent.grad`` (local · self.grad)."""
        raise NotImplementedError

    def _push_grads(self, nodes: Iterable[Node]) -> None:
        """Each of ``nodes`` in turn adds every contribution of its ``chain_rule`` into its
        parent (the walk's fast path; engines fuse it into one loop of their own)."""
        for node in nodes:
            for parent, _, added in node.chain_rule():
                parent._accumulate(added)

    def clear_grad(self) -> None:
        """Reset this node's gradient (to None for a Tensor, 0.0 for a Value)."""
        self.grad = self._zero_grad_value()

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
    if not leaves:
        if not root.parents:
            return []
        chain = _chain(root)
        if chain is not None:
            return chain
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


def _chain(root: Node) -> list[Any] | None:
    """The nodes made by ops, deepest first, when each has at most one parent made by an op
    (an MLP's step is such a chain); None for any other graph.

    The same list as the depth-first search gives, with no set and no stack: on the
    2-16-16-1 step a third of its instructions.
    """
    chain = []
    node: Node | None = root
    while node is not None:
        chain.append(node)
        below = None
        for parent in node.parents:
            if parent.parents:
                if below is not None:  # two parents made by ops (or one used twice)
                    return None
                below = parent
        node = below
    chain.reverse()
    return chain


def backward(root: Node, seed: Any, observer: Observer | None = None) -> None:
    """Reverse-mode autodiff: d root / d node for every node, accumulated into ``.grad``.

    Leaves accumulate (a second call adds the same gradient again, as PyTorch does with a
    retained graph). Intermediate nodes are reset first, so their gradients are recomputed
    from zero on each call and never double counted. An ``observer`` watches this walk (as
    does every installed one); ``trace.record_backward`` records it so.

    Python's cyclic garbage collector is off during the walk, as it was after it. The graph
    has no reference cycles (refcounting frees it) and the walk's own temporaries are freed
    as it goes, so the collector can find nothing here. Yet the walk's allocations trigger
    it, and each full collection re-visits every live node: on a chain of 10⁶ nodes that was
    a third of the backward time (docs/performance.md). (A try/finally rather than a
    ``contextlib`` context manager, which costs more than a small graph's whole walk.)
    """
    watchers: tuple[Observer, ...] = modes.observers if observing_somewhere else ()
    if observer is not None:
        watchers = (*watchers, observer)
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        if watchers:
            _observed_walk(root, seed, watchers)
            return
        order = topological_order(root, leaves=False)  # leaves keep (accumulate) their .grad
        zero = root._zero_grad_value()  # one engine per graph: ask once, not once per node
        for node in order:
            node.grad = zero
        root._accumulate(seed)
        root._push_grads(reversed(order))  # the fast path: no observer to call
    finally:
        if collector_was_on:
            gc.enable()


def _observed_walk(root: Node, seed: Any, watchers: Iterable[Observer]) -> None:
    """The walk of ``backward``, push by push, telling each observer what happens.

    The same arithmetic in the same order as the fast path (``chain_rule`` lists the pushes
    that ``_push_grads`` makes), so the gradients are bit for bit the same. Every
    node is visited, leaves too, so that an observer sees the whole graph.
    """
    watchers = list(watchers)
    order = topological_order(root)
    zero = root._zero_grad_value()
    for node in order:
        if node.parents:  # leaves keep (accumulate) their .grad
            node.grad = zero
    root._accumulate(seed)
    for watcher in watchers:
        watcher.on_seed(root)
    for node in reversed(order):
        for watcher in watchers:
            watcher.on_node(node)
        if node.parents:
            for parent, local, added in node.chain_rule():
                before = parent.grad
                parent._accumulate(added)
                for watcher in watchers:
                    watcher.on_push(node, parent, local, added, before)
        for watcher in watchers:
            watcher.on_node_done(node)


def checked_label(label: Any, what: str) -> str:
    """``label`` if it is a string; a TypeError naming ``what`` otherwise (drawings need text)."""
    if not isinstance(label, str):
        raise TypeError(f"{what}: label must be a string, got {type(label).__name__} {label!r}")
    return label
