"""What a fresh process loads: ``import tinygrad_edu`` only the core, the rest on first use.

Each test starts a new Python process and reads ``sys.modules`` there (this process has long
imported everything). Which modules load is checked, never how long it takes: the time is
measured by ``python -m benchmarks.startup`` and reported in docs/performance.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu

ROOT = Path(__file__).resolve().parent.parent

# The core, as docs/performance.md and the package's docstring name it (with what it needs).
CORE = {"graph", "ops", "checks", "value", "tensor", "losses", "nn", "optim", "data"}
# Every other module, which waits for its first use.
LATER = {
    "anomaly",
    "cli",
    "compare",
    "diagnostics",
    "exercises",
    "feedback",
    "notes05",
    "plot",
    "rules",
    "saving",
    "stepper",
    "trace",
    "train",
    "viz",
}
HEAVY = {"graphviz", "matplotlib", "torch"}


def loaded_after(code: str) -> dict[str, list[str]]:
    """Run ``code`` in a new process; the package's modules and the heavy libraries loaded."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps({'ours': sorted(m.split('.')[1] for m in sys.modules "
        "if m.startswith('tinygrad_edu.')), "
        f"'heavy': sorted(m for m in sys.modules if m.split('.')[0] in {sorted(HEAVY)!r})}}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_import_loads_only_the_core() -> None:
    loaded = loaded_after("import tinygrad_edu")
    # and nn's bridge (without torch), the command's Ctrl-C guard (launch.py)
    assert set(loaded["ours"]) - CORE <= {"torch_bridge", "launch"}
    assert set(loaded["ours"]) >= CORE
    assert loaded["heavy"] == []


def test_the_top_level_names_work_without_loading_more() -> None:
    loaded = loaded_after(
        "from tinygrad_edu import Tensor, Value, mse_loss, nn, optim\n"
        "m = nn.MLP([2, 3, 1], seed=0)\n"
        "loss = mse_loss(m(Tensor([[1.0, 2.0]])), Tensor([[1.0]]))\n"
        "loss.backward(); optim.SGD(m.parameters(), lr=0.1).step()\n"
        "(Value(2.0) * Value(3.0)).backward()"
    )
    assert set(loaded["ours"]) & LATER == set()
    assert loaded["heavy"] == []


@pytest.mark.parametrize("name", sorted(LATER - {"cli"}))
def test_a_module_above_the_core_loads_on_first_use(name: str) -> None:
    loaded = loaded_after(
        f"import tinygrad_edu\nassert tinygrad_edu.{name}.__name__.endswith({name!r})"
    )
    assert name in loaded["ours"]


def test_from_import_of_a_lazy_module_and_detect_anomaly() -> None:
    loaded = loaded_after(
        "from tinygrad_edu import compare, detect_anomaly, rules, viz\n"
        "from tinygrad_edu.anomaly import detect_anomaly as direct\n"
        "assert detect_anomaly is direct and viz.draw_graph and rules.forward and compare.compare"
    )
    assert {"compare", "anomaly", "rules", "viz"} <= set(loaded["ours"])


def test_trace_and_the_drawing_load_when_first_used() -> None:
    """backward(trace=True) and Jupyter's display work in a process that imported nothing
    but the package: each engine imports trace / viz where it needs them."""
    loaded = loaded_after(
        "from tinygrad_edu import Tensor, Value\n"
        "a = Value(3.0, label='a'); r = (a * a).backward(trace=True)\n"
        "assert a.grad == 6.0 and len(r.steps) == 2, r\n"
        "t = Tensor([1.0, 2.0], requires_grad=True); (t * t).sum().backward(trace=True)\n"
        "assert t.grad.tolist() == [2.0, 4.0]\n"
        "shown = (a * a)._repr_mimebundle_()\n"
        "assert 'digraph' in shown.get('text/plain', '') or '<svg' in shown['image/svg+xml']"
    )
    assert {"trace", "viz"} <= set(loaded["ours"])


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'tinygrad_edu' has no attribute 'nonsense'"):
        _ = tinygrad_edu.nonsense  # type: ignore[attr-defined]
    assert not hasattr(tinygrad_edu, "cli_")
    loaded = loaded_after("from tinygrad_edu import *\nassert callable(detect_anomaly) and compare")
    assert {"anomaly", "compare", "rules", "viz"} <= set(loaded["ours"])


def test_help_loads_neither_the_pages_nor_the_training_stack() -> None:
    loaded = loaded_after(
        "import contextlib, io\nfrom tinygrad_edu.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    assert set(loaded["ours"]) & {"stepper", "compare", "plot", "train", "trace"} == set()
    assert "matplotlib" not in loaded["heavy"] and "torch" not in loaded["heavy"]
