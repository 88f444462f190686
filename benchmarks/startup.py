"""How long a fresh process takes to start: ``python -m benchmarks.startup [--quick]``.

Three commands, each a whole new Python process (interpreter start-up included):
``python -c "import numpy"``, ``python -c "import tinygrad_edu"`` and ``tinygrad-edu --help``
(the installed script, or ``python -m tinygrad_edu --help`` without it). They run in turn,
one round after another, each round in a new order, so that a burst of load from elsewhere
hits all three alike; per round the cost of each over numpy alone is its time minus numpy's
in that round, and the result is the median and quartiles of those paired differences.
Two clocks per process: the wall-clock time a user waits, and the CPU time (user + system,
from the kernel's accounting of the finished child), which a loaded machine inflates far
less, because waiting for a core is not counted; the targets are read on the CPU time.
(``python -X importtime`` shows where the time goes but adds its own.) The package
imported is this checkout's.

Compiled bytecode is cached, as it is for an installed package: the processes write it
into a temporary ``PYTHONPYCACHEPREFIX`` (so the checkout stays clean) during an untimed
first round, even where ``PYTHONDONTWRITEBYTECODE`` is set, which would otherwise make
every process compile every module again. JSON on stdout, last line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .timing import quartiles

ROOT = Path(__file__).resolve().parent.parent


def commands() -> dict[str, list[str]]:
    """The commands timed, by name: numpy alone first (the baseline)."""
    script = Path(sys.executable).with_name("tinygrad-edu")
    help_command = [str(script)] if script.exists() else [sys.executable, "-m", "tinygrad_edu"]
    return {
        "import numpy": [sys.executable, "-c", "import numpy"],
        "import tinygrad_edu": [sys.executable, "-c", "import tinygrad_edu"],
        "tinygrad-edu --help": [*help_command, "--help"],
    }


CLOCKS = ("wall", "cpu")


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one process from start to exit (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(rounds: int) -> dict[str, Any]:
    """``rounds`` rounds of every command (after one untimed round to warm the disk cache)."""
    with tempfile.TemporaryDirectory(prefix="tinygrad_edu_pycache_") as cache:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env.update(PYTHONPATH=path, PYTHONPYCACHEPREFIX=cache)
        times = _rounds(rounds, env)
    result: dict[str, Any] = {"rounds": rounds, "commands": {}}
    for name, timed in times.items():
        result["commands"][name] = {}
        for clock, (mine, base) in enumerate(zip(timed, times["import numpy"])):
            over = [t - b for t, b in zip(mine, base)]
            result["commands"][name][CLOCKS[clock]] = {
                "median": statistics.median(mine),
                "spread": quartiles(mine),
                "over_numpy": statistics.median(over),
                "over_numpy_spread": quartiles(over),
            }
    return result


def _rounds(rounds: int, env: dict[str, str]) -> dict[str, tuple[list[float], list[float]]]:
    """Per command, its wall-clock and its CPU seconds, one of each per round."""
    named = commands()
    names = list(named)
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in names}
    for name in names:
        run_once(named[name], env)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            wall, cpu = run_once(named[name], env)
            times[name][0].append(wall)
            times[name][1].append(cpu)
    return times


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 30")
    parser.add_argument("--rounds", type=int, help="how many rounds (default 30)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 30)
    result = measure(rounds)
    for name, clocks in result["commands"].items():
        for clock, timed in clocks.items():
            low, high = timed["over_numpy_spread"]
            print(
                f"{name:22s} {clock:4s} {timed['median'] * 1e3:6.0f} ms, over numpy alone "
                f"{timed['over_numpy'] * 1e3:+.0f} ms ({low * 1e3:+.0f} to {high * 1e3:+.0f})",
                file=sys.stderr,
            )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
