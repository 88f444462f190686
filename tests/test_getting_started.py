"""The training loops of the getting-started page and the README run unchanged on both
engines: ``engine="value"`` is a drop-in for the default tensor engine."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHONPATH = os.environ.get("PYTHONPATH", "")


def python_block(page: str, heading: str) -> str:
    """The first ```python block under ``heading`` of ``page``."""
    text = (ROOT / page).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]


def on_engine(code: str, engine: str) -> str:
    """The code with ``engine=...`` added to its one MLP(...) call, and nothing else changed."""
    assert code.count("seed=0)") == 1, "the loop should build one MLP(..., seed=0)"
    return code.replace("seed=0)", f'seed=0, engine="{engine}")')


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_getting_started_loop_reaches_the_stated_loss_on_both_engines(engine, capsys):
    page = (ROOT / "docs/getting-started.md").read_text(encoding="utf-8")
    assert "E < 0.001" in page  # the bound the page states for either engine
    scope: dict = {}
    code = python_block("docs/getting-started.md", "## A network, trained")
    exec(compile(on_engine(code, engine), f"getting started ({engine})", "exec"), scope)
    assert scope["model"].engine == engine
    assert scope["loss"].item() < 0.001
    printed = float(capsys.readouterr().out.split()[-1])
    assert printed == scope["loss"].item()


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_readme_build_train_block_runs_and_agrees_on_both_engines(engine, capsys):
    scope: dict = {}
    code = python_block("README.md", "## Build, train, and check against the notes")
    exec(compile(on_engine(code, engine), f"README ({engine})", "exec"), scope)
    assert scope["model"].engine == engine
    assert scope["loss"].item() < 1e-3  # the bound the README's comment states
    assert scope["report"].ok


def test_demo_help_and_pages_agree_with_the_output_that_the_compared_network_is_untrained(
    tmp_path,
):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), PYTHONPATH]))}

    def demo(*args: str) -> str:
        command = [sys.executable, "-m", "tinygrad_edu", "demo", *args]
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return " ".join(result.stdout.split())  # argparse wraps the help's lines

    out = demo("--dataset", "xor", "--epochs", "2", "--out", str(tmp_path / "demo"))
    # The table is printed before the training's loss line: it is the untrained network's.
    assert "untrained net" in out
    assert out.index("autograd vs δ rules") < out.index("loss (mean squared error)")
    assert "for the untrained network (before training" in demo("--help")
    for page in ("docs/getting-started.md", "docs/cli.md"):
        text = " ".join((ROOT / page).read_text(encoding="utf-8").split())
        assert "table for the untrained network" in text, page
        assert "for the trained network" not in text, page
