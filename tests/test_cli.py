"""The tinygrad-edu command, run as a learner runs it: one subprocess per subcommand.

The worked example's numbers are checked against note 05's formulas evaluated here in exact
rational arithmetic; bad arguments must give exit code 2 and exactly one line on stderr.
"""

import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import note05
import pytest

from tinygrad_edu import cli

REPO = Path(__file__).resolve().parents[1]
HAS_DOT = shutil.which("dot") is not None


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m tinygrad_edu ARGS`` in ``cwd``, with the repository importable."""
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (environment.get("PYTHONPATH", ""), str(REPO)) if p
    )
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def number(text: str) -> float:
    """A number as the CLI prints it (with a typographic minus)."""
    return float(text.replace("−", "-"))


def is_svg(path: Path) -> bool:
    return path.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg")) and (
        "</svg>" in path.read_text(encoding="utf-8")
    )


# --- worked-example: note 05 by exact arithmetic --------------------------------------


def note_05(lr: Fraction) -> dict[str, Fraction]:
    """Note 05's iteration in fractions, keyed as the worked-example output is parsed."""
    it = note05.iteration(note05.WEIGHTS, lr)
    values = {"h1": it["h1"], "h2": it["h2"], "y_hat": it["y"], "error": it["E"]}
    values.update({f"grad_{k}": g for k, g in it["grad"].items()})
    values.update({f"old_{k}": w for k, w in note05.WEIGHTS.items()})
    values.update({f"new_{k}": w for k, w in it["new"].items()})
    return values


def parse_worked_example(stdout: str) -> dict[str, float]:
    """The numbers of the printout: forward values, error, gradients, the old/new table."""
    found: dict[str, float] = {}
    for name, key in (("h1", "h1"), ("h2", "h2"), ("ŷ", "y_hat")):
        line = next(ln for ln in stdout.splitlines() if ln.strip().startswith(f"{name} "))
        found[key] = number(line.split("=")[-1])
    error_line = next(ln for ln in stdout.splitlines() if ln.strip().startswith("Error ="))
    found["error"] = number(error_line.split("=")[-1])
    for m in re.finditer(r"^\s+∂E/∂(w[1-6]) = .* = (\S+)$", stdout, re.MULTILINE):
        found[f"grad_{m.group(1)}"] = number(m.group(2))
    for m in re.finditer(r"^\s+(w[1-6])\s+(\S+)\s+(\S+)\s+\d\.\d\d → \d\.\d\d", stdout, re.M):
        found[f"old_{m.group(1)}"] = number(m.group(2))
        found[f"new_{m.group(1)}"] = number(m.group(3))
    return found


def test_worked_example_prints_every_number_of_note_05_exactly(tmp_path):
    result = run("worked-example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = parse_worked_example(result.stdout)
    expected = note_05(Fraction("0.05"))
    assert set(found) == set(expected)
    for key, value in expected.items():
        assert found[key] == pytest.approx(float(value), abs=1e-9), key
    # The note's own numbers: h1 = 0.85, h2 = 0.48, ŷ = 0.191.
    assert (found["h1"], found["h2"], found["y_hat"]) == (0.85, 0.48, 0.191)


def test_worked_example_points_out_the_notes_slips(tmp_path):
    out = run("worked-example", cwd=tmp_path).stdout
    exact_w3 = Fraction("0.21") + Fraction("0.05") * Fraction("0.809") * Fraction("0.14") * 3
    slip_rows = [ln for ln in out.splitlines() if "← slip" in ln]
    assert len(slip_rows) == 1 and slip_rows[0].split()[0] == "w3"
    assert "w3 (old) as 0.11" in out and "w3 = 0.21" in out
    assert f"= {float(exact_w3):.6f}" in out and "≈ 0.227" in out
    assert "0.191 to 0.19" in out
    assert '"· 1"' in out and "x1 = 2" in out


def test_worked_example_follows_the_learning_rate(tmp_path):
    result = run("worked-example", "--lr", "0.1", cwd=tmp_path)
    found = parse_worked_example(result.stdout)
    for key, value in note_05(Fraction("0.1")).items():
        assert found[key] == pytest.approx(float(value), abs=1e-9), key


# --- demo, graph, compare ---------------------------------------------------------------


def test_demo_with_no_options_trains_compares_and_writes_its_files(tmp_path):
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "all agree" in result.stdout
    assert "training" in result.stderr and "loss=" in result.stderr  # the tqdm progress bar
    start, end = re.search(r"([\d.]+) at the start, ([\d.]+) at the end", result.stdout).groups()
    assert float(end) < float(start) / 10
    accuracy = float(re.search(r"training accuracy: ([\d.]+) %", result.stdout).group(1))
    assert accuracy >= 95
    folder = tmp_path / "tinygrad_edu_demo"
    if HAS_DOT:
        assert is_svg(folder / "graph.svg")
    else:
        assert (folder / "graph.dot").read_text().startswith("digraph")
    assert (folder / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the per-layer training diagnostics beside the loss (tests/test_diagnostics.py)
    assert (folder / "diagnostics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {Path('tinygrad_edu_demo') / 'diagnostics.png'}" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--dataset", "xor", "--engine", "value", "--epochs", "5"],
        ["--dataset", "spirals", "--hidden", "sigmoid", "--epochs", "5"],
        ["--dataset", "sine", "--sizes", "1,4,4,1", "--lr", "0.05", "--epochs", "5"],
    ],
)
def test_demo_runs_on_other_datasets_and_engines(tmp_path, args):
    result = run("demo", *args, "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "all agree" in result.stdout
    assert (tmp_path / "out" / "loss.png").exists()
    assert (tmp_path / "out" / "diagnostics.png").exists()


def test_demo_without_dot_writes_dot_source_and_one_notice(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path / "empty"))  # no `dot` on this PATH
    result = run("demo", "--dataset", "xor", "--epochs", "5", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tinygrad_edu_demo" / "graph.dot").read_text().startswith("digraph")
    notices = [ln for ln in result.stderr.splitlines() if "dot" in ln and "Graphviz" in ln]
    assert len(notices) == 1
    assert "Traceback" not in result.stderr


def test_graph_without_dot_writes_dot_source_and_one_notice(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path / "empty"))  # no `dot` on this PATH
    result = run("graph", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "graph.svg").exists()
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")
    assert result.stderr.count("\n") == 1 and "Graphviz" in result.stderr


def test_demo_without_matplotlib_says_so(tmp_path):
    blocker = tmp_path / "block" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib blocked for a test')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "block"))
    result = run("demo", "--dataset", "xor", "--epochs", "5", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "matplotlib is not installed" in result.stdout
    assert not (tmp_path / "tinygrad_edu_demo" / "loss.png").exists()
    assert not (tmp_path / "tinygrad_edu_demo" / "diagnostics.png").exists()


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
def test_graph_with_no_options_writes_an_svg_of_the_2_3_1_network(tmp_path):
    result = run("graph", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    svg = (tmp_path / "graph.svg").read_text(encoding="utf-8")
    assert is_svg(tmp_path / "graph.svg")
    # 2-3-1 value engine: 6 + 3 weights, 3 sigmoid units, one linear output, the loss.
    assert svg.count(">sigmoid</text>") == 3
    assert svg.count(">linear</text>") == 1
    assert svg.count(">mse</text>") == 1


def test_graph_writes_dot_source_with_the_options_asked_for(tmp_path):
    result = run(
        "graph", "--sizes", "2,2,1", "--deltas", "--derivatives", "--out", "g.dot", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    source = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert source.startswith("digraph")
    assert source.count("δ") >= 3  # one δ per unit: two hidden, one output
    forward = run("graph", "--forward-only", "--out", "f.dot", cwd=tmp_path)
    assert forward.returncode == 0
    assert "grad" not in (tmp_path / "f.dot").read_text(encoding="utf-8")


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_compare_prints_one_agreeing_row_per_gradient_entry(tmp_path, engine):
    result = run("compare", "--sizes", "2,3,1", "--engine", engine, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [ln for ln in result.stdout.splitlines() if re.search(r"\d\de[+-]\d\d\s+[+-]\d", ln)]
    assert all(row.rstrip().endswith(" ok") for row in rows)
    assert len(rows) == 2 * 3 + 3 + 3 * 1 + 1  # every weight and bias of a 2-3-1 network
    assert "all agree" in result.stdout


def test_compare_takes_samples_from_a_dataset(tmp_path):
    result = run(
        "compare", "--dataset", "xor", "--sizes", "2,2,1", "--hidden", "tanh", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "4 samples" in result.stdout and "dataset xor" in result.stdout


# --- help and bad arguments ---------------------------------------------------------------


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """cli.main in this process (fast): exit code, stdout, stderr."""
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["demo", "graph", "compare", "worked-example"])
def test_every_subcommand_has_help(command, capsys):
    code, out, _ = run_main([command, "--help"], capsys)
    assert code == 0
    assert out.startswith(f"usage: tinygrad-edu {command}")


@pytest.mark.parametrize("argv", [["--help"], []])
def test_help_and_no_command_list_every_subcommand(argv, capsys):
    code, out, _ = run_main(argv, capsys)
    assert code == 0
    for command in ("demo", "graph", "compare", "worked-example"):
        assert command in out


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["demo", "--hidden", "softmax"], ["--hidden", "softmax"]),
        (["graph", "--output", "gelu"], ["--output", "gelu"]),
        (["graph", "--sizes", "2,,1"], ["--sizes", "2,,1", "empty"]),
        (["graph", "--sizes", "0"], ["--sizes", "at least two"]),
        (["compare", "--sizes", "2,0,1"], ["--sizes", "at least 1"]),
        (["compare", "--sizes", "2,x,1"], ["--sizes", "'x'"]),
        (["demo", "--lr", "-0.1"], ["--lr", "positive"]),
        (["demo", "--lr", "nan"], ["--lr"]),
        (["demo", "--epochs", "0"], ["--epochs"]),
        (["demo", "--epochs", "1.5"], ["--epochs", "whole number"]),
        (["demo", "--seed", "-3"], ["--seed"]),
        (["demo", "--engine", "gpu"], ["--engine", "gpu"]),
        (["demo", "--dataset", "mnist"], ["--dataset", "mnist"]),
        (["demo", "--dataset", "xor", "--sizes", "3,4,1"], ["--sizes", "xor", "2 input"]),
        (["graph", "--out", "picture.jpg"], ["--out", ".svg"]),
        (["demo", "--out", str(Path(__file__).resolve())], ["--out", "folder"]),
        (["worked-example", "--lr", "0"], ["--lr"]),
        (["compare", "--epochs", "5"], ["unrecognized", "--epochs"]),
        (["train"], ["train"]),
    ],
)
def test_bad_arguments_give_exit_code_2_and_one_line(argv, names, capsys):
    code, out, err = run_main(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("tinygrad-edu")
    for name in names:
        assert name in err


def test_bad_arguments_exit_2_from_the_real_command(tmp_path):
    result = run("demo", "--sizes", "2,,1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--sizes" in result.stderr
    assert result.stdout == ""
