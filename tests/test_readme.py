"""The README's code runs as written, and its quick start is what CI runs."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
HAS_TORCH = importlib.util.find_spec("torch") is not None
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_readme_python_block_runs(index, tmp_path, monkeypatch, capsys):
    if "import torch" in PYTHON_BLOCKS[index] and not HAS_TORCH:
        pytest.skip("this block needs PyTorch, which is not installed")
    monkeypatch.chdir(tmp_path)  # blocks may write files (a drawing)
    exec(compile(PYTHON_BLOCKS[index], f"README block {index}", "exec"), {})


def test_quick_start_has_two_shell_commands_and_ci_runs_the_test_one():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```shell\n(.*?)\n```", quick, flags=re.DOTALL)
    assert len(commands) == 2
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
