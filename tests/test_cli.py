"""The tinygrad-edu command, run as a learner runs it: one subprocess per subcommand.

The worked example's numbers are checked against note 05's formulas evaluated here in exact
rational arithmetic; bad arguments must give exit code 2 and exactly one line on stderr.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import note05
import pytest

from tinygrad_edu import cli, train

REPO = Path(__file__).resolve().parents[1]
HAS_DOT = shutil.which("dot") is not None


def importable(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (or this process's environment) with the repository on PYTHONPATH."""
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (environment.get("PYTHONPATH", ""), str(REPO)) if p
    )
    return environment


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m tinygrad_edu ARGS`` in ``cwd``, with the repository importable."""
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", *args],
        cwd=cwd,
        env=importable(env),
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
    assert svg.count(">½Σ(O−t)²</text>") == 1  # the loss E = ½ Σ (O − t)², not "mse"


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


def test_help_lists_every_subcommand_and_the_options_each_takes(capsys):
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    for command in ("demo", "graph", "compare", "worked-example", "step"):
        assert command in out
    assert re.search(r"^  worked-example\s+--lr --html$", out, re.MULTILINE)


def test_no_command_prints_the_usage_and_exits_2(capsys):
    code, out, err = run_main([], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("usage: tinygrad-edu") and "worked-example" in err


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["demo", "--hidden", "softmax"], ["--hidden", "softmax"]),
        (["graph", "--output", "heaviside"], ["--output", "heaviside"]),
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
        (["step", "--out", "x.svg"], ["--out", "'x.svg'", ".html, .htm"]),
        (["worked-example", "--html", "w.txt"], ["--html", "'w.txt'", ".html, .htm"]),
        (["demo", "--out", str(Path(__file__).resolve())], ["--out", "folder"]),
        (["worked-example", "--lr", "0"], ["--lr"]),
        (["compare", "--epochs", "5"], ["unrecognized", "--epochs"]),
        # no abbreviations: --out is not --output, --deriv not --derivatives
        (["compare", "--out", "tanh"], ["unrecognized", "--out tanh"]),
        (["graph", "--deriv"], ["unrecognized", "--deriv"]),
        (["demo", "--data", "xor"], ["unrecognized", "--data"]),
        (["graph", "--collapse", "all"], ["--collapse", "all"]),
        (["train"], ["train"]),
        # limits, refused before anything is built
        (["demo", "--sizes", "99999999999999999999,1"], ["--sizes", "at most 10,000"]),
        (["graph", "--sizes", "2,10001,1"], ["--sizes", "at most 10,000"]),
        (["compare", "--samples", str(10**12)], ["--samples", "at most 10,000"]),
        (["compare", "--samples", "10**12"], ["--samples", "whole number"]),
        (["step", "--steps", str(10**9)], ["--steps", "at most 100"]),
        (["demo", "--epochs", str(10**12)], ["--epochs", "at most 1,000,000"]),
        (["demo", "--sizes", "2,3000,3000,1"], ["--sizes", "9,015,001", "1,000,000", "tensor"]),
        (["graph", "--sizes", "2,100,100,1"], ["--sizes", "10,501", "10,000", "value"]),
        (["compare", "--sizes", "2,300,300,1"], ["--sizes", "forward passes", "--samples"]),
        (["compare", "--sizes", "2,40,40,1", "--engine", "value"], ["--sizes", "2,40,40,1"]),
        (["demo", "--dataset", "xor", "--sizes", "2,2000,1"], ["--sizes", "forward passes"]),
        (["step", "--sizes", "2,40,40,1"], ["--sizes", "1,801 parameters × 2", "at most 2,000"]),
        (["step", "--sizes", "2,5,1", "--steps", "100"], ["--steps 100", "2,100 entries"]),
        # 5,151 parameters (under the value engine's 10,000), but 16,120 boxes and arrows
        (
            ["graph", "--sizes", "50,50,50,1", "--collapse", "none"],
            ["--sizes 50,50,50,1", "--collapse none", "16,120", "6,000", "--collapse auto"],
        ),
        (["graph", "--sizes", "90,80,1", "--collapse", "neuron"], ["--collapse neuron"]),
    ],
)
def test_bad_arguments_give_exit_code_2_and_one_line(argv, names, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a case that wrongly ran would write its files here
    code, out, err = run_main(argv, capsys)
    assert code == 2
    assert out == ""
    assert list(tmp_path.iterdir()) == []
    assert err.endswith("\n") and err.count("\n") == 1, err
    command = argv[0] if argv[0] in cli.options_per_command(cli.build_parser()) else ""
    assert err.startswith(f"tinygrad-edu {command}".strip() + ":"), err  # names the subcommand
    for name in names:
        assert name in err


def test_bad_arguments_exit_2_from_the_real_command(tmp_path):
    result = run("demo", "--sizes", "2,,1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--sizes" in result.stderr
    assert result.stdout == ""


# --- output paths: checked before any work ------------------------------------------------

LONG_NAME = "n" * 300  # more than the 255 bytes a file name may have


@pytest.mark.parametrize(
    ("argv", "shown", "why"),
    [
        (["graph", "--out", "a_folder"], "a_folder", "is a folder"),
        (["step", "--out", "a_folder"], "a_folder", "is a folder"),
        (["demo", "--out", "a_file"], "a_file", "is a file"),
        (["graph", "--out", "a_file/g.svg"], "a_file/g.svg", "not a folder"),
        (["graph", "--out", "missing/g.svg"], "missing/g.svg", "does not exist"),
        (["demo", "--out", "missing/demo"], "missing/demo", "does not exist"),
        (["worked-example", "--html", "missing/w.html"], "missing/w.html", "does not exist"),
        (["graph", "--out", "/proc/tinygrad_edu.svg"], "/proc/tinygrad_edu.svg", "cannot be"),
        (["step", "--out", "/proc/version.html"], "/proc/version.html", "cannot be written"),
        (["demo", "--out", "/proc/tinygrad_edu_demo"], "/proc/tinygrad_edu_demo", "cannot be"),
        (["step", "--out", LONG_NAME + ".html"], LONG_NAME, "too long"),
        (["demo", "--out", LONG_NAME], LONG_NAME, "too long"),
        (["graph", "--out", ""], "''", "empty path"),
        (["demo", "--out", ""], "''", "empty path"),
        (["worked-example", "--html", ""], "''", "empty path"),
    ],
)
def test_a_bad_output_path_gives_one_line_naming_it_before_any_work(
    argv, shown, why, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_file").write_text("keep me")

    def no_training(*args, **kwargs):
        raise AssertionError("the demo trained before checking its output")

    monkeypatch.setattr(train, "fit", no_training)
    code, out, err = run_main(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"tinygrad-edu {argv[0]}: error: {argv[1]} ")
    assert shown in err and why in err
    assert (tmp_path / "a_file").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "a_folder"]  # nothing made


def test_an_unwritable_working_directory_is_named_before_any_work(monkeypatch, capsys):
    monkeypatch.chdir("/proc")  # not writable, even by root
    code, out, err = run_main(["graph"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "--out 'graph.svg': cannot be written" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_folder_without_write_permission_is_refused(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, _, err = run_main(["step", "--out", str(locked / "s.html")], capsys)
    assert code == 2 and "Permission denied" in err and str(locked) in err


def test_without_dot_two_pictures_never_share_one_dot_file(tmp_path, monkeypatch, capsys):
    from tinygrad_edu import viz

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(viz, "dot_available", lambda: False)
    code, _, err = run_main(["graph", "--out", "g.png"], capsys)
    assert code == 0
    assert "wrote the DOT source g.dot instead of g.png" in err  # names the file written
    source = (tmp_path / "g.dot").read_text()
    assert source.startswith("digraph")
    code, out, err = run_main(["graph", "--out", "g.pdf", "--forward-only"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "g.dot" in err and "g.png" in err
    assert (tmp_path / "g.dot").read_text() == source  # not overwritten
    assert run_main(["graph", "--out", "g.png"], capsys)[0] == 0  # the same request again
    (tmp_path / "mine.dot").write_text("digraph { a -> b }\n")  # a .dot file of the user's
    assert run_main(["graph", "--out", "mine.svg"], capsys)[0] == 2
    assert (tmp_path / "mine.dot").read_text() == "digraph { a -> b }\n"


# --- stdout closed or full, Ctrl-C --------------------------------------------------------


def cli_process(*args: str, cwd: Path, close: int | None = None, **kwargs) -> subprocess.Popen:
    """``python -m tinygrad_edu ARGS`` started as from a terminal (``close``: a file
    descriptor the command starts without, as after ``>&-``)."""

    def as_from_a_terminal() -> None:
        # A test runner's worker may ignore SIGINT, and a child inherits that; Ctrl-C as a
        # user's terminal delivers it needs the default action back.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if close is not None:
            os.close(close)

    return subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", *args],
        cwd=cwd,
        env=importable(),
        preexec_fn=as_from_a_terminal,
        **kwargs,
    )


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path):
    # About 1000 rows: more than a pipe holds, so the writer meets the closed pipe.
    process = cli_process(
        "compare",
        "--sizes",
        "2,30,30,1",
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert err == ""


def test_a_full_stdout_gives_one_line_and_an_error_code(tmp_path):
    with open("/dev/full", "w") as full:
        process = cli_process("worked-example", cwd=tmp_path, stdout=full, stderr=subprocess.PIPE)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.decode().count("\n") == 1 and "No space left on device" in err.decode()


def test_ctrl_c_stops_the_training_with_one_line(tmp_path):
    process = cli_process(
        "demo",
        "--dataset",
        "spirals",
        "--epochs",
        "1000000",
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    seen = b""
    while b"epoch" not in seen:  # the progress bar is up: training has begun
        chunk = os.read(process.stderr.fileno(), 4096)
        assert chunk, "the demo ended before training"
        seen += chunk
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    err = (seen + rest).decode()
    assert process.returncode == 130
    assert "Traceback" not in err
    assert err.rstrip("\n").split("\n")[-1] == "tinygrad-edu demo: interrupted (Ctrl-C)"


@pytest.mark.parametrize("command", ["worked-example", "compare"])
def test_a_closed_stdout_ends_quietly_with_an_error_code(tmp_path, command):
    # Started with file descriptor 1 closed (`tinygrad-edu compare >&-`): Python's
    # sys.stdout is None, and the run must not end in an AttributeError traceback.
    process = cli_process(command, cwd=tmp_path, close=1, stderr=subprocess.PIPE)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err == b""


def test_a_closed_stderr_keeps_the_error_off_stdout(tmp_path):
    process = cli_process(
        "compare",
        "--sizes",
        "2,0",
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        close=2,
    )
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    assert out == b""


# Run before the package: when numpy is first imported (the package is importing), it says
# so on stderr and waits, so that the test's Ctrl-C lands inside the import.
SLOW_IMPORT = """
import sys, time

class SlowNumpy:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            sys.meta_path.remove(self)
            sys.stderr.write("importing numpy\\n")
            sys.stderr.flush()
            time.sleep(60)
        return None

sys.meta_path.insert(0, SlowNumpy())
"""


def test_ctrl_c_while_the_package_imports_gives_one_line(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(SLOW_IMPORT)
    env = importable()
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env["PYTHONPATH"]])
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    assert process.stderr.readline() == b"importing numpy\n"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert out == b""
    assert err.decode().strip("\n") == "tinygrad-edu demo: interrupted (Ctrl-C)"


@pytest.mark.parametrize(
    ("argv", "orig_argv", "expected"),
    [
        (["/venv/bin/tinygrad-edu", "demo"], ["/venv/bin/python", "/venv/bin/tinygrad-edu"], True),
        (["-m", "demo"], ["python", "-X", "dev", "-m", "tinygrad_edu", "demo"], True),
        (["-m"], ["python", "-mtinygrad_edu"], True),
        (["train.py"], ["python", "train.py"], False),  # a learner's script importing us
        (["-m"], ["python", "-m", "pytest", "-m", "tinygrad_edu"], False),
        (["x.py"], ["python", "-W", "-m", "x.py"], False),
        ([""], ["python", "-c", "import tinygrad_edu"], False),
        ([], [], False),
    ],
)
def test_the_ctrl_c_guard_is_only_for_the_command(argv, orig_argv, expected):
    from tinygrad_edu import launch

    assert launch.launched_as_command(argv, orig_argv) is expected


# --- worked-example at another learning rate ------------------------------------------------


def test_worked_example_at_another_rate_keeps_the_slips_that_do_not_depend_on_it(tmp_path):
    out = run("worked-example", "--lr", "0.1", cwd=tmp_path).stdout
    assert "learning rate η = 0.1" in out and "α" not in out
    header = next(ln for ln in out.splitlines() if ln.strip().startswith("weight"))
    assert "new, η = 0.1" in header and "η = 0.05" in header  # each column's own rate
    slip_rows = [ln for ln in out.splitlines() if "← slip" in ln]
    assert [row.split()[0] for row in slip_rows] == ["w3"]  # its old w3: wrong at any η
    exact_w3 = Fraction("0.21") + Fraction("0.1") * Fraction("0.809") * Fraction("0.14") * 3
    assert "w3 (old) as 0.11" in out and f"= {float(exact_w3):.6f}" in out
    with_one = Fraction("0.11") + Fraction("0.1") * Fraction("0.809") * Fraction("0.14")
    assert f"would be {float(with_one):.6f}" in out  # the "· 1" slip, at this η
    assert "w_old" in out and "0.191 to 0.19" in out


# --- demo defaults: every dataset's default run ends trained -----------------------------------

# The bounds docs/cli.md states for the final mean squared error of each default run.
DEMO_LOSS_BOUND = {"xor": 0.02, "moons": 0.02, "spirals": 0.02, "sine": 0.005}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["tensor", "value"])
@pytest.mark.parametrize("dataset", sorted(DEMO_LOSS_BOUND))
def test_each_default_demo_ends_trained(dataset, engine, tmp_path, capsys):
    code, out, _ = run_main(
        ["demo", "--dataset", dataset, "--engine", engine, "--out", str(tmp_path / "d")], capsys
    )
    assert code == 0
    end = float(re.search(r"([\d.]+) at the end", out).group(1))
    assert end < DEMO_LOSS_BOUND[dataset]
    if dataset != "sine":
        assert float(re.search(r"training accuracy: ([\d.]+) %", out).group(1)) >= 97


def test_graph_collapse_draws_one_box_per_neuron_or_every_node(tmp_path):
    neuron = run("graph", "--collapse", "neuron", "--out", "n.dot", cwd=tmp_path)
    full = run("graph", "--collapse", "none", "--out", "f.dot", cwd=tmp_path)
    assert neuron.returncode == full.returncode == 0, neuron.stderr + full.stderr
    collapsed = (tmp_path / "n.dot").read_text(encoding="utf-8")
    every_node = (tmp_path / "f.dot").read_text(encoding="utf-8")
    assert "neuron (collapsed)" in collapsed and "(collapsed)" not in every_node
    # 2-3-1 in full: one "w·x+b" op per neuron (4); collapsed, the neurons hide them
    assert every_node.count('label="w·x+b"') == 4
    assert collapsed.count('label="w·x+b"') == 0


def test_the_demo_defaults_table_of_the_docs_is_the_one_the_demo_uses():
    page = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([\d., ]+) \| ([\w\d., ]+) \|$", page, re.MULTILINE)
    assert sorted(row[0] for row in rows) == sorted(cli.DATASETS)
    for dataset, tensor, value in rows:
        for engine, cell in (("tensor", tensor), ("value", value)):
            d = cli.DEMO_DEFAULTS[dataset, engine]
            width, lr, epochs, *samples = (part.strip() for part in cell.split(","))
            assert (int(width), float(lr), int(epochs)) == (d.hidden_width, d.lr, d.epochs)
            if samples:  # "all 4" (every sample) or "32 of 200"
                first = samples[0].split()[0]
                assert (None if first == "all" else int(first)) == d.samples, (dataset, engine)
            else:
                assert d.samples is None
