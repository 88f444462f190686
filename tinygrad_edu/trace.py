"""Recording the backward walk: what ``backward(trace=True)`` returns.

The walk (``graph.backward``) visits the nodes in reverse topological order and, at each
node, does ``parent.grad += ∂node/∂parent · node.grad`` for each parent. Recording it is
watching that same walk (a ``graph.Observer``), so the arithmetic and its order are the
plain walk's, and each step is written down:

- a :class:`WalkStep` per visited node: the node, its gradient when it is visited (complete by
  then: every child has already pushed into it) and its local derivatives ∂node/∂parent;
- a :class:`Push` per ``+=``: which parent, what was added, its gradient before and after.

A learner can print the recording (``print(loss.backward(trace=True))``) and the
step-through page (``tinygrad_edu.stepper``) shows it.

``naive_backward`` walks the same graph *without* topological order — a node pushes its
gradient to its parents each time it is reached — which double counts through any reused
intermediate value. It exists to show why the order matters; it never touches ``.grad``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import graph


@dataclass(frozen=True)
class Push:
    """One ``parent.grad += local · node.grad`` of the walk (``added`` is the product)."""

    parent: Any
    local: Any
    added: Any
    before: Any
    after: Any


@dataclass(frozen=True)
class WalkStep:
    """One visited node: its gradient when visited, its local derivatives, its pushes.

    For a ``Value`` the local derivatives are floats; for a ``Tensor`` they are the
    vector-Jacobian functions of its op (the arrays they produced are in the pushes).

    A leaf has no parents, so its step has no local derivatives and no pushes; its
    ``grad`` is final.
    """

    node: Any
    grad: Any
    local: tuple[Any, ...]
    pushes: tuple[Push, ...]


@dataclass
class BackwardTrace:
    """The recording of one backward walk from ``root`` seeded with ``seed``."""

    root: Any
    seed: Any
    steps: list[WalkStep] = field(default_factory=list)

    @property
    def order(self) -> list[Any]:
        """The nodes in the order the walk visited them (a reverse topological order)."""
        return [step.node for step in self.steps]

    @property
    def pushes(self) -> list[Push]:
        """Every ``+=`` of the walk, in the order it happened."""
        return [push for step in self.steps for push in step.pushes]

    def names(self) -> dict[int, str]:
        """A short name per node, keyed by id: its label, else ``v{i}`` with i its position
        in topological order (the walk visits them last to first)."""
        last = len(self.steps) - 1
        return {id(node): node.label or f"v{last - i}" for i, node in enumerate(self.order)}

    def __len__(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        names = self.names()
        lines = [f"backward from {names[id(self.root)]}, seed {_fmt(self.seed)}"]
        for i, step in enumerate(self.steps, 1):
            node = step.node
            op = f" = {node.op}(...)" if node.op else " (leaf)"
            lines.append(f"{i:3d}. {names[id(node)]}{op}  grad {_fmt(step.grad)}")
            for push in step.pushes:
                parent = names[id(push.parent)]
                lines.append(
                    f"       {parent}.grad += {_fmt(push.local)} · {_fmt(step.grad)}"
                    f"  :  {_fmt(push.before)} → {_fmt(push.after)}"
                )
        return "\n".join(lines)


def _fmt(x: Any) -> str:
    """A number as ``%.6g``, an array in NumPy's short form, a function as ``vjp``."""
    if x is None:
        return "None"
    if isinstance(x, float | int):
        return f"{x:.6g}"
    if isinstance(x, np.ndarray):
        return np.array2string(x, precision=6, threshold=6)
    return "vjp"


def _copy(grad: Any) -> Any:
    """A snapshot of a gradient (arrays may be updated in place later)."""
    return grad.copy() if isinstance(grad, np.ndarray) else grad


class _Recorder(graph.Observer):
    """Writes down each visited node and each push of one walk."""

    def __init__(self, trace: BackwardTrace) -> None:
        self.trace = trace
        self.pushes: list[Push] = []

    def on_node(self, node: Any) -> None:
        self.pushes = []

    def on_push(self, node: Any, parent: Any, local: Any, added: Any, before: Any) -> None:
        after = _copy(parent.grad)
        self.pushes.append(Push(parent, local, _copy(added), _copy(before), after))

    def on_node_done(self, node: Any) -> None:
        local = node.local  # ∂node/∂parent per parent: numbers, or a Tensor's VJP functions
        step = WalkStep(node, _copy(node.grad), tuple(local), tuple(self.pushes))
        self.trace.steps.append(step)


def record_backward(root: Any, seed: Any) -> BackwardTrace:
    """``graph.backward(root, seed)`` step by step, returning what each step did.

    Same semantics as the plain walk: intermediate gradients are reset first, leaves
    accumulate across calls.
    """
    trace = BackwardTrace(root=root, seed=_copy(seed))
    graph.backward(root, seed, observer=_Recorder(trace))
    return trace


def naive_backward(root: Any) -> tuple[dict[int, float], list[tuple[Any, Any, float]]]:
    """The walk *without* topological order: each time a node is reached, push its grad.

    Depth first from ``root``: pop a node, add ``local · node.grad`` (its gradient so far)
    into each parent, then go on into each parent. A node with two children is reached
    twice; the first time its gradient is still partial, the second time it pushes the
    whole of it again, so everything above a reused intermediate value gets too much.
    (Leaves push nothing, so a reused *leaf* alone does not show the error.)

    Returns ``(grads, pushes)``: the resulting gradient per node id and every push
    ``(node, parent, added)`` in order. Only ``Value`` graphs; ``.grad`` is not touched.
    """
    if not isinstance(root, graph.Node) or not isinstance(root.data, float):
        raise TypeError(f"naive_backward: expected a Value, got {type(root).__name__}")
    grads: dict[int, float] = {id(root): 1.0}
    pushes: list[tuple[Any, Any, float]] = []
    stack: list[Any] = [root]  # an explicit stack: the recursion of micrograd without its ordering
    while stack:
        node = stack.pop()
        for parent, local in zip(node.parents, node.local):
            added = local * grads[id(node)]
            grads[id(parent)] = grads.get(id(parent), 0.0) + added
            pushes.append((node, parent, added))
        stack.extend(reversed(node.parents))  # first parent first, as a recursion would
    return grads, pushes
