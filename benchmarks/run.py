"""Run the whole suite: ``python -m benchmarks [--quick] [--out DIR]``.

Each part runs in a fresh Python process of its own, so that one cannot slow another:

- ``value_engine``: Value vs micrograd — a process that never imports PyTorch;
- ``deep_graphs``: chains of 10⁴ … 10⁶ nodes, one process per engine (Value, Tensor,
  PyTorch) — the same reason;
- ``tensor_engine --threads 1``: numpy's BLAS and PyTorch on one thread each;
- ``tensor_engine --threads default``: both as they come;
- ``startup``: how long ``import tinygrad_edu`` and ``tinygrad-edu --help`` take, each a
  whole new process, against ``import numpy`` alone.

Inside each process the engines being compared are interleaved (see ``timing.py``). The
results are printed as tables, with a ✅ or ❌ for each target, and written as Markdown
(into the marked section of docs/performance.md, or ``DIR/performance-results.md``) with a
chart (docs/img/benchmark.png, or ``DIR/benchmark.png``).

Memory allocator: the tensor processes run with ``MALLOC_TRIM_THRESHOLD_`` and
``MALLOC_MMAP_THRESHOLD_`` set (for every engine alike), so that glibc keeps freed memory
instead of handing it back to the kernel and page-faulting it in again on the next step.
Whether that happens flips with the order of a step's frees and costs up to +50 % on a
medium step, for numpy by hand as much as for an engine (docs/performance.md shows it).
``--default-malloc`` measures without it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import report

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "img" / "benchmark.png"
START, END = "<!-- benchmark results: start -->", "<!-- benchmark results: end -->"

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
KEEP_FREED_MEMORY = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(1 << 25)}


def run_part(module: str, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> <args>`` in a fresh process; its JSON result."""
    environment = {**os.environ, **(env or {})}
    command = [sys.executable, "-m", f"benchmarks.{module}", *args]
    print(f"running {' '.join(command[2:])} ...", file=sys.stderr, flush=True)
    done = subprocess.run(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def version(module: str) -> str:
    """The installed version of a package, or "not installed"."""
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(command: str, load_before: float) -> dict[str, Any]:
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "torch": version("torch"),
        "micrograd": version("micrograd"),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "command": command,
    }


def write_markdown(text: str, out: Path | None) -> Path:
    """Into DIR/performance-results.md, or between the markers of docs/performance.md."""
    if out is not None:
        path = out / "performance-results.md"
        path.write_text(text)
        return path
    page = DOC.read_text() if DOC.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in page or END not in page:
        page = page.rstrip() + f"\n\n{START}\n{END}\n"
    head, rest = page.split(START, 1)
    tail = rest.split(END, 1)[1]
    note = "<!-- written by `python -m benchmarks`; edits here are overwritten -->\n"
    DOC.write_text(f"{head}{START}\n{note}\n{text}\n{END}{tail}")
    return DOC


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Run the tinygrad_edu benchmark suite.")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (CI)")
    parser.add_argument("--out", type=Path, help="write results here instead of docs/")
    parser.add_argument(
        "--only",
        default="value,deep,tensor,startup",
        help="comma-separated parts to run: value, deep, tensor, startup (default: all)",
    )
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="leave glibc's malloc trimming as it is for the tensor runs",
    )
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    quick = ["--quick"] if args.quick else []
    load_before = os.getloadavg()[0]

    results: dict[str, Any] = {}
    if "value" in parts:
        results["value"] = run_part("value_engine", quick)
    if "deep" in parts:  # one process per engine: PyTorch's modules never meet the others
        engines = ["value", "tensor"] + (["torch"] if version("torch") != "not installed" else [])
        results["deep"] = {
            engine: run_part("deep_graphs", [*quick, "--engine", engine]) for engine in engines
        }
    if "tensor" in parts:
        malloc = {} if args.default_malloc else KEEP_FREED_MEMORY
        sizes = ["--sizes", "tiny,medium"] if args.quick else []
        results["tensor_1"] = run_part(
            "tensor_engine", [*quick, *sizes, "--threads", "1"], {**ONE_THREAD, **malloc}
        )
        results["tensor_default"] = run_part(
            "tensor_engine", [*quick, *sizes, "--threads", "default"], malloc
        )

    if "startup" in parts:
        results["startup"] = run_part("startup", quick)

    command = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])
    results["machine"] = machine(command.strip(), load_before)
    results["machine"]["malloc"] = "default" if args.default_malloc else KEEP_FREED_MEMORY
    text = report.markdown(results)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "benchmark.json").write_text(json.dumps(results, indent=1))
    written = write_markdown(text, args.out)
    chart_path = (args.out / "benchmark.png") if args.out is not None else CHART
    drew = report.chart(results, str(chart_path))
    print(f"wrote {written}" + (f" and {chart_path}" if drew else " (no matplotlib: no chart)"))
    return results


if __name__ == "__main__":
    main()
