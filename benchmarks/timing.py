"""How the suite times things: loops of calls, interleaved, median of repeats after warm-up.

A single call of a small workload is too short and too noisy to time (and one call after
``gc.collect()`` runs with cold caches), so each measurement is a *loop* of ``calls``
calls, and its time divided by ``calls``. The workloads being compared run their loops in
turn — A, B, C, then B, C, A, … — so a burst of load from another process on the machine
hits all of them alike, and the median over the repeats ignores the bursts.

Between loops, ``gc.collect()`` (untimed) gives every workload the same clean heap:
otherwise the garbage one engine leaves behind (micrograd's reference cycles) would be
collected, and paid for, inside the next engine's loop. Inside a loop the garbage collector
runs as it does for a user.
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

# A workload: one call runs one training step (or one build, one backward, ...).
# It may return a dict of named phase times in seconds (e.g. {"build": ..., "backward": ...})
# measured inside the call; those are reported per call as well.
Workload = Callable[[], Any]


@dataclass
class Timing:
    """The seconds per call of one workload, one number per repeat (and per phase)."""

    name: str
    per_call: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.per_call)

    @property
    def spread(self) -> tuple[float, float]:
        """The lower and upper quartile of the repeats (see :func:`quartiles`)."""
        return quartiles(self.per_call)

    def phase_median(self, phase: str) -> float:
        return statistics.median(self.phases[phase])


def quartiles(values: list[float]) -> tuple[float, float]:
    """The lower and upper quartile of ``values``; of fewer than four, the lowest and highest."""
    if len(values) < 4:
        return min(values), max(values)
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def paired_ratios(top: list[float], bottom: list[float]) -> dict[str, Any]:
    """``top ÷ bottom`` per repeat (two workloads' ``per_call`` or phase times), its median
    and quartiles.

    The two were timed in the same round of :func:`interleaved`, one right after the other,
    so each repeat's ratio compares them under the same load; the spread of these ratios is
    the spread of the comparison itself.
    """
    ratios = [a / b for a, b in zip(top, bottom)]
    return {"median": statistics.median(ratios), "spread": quartiles(ratios), "each": ratios}


def time_loop(workload: Workload, calls: int) -> tuple[float, dict[str, float]]:
    """Seconds per call over a loop of ``calls`` calls, and the mean of any phase times."""
    phases: dict[str, float] = {}
    start = time.perf_counter()
    for _ in range(calls):
        result = workload()
        if isinstance(result, dict):
            for phase, seconds in result.items():
                phases[phase] = phases.get(phase, 0.0) + seconds
    elapsed = time.perf_counter() - start
    return elapsed / calls, {phase: total / calls for phase, total in phases.items()}


def calls_for(workload: Workload, seconds: float, most: int = 10_000) -> int:
    """How many calls make a loop of about ``seconds`` (at least 1): time one after a warm-up."""
    workload()
    once, _ = time_loop(workload, 1)
    return max(1, min(most, round(seconds / max(once, 1e-9))))


def interleaved(
    workloads: Mapping[str, Workload],
    repeats: int,
    calls: Mapping[str, int],
    warmup: int = 1,
    settings: Mapping[str, Callable[[], AbstractContextManager[Any]]] | None = None,
    settle: int = 0,
) -> dict[str, Timing]:
    """Time each workload ``repeats`` times, in turn, each time a loop of ``calls[name]``.

    ``warmup`` loops of each run first and are not recorded. ``settings[name]`` (if given)
    makes a context manager that each loop of that workload runs inside (e.g. one thread,
    or the garbage collector off). The order of the workloads rotates from repeat to repeat.

    ``settle`` untimed calls run before each loop, after the clean-up: a workload that
    leaves garbage for the collector (micrograd) is then timed in its steady state, paying
    for the garbage of the step before as it does in a training loop, not on a clean heap.
    """
    names = list(workloads)
    timings = {name: Timing(name) for name in names}
    settings = settings or {}
    for repeat in range(-warmup, repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            with settings.get(name, contextlib.nullcontext)():
                for _ in range(settle):
                    workloads[name]()
                per_call, phases = time_loop(workloads[name], calls[name])
            if repeat < 0:
                continue
            timings[name].per_call.append(per_call)
            for phase, seconds in phases.items():
                timings[name].phases.setdefault(phase, []).append(seconds)
    return timings


@contextlib.contextmanager
def gc_disabled() -> Any:
    """Run the block with Python's cyclic garbage collector off (for the "GC off" rows)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class GCActivity:
    """What the cyclic garbage collector did per call: collections by generation, seconds."""

    collections: tuple[float, float, float]
    seconds: float


class CollectorWatch:
    """Counts the cyclic collector's collections per generation and the seconds they take,
    while installed (``with CollectorWatch() as watch: ...``)."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.counts[info["generation"]] += 1
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> CollectorWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


def gc_activity(workload: Workload, calls: int) -> GCActivity:
    """Count the collections (per generation) and time spent in them over ``calls`` calls."""
    gc.collect()
    with CollectorWatch() as watch:
        for _ in range(calls):
            workload()
    per_gen = (watch.counts[0] / calls, watch.counts[1] / calls, watch.counts[2] / calls)
    return GCActivity(collections=per_gen, seconds=watch.seconds / calls)
