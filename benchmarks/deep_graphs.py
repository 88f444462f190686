"""Deep graphs: build and backward over 10⁴ … 10⁶ scalar nodes, time per node.

The graph is one long chain, three nodes a link:  x ← relu(x · w + c)  with two shared
leaves w and c. Time per node should not grow with the depth: the topological order and
the walk are loops over lists (no recursion), and the engine makes no reference cycles.
What could still grow is Python's cyclic garbage collector: while millions of objects are
being made, it walks the live ones again and again. We record its collections and the
seconds it spent, and the same build with the collector off, to see what it costs.

micrograd's recursive topological sort cannot walk such a chain at all (RecursionError
beyond about a thousand nodes); we record whether it does.

    python -m benchmarks.deep_graphs [--quick]     # prints the results as JSON
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import statistics
import sys
import time
from typing import Any

from tinygrad_edu import Value

from .timing import CollectorWatch, gc_disabled


def build_chain(n_nodes: int) -> Value:
    """A chain of about ``n_nodes`` nodes: x ← relu(x · w + c), three nodes a link."""
    x, w, c = Value(0.5), Value(0.5), Value(0.5)
    for _ in range((n_nodes - 3) // 3):
        x = (x * w + c).relu()
    return x


def measure(n_nodes: int, chains: int, collector_on: bool) -> dict[str, float]:
    """Seconds per node to build, backward and free ``chains`` chains of ``n_nodes`` nodes.

    A loop of chains (rather than one) so that every size is timed over about as many
    nodes in all, garbage collections included in their usual proportion. Also the
    collector's seconds per node and its full collections per chain.
    """
    gc.collect()
    build = backward = free = 0.0
    with CollectorWatch() as watch, contextlib.nullcontext() if collector_on else gc_disabled():
        for _ in range(chains):
            start = time.perf_counter()
            root = build_chain(n_nodes)
            built = time.perf_counter()
            root.backward()
            walked = time.perf_counter()
            del root
            freed = time.perf_counter()
            build += built - start
            backward += walked - built
            free += freed - walked
    nodes = n_nodes * chains
    return {
        "build": build / nodes,
        "backward": backward / nodes,
        "free": free / nodes,
        "build_backward": (build + backward) / nodes,
        "gc": watch.seconds / nodes,
        "full_collections_per_chain": watch.counts[2] / chains,
    }


def micrograd_chain(n_nodes: int) -> str:
    """What micrograd does with the same chain: "ok" or the error's name."""
    try:
        from micrograd.engine import Value as MGValue
    except ImportError:
        return "not installed"
    x, w, c = MGValue(0.5), MGValue(0.5), MGValue(0.5)
    for _ in range((n_nodes - 3) // 3):
        x = (x * w + c).relu()
    try:
        x.backward()
    except RecursionError:
        return "RecursionError"
    return "ok"


def run(quick: bool = False) -> dict[str, Any]:
    """Seconds per node at each size, collector on (as users run) and off; medians."""
    sizes = [1_000, 10_000] if quick else [10_000, 100_000, 1_000_000]
    nodes_per_loop = 20_000 if quick else 1_000_000
    repeats = 1 if quick else 3
    raw: dict[str, dict[int, list[dict[str, float]]]] = {"on": {}, "off": {}}
    for _ in range(repeats):  # sizes and collector settings interleaved
        for n in sizes:
            for setting in ("on", "off"):
                chains = max(1, nodes_per_loop // n)
                raw[setting].setdefault(n, []).append(measure(n, chains, setting == "on"))
    results: dict[str, Any] = {"sizes": sizes, "repeats": repeats, "nodes_per_loop": nodes_per_loop}
    for setting, by_size in raw.items():
        results[f"gc_{setting}"] = {
            str(n): {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for n, runs in by_size.items()
        }
    results["micrograd"] = {str(n): micrograd_chain(n) for n in sizes[:2]}
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (for CI)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick)))


if __name__ == "__main__":
    sys.setrecursionlimit(1000)  # Python's default, as a user has it
    main()
