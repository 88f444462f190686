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


def test_every_readme_block_that_prints_asserts_what_it_prints():
    for index, block in enumerate(PYTHON_BLOCKS):
        if "print(" in block:
            assert "\nassert " in block, f"README block {index} prints without asserting"


def test_quick_start_has_two_shell_commands_and_ci_runs_both_as_written():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```shell\n(.*?)\n```", quick, flags=re.DOTALL)
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert f"'{command}'" in ci  # run by CI with only the system directories on PATH


def test_the_options_table_says_which_subcommand_takes_which_option():
    from tinygrad_edu import cli

    taken = cli.options_per_command(cli.build_parser())
    section = README.split("## The command line", 1)[1].split("\n## ", 1)[0]
    rows = [ln.split("|")[1:-1] for ln in section.splitlines() if ln.startswith("| `--")]
    header = next(ln for ln in section.splitlines() if ln.startswith("| option"))
    commands = [cell.strip() for cell in header.split("|")[3:-1]]
    assert sorted(commands) == sorted(taken)
    assert len(rows) >= 8
    for row in rows:
        for option in re.findall(r"`(--[a-z-]+)", row[0]):
            marked = {c for c, cell in zip(commands, row[2:]) if cell.strip() == "✓"}
            assert marked == {c for c in commands if option in taken[c]}, option
