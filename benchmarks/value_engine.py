"""The scalar engines: tinygrad_edu's ``Value`` against micrograd, one training step.

The workload is micrograd's own demo network: a 2-16-16-1 MLP (ReLU hidden, linear output)
trained on 100 points, one full step each call:

    forward over the 100 points, mean squared error   ("build": the graph is made here)
    zero_grad, backward                               ("backward")
    SGD update  p ← p − lr · grad

Both engines start from the same weights and see the same data, so they compute the same
loss (checked). Each engine is used as its README shows: tinygrad_edu through ``nn.MLP``,
``mse_loss`` and ``optim.SGD``; micrograd through ``micrograd.nn.MLP``, a loss written with
its ``Value`` ops and the update loop of its demo notebook.

Run this file in a process that has not imported PyTorch (``benchmarks.run`` does): every
module PyTorch loads adds objects that each full garbage collection walks again, which slows
GC-heavy code such as micrograd by about a third.

    python -m benchmarks.value_engine [--quick]     # prints the results as JSON
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

from tinygrad_edu import mse_loss, nn, optim
from tinygrad_edu.graph import topological_order

from .timing import calls_for, gc_activity, gc_disabled, interleaved, paired_ratios, quartiles

SIZES = [2, 16, 16, 1]
N_POINTS = 100
LR = 0.01

Step = Callable[[], dict[str, float]]


def make_data(n_points: int = N_POINTS, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """``n_points`` inputs in [-1, 1]² and a smooth target for each."""
    rng = random.Random(seed)
    X = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(n_points)]
    Y = [x0 * x0 - x1 for x0, x1 in X]
    return X, Y


class Engine:
    """One training step, timed by phase; the engines below fill in build/zero_grad/update."""

    name = ""
    # As in a loop written at module level (``for k in range(n): loss = ...``): the loss of
    # the step before is still referenced while the next graph is built, so it stays alive.
    hold_previous = False
    previous: Any = None

    def build(self) -> Any:
        raise NotImplementedError

    def zero_grad(self) -> None:
        raise NotImplementedError

    def update(self) -> None:
        raise NotImplementedError

    def step(self) -> dict[str, float]:
        start = time.perf_counter()
        loss = self.build()
        built = time.perf_counter()
        self.zero_grad()
        loss.backward()
        done = time.perf_counter()
        self.update()
        if self.hold_previous:
            self.previous = loss
        return {"build": built - start, "backward": done - built}


@contextlib.contextmanager
def holding_previous_loss(engine: Engine) -> Iterator[None]:
    """Run the block with ``engine`` keeping each step's loss until the next step's is built."""
    engine.hold_previous = True
    try:
        yield
    finally:
        engine.hold_previous = False
        engine.previous = None


class Ours(Engine):
    """tinygrad_edu's value engine: ``nn.MLP(engine="value")``, ``mse_loss``, ``optim.SGD``."""

    name = "tinygrad_edu Value"

    def __init__(self, X: list[list[float]], Y: list[float]) -> None:
        self.X, self.Y = X, Y
        self.model = nn.MLP(SIZES, hidden="relu", output="linear", engine="value", seed=0)
        self.optimizer = optim.SGD(self.model.parameters(), lr=LR)

    def build(self) -> Any:
        """The forward pass over every point and the loss: the whole graph of one step."""
        predictions = [self.model(x)[0] for x in self.X]
        return mse_loss(predictions, self.Y)

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def update(self) -> None:
        self.optimizer.step()

    def count_nodes(self, loss: Any) -> int:
        """Nodes a step creates: every node of the graph but the (existing) parameters."""
        return len(topological_order(loss)) - len(self.model.parameters())


class Micrograd(Engine):
    """micrograd 0.1.0, as its demo notebook trains: inputs wrapped in Values, MSE by hand."""

    name = "micrograd"

    def __init__(self, X: list[list[float]], Y: list[float], weights: Any) -> None:
        from micrograd import engine
        from micrograd import nn as mg_nn

        self.Value = engine.Value
        self.X, self.Y = X, Y
        self.model = mg_nn.MLP(SIZES[0], SIZES[1:])  # ReLU hidden, linear output
        for layer, (W, b) in zip(self.model.layers, weights):  # start from our weights
            for j, neuron in enumerate(layer.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = float(W[j, i])
                neuron.b.data = float(b[j])

    def build(self) -> Any:
        Value = self.Value
        predictions = [self.model(list(map(Value, x))) for x in self.X]
        return sum((p - y) ** 2 for p, y in zip(predictions, self.Y)) * (1.0 / len(self.Y))

    def zero_grad(self) -> None:
        self.model.zero_grad()

    def update(self) -> None:
        for p in self.model.parameters():
            p.data -= LR * p.grad

    def count_nodes(self, loss: Any) -> int:
        seen, stack = {id(loss)}, [loss]
        while stack:  # micrograd's own walk is recursive; this one is not
            for parent in stack.pop()._prev:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        return len(seen) - len(self.model.parameters())


def memory_per_node(engine: Any) -> tuple[float, int]:
    """Bytes allocated while building one step's graph, per node created (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = engine.build()
    allocated = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    nodes = engine.count_nodes(loss)
    return allocated / nodes, nodes


def run(quick: bool = False) -> dict[str, Any]:
    """Time both engines, interleaved; return the medians, GC activity and memory per node."""
    points = 10 if quick else N_POINTS  # quick: a tenth of the work, for CI
    X, Y = make_data(points)
    engines: dict[str, Any] = {"ours": Ours(X, Y)}
    skipped = []
    try:
        engines["micrograd"] = Micrograd(X, Y, engines["ours"].model.get_weights())
    except ImportError:
        skipped.append("micrograd is not installed (pip install micrograd==0.1.0): skipped")
        print(skipped[-1], file=sys.stderr)

    losses = {name: float(engine.build().data) for name, engine in engines.items()}
    workloads: dict[str, Step] = {}
    settings = {}
    for name, engine in engines.items():
        workloads[name] = engine.step
        workloads[f"{name} (GC off)"] = engine.step
        settings[f"{name} (GC off)"] = gc_disabled
        workloads[f"{name} (holding)"] = engine.step
        settings[f"{name} (holding)"] = functools.partial(holding_previous_loss, engine)
    # Loops of at least 4 steps (micrograd's collector runs every few steps), about 2 s each.
    seconds, least, most = (0.05, 1, 2) if quick else (2.0, 4, 50)
    calls = {name: max(least, calls_for(step, seconds, most)) for name, step in workloads.items()}
    repeats, warmup = (1, 0) if quick else (7, 1)
    timings = interleaved(workloads, repeats, calls, warmup, settings, settle=1)

    results: dict[str, Any] = {"sizes": SIZES, "points": points, "skipped": skipped}
    results["loss"] = losses
    results["step"] = {name: t.median for name, t in timings.items()}
    results["build"] = {name: t.phase_median("build") for name, t in timings.items()}
    results["backward"] = {name: t.phase_median("backward") for name, t in timings.items()}
    # Every figure with its spread: the times' quartiles, and micrograd ÷ ours round by round
    # (what is timed, which setting) per row of the report: "step (GC off)" is ("step", " (GC off)")
    rows = {key: (key, "") for key in ("step", "build", "backward")}
    rows.update({f"step{setting}": ("step", setting) for setting in (" (GC off)", " (holding)")})
    per_repeat = {
        row: {
            name: timings[name + setting].per_call
            if key == "step"
            else timings[name + setting].phases[key]
            for name in engines
        }
        for row, (key, setting) in rows.items()
    }
    results["spread"] = {
        row: {name: quartiles(times) for name, times in by_engine.items()}
        for row, by_engine in per_repeat.items()
    }
    if "micrograd" in engines:
        results["speedup"] = {
            row: paired_ratios(by_engine["micrograd"], by_engine["ours"])
            for row, by_engine in per_repeat.items()
        }
    results["calls"] = calls
    results["repeats"] = {name: len(t.per_call) for name, t in timings.items()}
    results["gc"] = {}
    results["memory_per_node"] = {}
    results["nodes"] = {}
    for name, engine in engines.items():
        activity = gc_activity(engine.step, 1 if quick else 5)
        results["gc"][name] = {"collections": activity.collections, "seconds": activity.seconds}
        per_node, nodes = memory_per_node(engine)
        results["memory_per_node"][name] = per_node
        results["nodes"][name] = nodes
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repeat counts (for CI)")
    args = parser.parse_args(argv)
    if "torch" in sys.modules:
        print("warning: torch is imported; GC-heavy timings will be slower", file=sys.stderr)
    print(json.dumps(run(args.quick)))


if __name__ == "__main__":
    main()
