"""Deep graphs: build and backward over 10⁴ … 10⁶ nodes, time per node, one engine a process.

The graph is one long chain, the one of issue 15:  y ← y · 1.0001 + 0,  starting from a
leaf y. Each link makes two op nodes and two constant leaves (1.0001 and 0 become nodes, as
PyTorch wraps them), so a chain of n nodes has n / 4 links. The engines:

- ``value``: tinygrad_edu ``Value``;
- ``tensor``: tinygrad_edu ``Tensor`` of shape () (0-d), requires_grad=True;
- ``torch``: PyTorch, a 0-d tensor with requires_grad=True (its nodes live in C++; it makes
  one autograd node per op and no Python object per node).

Time per node should not grow with the depth: the topological order and the walk are loops
over lists (no recursion), and the engines make no reference cycles. What does grow is the
cost of Python's cyclic garbage collector: while a graph of millions of objects is being
built, its full collections walk every live container again. We record per size the
collections, the seconds they took, and the collector-tracked objects the graph holds per
node (deterministic), and the same build with the collector off.

micrograd's recursive topological sort cannot walk such a chain at all (RecursionError
beyond about a thousand nodes); the ``value`` process records whether it does.

    python -m benchmarks.deep_graphs [--quick] [--engine value|tensor|torch]   # JSON
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from .timing import CollectorWatch, gc_disabled

NODES_PER_LINK = 4  # y * 1.0001 and + 0: two ops, two constant leaves
FACTOR = 1.0001


def chain_builder(engine: str) -> Callable[[int], Any]:
    """A function that builds a chain of about ``n_nodes`` nodes on ``engine``; its root."""
    if engine == "value":
        from tinygrad_edu import Value

        def leaf() -> Any:
            return Value(0.5)

    elif engine == "tensor":
        import numpy as np

        from tinygrad_edu import Tensor

        def leaf() -> Any:
            return Tensor(np.array(0.5), requires_grad=True)

    elif engine == "torch":
        import torch

        def leaf() -> Any:
            return torch.tensor(0.5, dtype=torch.float64, requires_grad=True)

    else:
        raise ValueError(f"deep_graphs: unknown engine {engine!r}")

    def build(n_nodes: int) -> Any:
        y = leaf()
        for _ in range(n_nodes // NODES_PER_LINK):
            y = y * FACTOR + 0
        return y

    return build


def tracked_per_node(build: Callable[[int], Any], n_nodes: int = 4_000) -> float:
    """Collector-tracked objects a chain keeps alive, per node (after a collection)."""
    gc.collect()
    before = len(gc.get_objects())
    root = build(n_nodes)
    gc.collect()  # untracks the tuples that hold only numbers, as every young collection does
    kept = len(gc.get_objects()) - before
    del root
    return kept / n_nodes


def measure(build: Callable[[int], Any], n_nodes: int, chains: int, collector_on: bool) -> dict:
    """Seconds per node to build, backward and free ``chains`` chains of ``n_nodes`` nodes.

    A loop of chains (rather than one) so that every size is timed over about as many
    nodes in all. Also the collector's seconds per node and its collections per chain.
    """
    gc.collect()
    build_s = backward_s = free_s = 0.0
    with CollectorWatch() as watch, contextlib.nullcontext() if collector_on else gc_disabled():
        for _ in range(chains):
            start = time.perf_counter()
            root = build(n_nodes)
            built = time.perf_counter()
            root.backward()
            walked = time.perf_counter()
            del root
            freed = time.perf_counter()
            build_s += built - start
            backward_s += walked - built
            free_s += freed - walked
    nodes = n_nodes * chains
    return {
        "build": build_s / nodes,
        "backward": backward_s / nodes,
        "free": free_s / nodes,
        "build_backward": (build_s + backward_s) / nodes,
        "gc": watch.seconds / nodes,
        "young_collections_per_chain": (watch.counts[0] + watch.counts[1]) / chains,
        "full_collections_per_chain": watch.counts[2] / chains,
    }


def micrograd_chain(n_nodes: int) -> str:
    """What micrograd does with the same chain: "ok" or the error's name."""
    try:
        from micrograd.engine import Value as MGValue
    except ImportError:
        return "not installed"
    y = MGValue(0.5)
    for _ in range(n_nodes // NODES_PER_LINK):
        y = y * FACTOR + 0
    try:
        y.backward()
    except RecursionError:
        return "RecursionError"
    return "ok"


def run(engine: str = "value", quick: bool = False) -> dict[str, Any]:
    """Seconds per node at each size, collector on (as users run) and off; medians."""
    build = chain_builder(engine)
    sizes = [1_000, 10_000] if quick else [10_000, 100_000, 1_000_000]
    nodes_per_loop = 20_000 if quick else 1_000_000
    repeats = 1 if quick else 3
    raw: dict[str, dict[int, list[dict[str, float]]]] = {"on": {}, "off": {}}
    build(1_000).backward()  # warm-up: imports, caches
    for _ in range(repeats):  # sizes and collector settings interleaved
        for n in sizes:
            for setting in ("on", "off"):
                chains = max(1, nodes_per_loop // n)
                raw[setting].setdefault(n, []).append(measure(build, n, chains, setting == "on"))
    results: dict[str, Any] = {"engine": engine, "sizes": sizes, "repeats": repeats}
    results["nodes_per_loop"] = nodes_per_loop
    for setting, by_size in raw.items():
        results[f"gc_{setting}"] = {
            str(n): {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for n, runs in by_size.items()
        }
        results[f"gc_{setting}_spread"] = {  # the lowest and highest build + backward
            str(n): [min(r["build_backward"] for r in runs), max(r["build_backward"] for r in runs)]
            for n, runs in by_size.items()
        }
    results["tracked_per_node"] = tracked_per_node(build)
    if engine == "value":
        results["micrograd"] = {str(n): micrograd_chain(n) for n in sizes[:2]}
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (for CI)")
    parser.add_argument("--engine", choices=["value", "tensor", "torch"], default="value")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.engine, args.quick)))


if __name__ == "__main__":
    sys.setrecursionlimit(1000)  # Python's default, as a user has it
    main()
