"""Every example runs as a learner runs it: each script as a subprocess, the notebook executed.

Each script runs in a fresh temporary folder with an output folder argument, must exit 0
and must write what it says it writes.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
# every example but the two-process one, which has a test of its own (it needs PyTorch)
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if p.name != "ddp_two_processes.py")
HAS_DOT = shutil.which("dot") is not None


def run_script(
    script: Path, cwd: Path, *args: str, env: dict[str, str] | None = None, code: str = ""
) -> subprocess.CompletedProcess:
    """Run ``script`` (or ``python -c code``) in ``cwd`` with the repository importable."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH", ""), str(REPO)) if p)
    env["MPLBACKEND"] = "Agg"  # never open a window
    command = ["-c", code] if code else [str(script), *args]
    return subprocess.run(
        [sys.executable, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_examples_folder_holds_the_promised_examples():
    names = {path.name for path in SCRIPTS}
    assert {
        "scalar_graph.py",
        "worked_example.py",
        "train_xor_moons.py",
        "compare_2_3_1.py",
        "quickstart.py",
        "train_spirals.py",
        "train_digits.py",
    } <= names
    assert (EXAMPLES / "ddp_two_processes.py").exists()
    assert (EXAMPLES / "tutorial.ipynb").exists()


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_example_script_runs(script, tmp_path):
    # Given no folder, an example writes nothing into the current one (its files are
    # checked with a folder below).
    result = run_script(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_worked_example_script_prints_the_exact_updated_weights(tmp_path):
    result = run_script(EXAMPLES / "worked_example.py", tmp_path, str(tmp_path))
    lines = result.stdout.splitlines()
    rows = {line.split()[0]: line.split() for line in lines if re.match(r"w[1-6] +[\d.]+ ", line)}
    # Note 05: w_new = w_old − 0.05 · Δ · (input of the weight), Δ = 0.191 − 1 = −0.809.
    exact = {
        "w1": 0.11 + 0.05 * 0.809 * 0.14 * 2,
        "w2": 0.12 + 0.05 * 0.809 * 0.15 * 2,
        "w3": 0.21 + 0.05 * 0.809 * 0.14 * 3,
        "w4": 0.08 + 0.05 * 0.809 * 0.15 * 3,
        "w5": 0.14 + 0.05 * 0.809 * 0.85,
        "w6": 0.15 + 0.05 * 0.809 * 0.48,
    }
    for name, value in exact.items():
        assert float(rows[name][3]) == pytest.approx(value, abs=1e-9), name
    suffix = "svg" if HAS_DOT else "dot"
    assert (tmp_path / f"worked_example.{suffix}").exists()


def test_train_example_reaches_full_accuracy_and_saves_models(tmp_path):
    result = run_script(EXAMPLES / "train_xor_moons.py", tmp_path, str(tmp_path / "models"))
    assert result.returncode == 0, result.stderr
    accuracies = [line for line in result.stdout.splitlines() if "accuracy" in line]
    assert len(accuracies) == 4  # XOR and moons, both engines
    assert all("accuracy 100.0 %" in line for line in accuracies)
    assert len(list((tmp_path / "models").glob("*.npz"))) == 4


def printed_percent(stdout: str, what: str) -> float:
    """The percentage printed after ``what`` (e.g. "training accuracy 99.3 %")."""
    match = re.search(rf"{what} ([\d.]+) %", stdout)
    assert match, stdout
    return float(match[1])


def test_spirals_example_reaches_95_percent_training_accuracy(tmp_path):
    result = run_script(EXAMPLES / "train_spirals.py", tmp_path, str(tmp_path))
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-10:]
    assert printed_percent("\n".join(last), "3 classes: training accuracy") >= 95.0
    assert (tmp_path / "spirals.npz").exists()


def test_digits_example_reaches_its_stated_test_accuracy(tmp_path):
    pytest.importorskip("sklearn")
    result = run_script(EXAMPLES / "train_digits.py", tmp_path, str(tmp_path))
    assert result.returncode == 0, result.stderr
    # measured 98.0 % with seed 0 (the example's docstring and docs/softmax-cross-entropy.md)
    assert printed_percent(result.stdout, "digits: test accuracy") >= 96.0
    assert (tmp_path / "digits.npz").exists()


def test_tutorial_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(EXAMPLES / "tutorial.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    texts = "".join(out.get("text", "") for out in outputs)
    assert "all agree" in texts
    if HAS_DOT:  # the graphs show inline as SVG
        assert sum("image/svg+xml" in out.get("data", {}) for out in outputs) >= 2


def test_scalar_graph_without_a_folder_leaves_nothing_behind(tmp_path):
    work, temp = tmp_path / "work", tmp_path / "temp"
    work.mkdir()
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    result = run_script(EXAMPLES / "scalar_graph.py", work, env=env)
    assert result.returncode == 0, result.stderr
    assert "pass a folder" in result.stdout
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []


def test_check_your_rules_example_finds_the_missing_f_prime_then_agrees(tmp_path):
    result = run_script(EXAMPLES / "check_your_rules.py", tmp_path, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "hint (missing f′)" in result.stdout
    assert "first difference: layer 1 (hidden), δ of unit 1" in result.stdout
    assert result.stdout.rstrip().endswith("13 weights and biases compared, all agree")


@pytest.mark.torch
def test_moving_on_example_trains_the_same_in_both_libraries(tmp_path):
    result = run_script(EXAMPLES / "moving_on_to_pytorch.py", tmp_path, str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "largest difference of the losses over 300 epochs" in result.stdout


def test_moving_on_example_without_torch_prints_how_to_install_it(tmp_path):
    script = EXAMPLES / "moving_on_to_pytorch.py"
    hide_torch = (
        "import runpy, sys; sys.modules['torch'] = None; "  # find_spec('torch') is now None
        f"sys.argv = [{str(script)!r}]; runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    result = run_script(script, tmp_path, code=hide_torch)
    assert result.returncode == 0, result.stderr
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in result.stdout
    assert "Traceback" not in result.stderr


def test_diagnostics_example_shows_delta_shrinking_only_with_sigmoid(tmp_path):
    result = run_script(EXAMPLES / "training_diagnostics.py", tmp_path, str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    first_layer = {
        line.split()[0]: float(line.split()[1])  # ‖δ_1‖ / ‖δ_6‖
        for line in result.stdout.splitlines()
        if line.split() and line.split()[0] in ("sigmoid", "tanh", "relu")
    }
    assert first_layer["sigmoid"] < 2e-3
    assert first_layer["tanh"] > 0.5
    assert first_layer["relu"] > 0.5
    assert "equals the tensor engine's: True" in result.stdout
    if "wrote" in result.stdout:  # matplotlib installed
        assert len(list((tmp_path / "out").glob("diagnostics_*.png"))) == 3


def test_the_notebooks_colour_key_matches_its_drawing():
    # The key in words ("green: inputs and constants, blue: weights, red: the error") and
    # the colours the drawing below it gives those records, read as a person reads them:
    # the strongest of red, green and blue in the fill.
    cells = json.loads((EXAMPLES / "tutorial.ipynb").read_text(encoding="utf-8"))["cells"]
    text = "".join(next(c["source"] for c in cells if "green: " in "".join(c["source"])))
    key = dict(pair.split(": ") for pair in re.search(r"\((green: [^)]*)\)", text)[1].split(", "))
    assert key == {"green": "inputs and constants", "blue": "weights", "red": "the error"}
    namespace: dict = {}
    for cell in cells[:4]:  # the imports and the network of section 1
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), namespace)
    from tinygrad_edu.viz import draw_graph

    source = draw_graph(namespace["error"], "TB", legend=False).source
    records = re.findall(r'BGCOLOR="#(\w{6})".*tooltip="(\S+) \(', source)
    colour_of = {label: fill for fill, label in records}
    drawn = {name: colour_of[name] for name in ("x1", "x2", "w1", "w6")}

    def word(fill: str) -> str:
        rgb = [int(fill[i : i + 2], 16) for i in (0, 2, 4)]
        return ("red", "green", "blue")[rgb.index(max(rgb))]

    assert {name: word(fill) for name, fill in drawn.items()} == {
        "x1": "green", "x2": "green", "w1": "blue", "w6": "blue"
    }  # fmt: skip
    root = re.search(r'BGCOLOR="#(\w{6})"[^\n]*tooltip="[^"]*loss / output', source)[1]
    assert word(root) == "red"


@pytest.mark.torch
def test_ddp_on_two_processes_all_reduces_the_whole_batchs_delta_rule_gradient(tmp_path):
    # The example checks, at each step, 2 × DDP's all-reduced gradient against the notes'
    # δ rules on the whole batch (rules.backward, by hand in NumPy); it fails otherwise.
    result = run_script(EXAMPLES / "ddp_two_processes.py", tmp_path)
    assert result.returncode == 0, result.stderr
    steps = re.findall(r"max \|difference\| = (\S+)$", result.stdout, flags=re.MULTILINE)
    assert len(steps) == 5 and all(float(d) <= 1e-12 for d in steps)
    assert "the 2 processes hold the same weights after 5 steps" in result.stdout
    assert list(tmp_path.iterdir()) == []  # the rendezvous file lived in a temporary folder
