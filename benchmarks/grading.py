"""Grading a class: ``python -m benchmarks.grading [--students 40] [--timeout 3]``.

Generates a submissions folder of ``--students`` students, each with a file for EVERY
exercise, mixed by student number: the reference solutions (tests/exercise_solutions/),
wrong ones (the reference with its result negated), the untouched stubs, missing files, and
hostile ones (sys.exit at import, an endless loop, a print flood around a right answer, a
huge allocation, os._exit, a file that patches numpy and the grader). Then runs
``tinygrad-edu grade`` on it in a fresh process, times it, and checks every CSV row
against what each kind must get (by construction, not by the grader's say): the right
and flooding ones every case, the others none (wrong ones: fewer than all). Prints the
time and the per-kind counts; docs/teachers.md quotes the measured time. Nothing here is
asserted in the test suite (a handful of students is graded in tests/test_gradebook.py).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "tests" / "exercise_solutions"
STUBS = ROOT / "tinygrad_edu" / "exercise_stubs"

# One kind per student number (mod 20): mostly right, some wrong or unfinished, a few hostile.
KINDS = (
    ["right"] * 8
    + ["wrong"] * 4
    + ["stub", "missing", "exit", "loop", "flood", "allocate", "os_exit", "tamper"]
)

NEGATE = """
import numpy as _np

def _negate(value):
    if isinstance(value, (list, tuple)):
        return [_negate(v) for v in value]
    return -_np.asarray(value, dtype=float)

_right = {name}

def {name}(*args):
    return _negate(_right(*args))
"""


def submission(kind: str, name: str, stem: str, driven: bool) -> str | None:
    """The text of one file of ``kind`` for the exercise ``name`` (None: missing)."""
    right = (SOLUTIONS / f"{stem}.py").read_text(encoding="utf-8")
    if kind == "wrong" and driven:  # a class graded by a driver: hand in the stub instead
        kind = "stub"
    return {
        "right": right,
        "wrong": right + NEGATE.format(name=name),
        "stub": (STUBS / f"{stem}.py").read_text(encoding="utf-8"),
        "missing": None,
        "exit": "import sys\nsys.exit(0)\n" + right,
        "loop": right + "\nwhile True:\n    pass\n",
        "flood": right + "\nfor _ in range(200):\n    print('x' * 50_000)\n",
        "allocate": right + "\nimport numpy\n_hog = numpy.ones(10**11)\n",
        "os_exit": right + "\nimport os\nos._exit(0)\n",
        "tamper": (
            "import numpy\nnumpy.allclose = lambda *a, **k: True\n"
            "import tinygrad_edu.feedback as g\ng.close = lambda a, b: True\n"
            + (STUBS / f"{stem}.py").read_text(encoding="utf-8")
        ),
    }[kind]


def make_class(folder: Path, students: int) -> dict[str, str]:
    """Write the submissions; the kind of each student."""
    sys.path.insert(0, str(ROOT))
    from tinygrad_edu.exercises import EXERCISES

    kinds = {}
    for number in range(students):
        student = f"student{number:03d}"
        kinds[student] = kind = KINDS[number % len(KINDS)]
        (folder / student).mkdir(parents=True)
        for exercise in EXERCISES.values():
            stem = Path(exercise.stub).stem
            text = submission(kind, exercise.name, stem, exercise.call is not None)
            if text is not None:
                (folder / student / exercise.stub).write_text(text, encoding="utf-8")
    return kinds


def check_rows(rows: list[dict[str, str]], kinds: dict[str, str]) -> list[str]:
    """The rows that do not get what their kind must get."""
    wrong = []
    for row in rows:
        kind, passed, total = kinds[row["student"]], int(row["passed"]), int(row["total"])
        if kind in ("right", "flood"):
            ok = passed == total and row["first_failure"] == ""
        elif kind == "wrong":
            ok = passed < total
        else:
            ok = passed == 0 and (kind != "missing" or row["first_failure"] == "missing")
        if not ok:
            wrong.append(f"{kind}: {row}")
    return wrong


def time_check(repeats: int = 3) -> dict[str, float]:
    """Per exercise, the median wall time of ``check_file`` on its reference solution (a
    child process started, the file loaded, every case run and judged)."""
    sys.path.insert(0, str(ROOT))
    from tinygrad_edu.exercises import EXERCISES
    from tinygrad_edu.runner import check_file

    times = {}
    for exercise in sorted(EXERCISES.values(), key=lambda e: e.stub):
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = check_file(SOLUTIONS / exercise.stub)
            runs.append(time.perf_counter() - start)
            assert result.ok, result.lines
        times[exercise.stub] = sorted(runs)[len(runs) // 2]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=40, help="0: only time check")
    parser.add_argument("--timeout", type=float, default=None, help="grade's --timeout")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    times = time_check()
    for stub, seconds in times.items():
        print(f"check {stub}: {seconds:.2f} s")
    print(f"check of a correct file: at most {max(times.values()):.2f} s (load {load:.1f})")
    if args.students < 1:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "submissions", Path(tmp) / "grades.csv"
        kinds = make_class(folder, args.students)
        command = [sys.executable, "-m", "tinygrad_edu", "grade", str(folder), "--out", str(out)]
        if args.timeout is not None:
            command += ["--timeout", str(args.timeout)]
        path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
        env = dict(os.environ, PYTHONPATH=path)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        with open(out, newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
    files = sum(1 for row in rows if row["first_failure"] != "missing")
    print(done.stdout.strip())
    print(
        f"graded {args.students} students × {len(rows) // args.students} exercises "
        f"({files} files) in {seconds:.1f} s on {os.cpu_count()} cores "
        f"(load average before: {load:.1f})"
    )
    mistakes = check_rows(rows, kinds)
    for line in mistakes[:20]:
        print("WRONG ROW", line)
    print("every row as expected" if not mistakes else f"{len(mistakes)} rows not as expected")
    return 1 if mistakes or done.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
