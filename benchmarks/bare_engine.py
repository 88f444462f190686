"""A bare define-by-run engine for one step, to see what any engine of this kind pays.

Not part of tinygrad_edu and not part of the suite's run: an experiment that
docs/performance.md reports ("Round two, third pass"). It trains the same MLP as
``tensor_engine`` (sigmoid hidden layers, linear output, E = ½ Σ (O − t)², SGD) with the
least an engine must do: a node per op that keeps its parents and one gradient function per
parent, a depth-first topological order, a walk that calls those functions and adds into
``.grad``, and ``p.data -= η · p.grad``. Its ops make the same numpy calls as ours and as
``HandMLP.step_fresh``. It has none of an engine's checks (shapes, dtypes, leaves that must
not share a gradient), no observers or hooks, no labels, and no ``linear`` node.

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.bare_engine [--quick]   # JSON on stdout
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class Node:
    __slots__ = ("data", "grad", "parents", "grad_fns")

    def __init__(self, data: np.ndarray, parents: tuple[Node, ...] = (), grad_fns: Any = ()):
        self.data, self.grad, self.parents, self.grad_fns = data, None, parents, grad_fns


class BareMLP:
    """The bare engine and an MLP on it: W of shape (out, in), as nn.Linear."""

    def __init__(
        self, weights: Sequence[tuple[np.ndarray, np.ndarray]], activations: Sequence[str]
    ) -> None:
        if list(activations) != ["sigmoid"] * (len(activations) - 1) + ["linear"]:
            raise ValueError("bare_engine: sigmoid hidden layers and a linear output only")
        self.params = [(Node(np.array(W)), Node(np.array(b))) for W, b in weights]
        dtype = self.params[0][0].data.dtype
        self.half, self.one = np.array(0.5, dtype), np.array(1.0, dtype)
        self.ones: dict[int, np.ndarray] = {}
        self.lr: tuple[float | None, np.ndarray] = (None, self.one)

    def affine(self, x: Node, w: Node, b: Node) -> Node:
        X, W = x.data, w.data
        ones = self.ones.get(X.shape[0])
        if ones is None:  # 1ᵀ g sums g's rows: one vector per batch size, made once
            ones = self.ones[X.shape[0]] = np.ones(X.shape[0], X.dtype)
        net = np.dot(X, W.T)
        net += b.data
        return Node(
            net,
            (x, w, b),
            (lambda g: np.dot(g, W), lambda g: np.dot(g.T, X), lambda g: np.dot(ones, g)),
        )

    def sigmoid(self, x: Node) -> Node:
        half, one = self.half, self.one
        out = x.data * half
        np.tanh(out, out=out)
        out *= half
        out += half

        def grad(g: np.ndarray) -> np.ndarray:
            d = one - out
            d *= out
            d *= g
            return d

        return Node(out, (x,), (grad,))

    def step(self, x: np.ndarray, t: np.ndarray, lr: float) -> float:
        """One SGD step on E = ½ Σ (O − t)²; returns E before the update."""
        o = Node(x, (), None)  # an input: grad_fns None, it gets no gradient
        for i, (W, b) in enumerate(self.params):
            o = self.affine(o, W, b)
            if i < len(self.params) - 1:
                o = self.sigmoid(o)
        diff = o.data - t
        loss = Node(np.array(0.5 * np.vdot(diff, diff)), (o,), (lambda g: diff,))
        for W, b in self.params:
            W.grad = b.grad = None
        backward(loss, self.one)
        if self.lr[0] != lr:
            self.lr = (lr, np.array(lr, self.one.dtype))
        eta = self.lr[1]
        for W, b in self.params:
            W.data -= eta * W.grad
            b.data -= eta * b.grad
        return float(loss.data)


def backward(root: Node, seed: np.ndarray) -> None:
    """Reverse topological order (iterative depth-first), then each node pushes once."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack = [(root, False)]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack += [(p, False) for p in node.parents if p.parents and p not in seen]
    for node in order:
        node.grad = None
    root.grad = seed
    for node in reversed(order):
        g = node.grad
        for parent, grad_fn in zip(node.parents, node.grad_fns):
            if parent.grad_fns is None:
                continue
            grad = grad_fn(g)
            parent.grad = grad if parent.grad is None else parent.grad + grad


def run(quick: bool = False) -> dict[str, Any]:
    """The tiny step of ``tensor_engine``: the floor, new arrays, the bare engine and ours."""
    from tinygrad_edu import nn

    from . import tensor_engine
    from .timing import calls_for, interleaved, paired_ratios

    layers, batch = tensor_engine.SIZES["tiny"]
    results: dict[str, Any] = {}
    for name, dtype in tensor_engine.DTYPES.items():
        x, t = tensor_engine.make_batch(layers, batch, dtype)
        model = nn.MLP(layers, hidden="sigmoid", output="linear", seed=0, dtype=dtype)
        bare = BareMLP(model.get_weights(), model.activations)
        steps: dict[str, Callable[[], float]] = {
            "numpy": tensor_engine.by_hand(model, x, t),
            "numpy_fresh": tensor_engine.by_hand_fresh(model, x, t),
            "bare": functools.partial(bare.step, x, t, tensor_engine.LR),
            "tinygrad_edu": tensor_engine.ours(model, x, t),
        }
        losses = {contestant: step() for contestant, step in steps.items()}
        calls = {c: calls_for(step, 0.01 if quick else 0.2) for c, step in steps.items()}
        timings = interleaved(steps, 1 if quick else 9, calls, warmup=0 if quick else 1)
        floor = timings["numpy"].per_call
        results[name] = {
            "first_loss": losses,
            "seconds": {c: timing.median for c, timing in timings.items()},
            "vs_floor": {
                c: paired_ratios(timing.per_call, floor)
                for c, timing in timings.items()
                if c != "numpy"
            },
        }
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repeat counts (for tests)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick)))


if __name__ == "__main__":
    main()
