"""`tinygrad-edu check`: the exercises' grader.

The reference solutions in tests/exercise_solutions/ are written independently of
tinygrad_edu.rules (loops, outer products), so a pass means the grader's expected values
equal the notes' formulas. Each typical wrong solution must fail with its matching hint,
and the untouched stubs must fail with one clear line per case.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu import cli
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.grading import HALF, MISSING_F_PRIME, NET_FOR_O, ONE_OVER_N, SIGN, TRANSPOSED
from tinygrad_edu.runner import check_file

REPO = Path(__file__).resolve().parents[1]
STUBS = sorted((REPO / "tinygrad_edu" / "exercise_stubs").glob("[0-9]*.py"))
SOLUTIONS = REPO / "tests" / "exercise_solutions"


def check(path, capsys):
    code = cli.main(["check", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_there_are_five_stubs_and_five_reference_solutions():
    assert [p.name for p in STUBS] == [
        "01_sigmoid_derivative.py",
        "02_output_delta.py",
        "03_hidden_delta.py",
        "04_weight_gradient.py",
        "05_one_update.py",
    ]
    assert sorted(p.name for p in SOLUTIONS.glob("*.py")) == [p.name for p in STUBS]
    for stub in STUBS:  # the stubs hold the formula and no solution
        text = stub.read_text(encoding="utf-8")
        assert "raise NotImplementedError" in text and "tinygrad-edu check" in text


@pytest.mark.parametrize("stub", STUBS, ids=[p.stem for p in STUBS])
def test_each_reference_solution_passes_every_case(stub, capsys):
    code, out, err = check(SOLUTIONS / stub.name, capsys)
    assert code == 0, out
    assert "FAIL" not in out and err == ""
    lines = out.splitlines()
    assert sum(line.startswith("PASS") for line in lines) == 3
    assert lines[-1] == "3/3 cases pass"


@pytest.mark.parametrize("stub", STUBS, ids=[p.stem for p in STUBS])
def test_an_untouched_stub_fails_cleanly(stub, capsys):
    code, out, err = check(stub, capsys)
    assert code == 1 and err == ""
    assert out.count("not implemented yet") == 3
    assert "Traceback" not in out
    assert out.splitlines()[-1] == "0/3 cases pass"


# (exercise, the wrong body, the hint it must get)
WRONG = [
    ("sigmoid_derivative(net)", "return net * (1 - net)", NET_FOR_O),
    ("sigmoid_derivative(net)", "O = 1 / (1 + np.exp(-net))\n    return O * (O - 1)", SIGN),
    ("output_delta(net, O, t)", "return O - t", MISSING_F_PRIME),
    ("output_delta(net, O, t)", "return (t - O) * O * (1 - O)", SIGN),
    ("output_delta(net, O, t)", "return 2 * (O - t) * O * (1 - O)", HALF),
    ("output_delta(net, O, t)", "return (O - t) * net * (1 - net)", NET_FOR_O),
    ("output_delta(net, O, t)", "return (net - t) * O * (1 - O)", NET_FOR_O),
    ("hidden_delta(net, O, W_next, delta_next)", "return delta_next @ W_next", MISSING_F_PRIME),
    (
        "hidden_delta(net, O, W_next, delta_next)",
        "return O * (1 - O) * (delta_next @ W_next.T)",
        TRANSPOSED,
    ),
    (
        "hidden_delta(net, O, W_next, delta_next)",
        "return net * (1 - net) * (delta_next @ W_next)",
        NET_FOR_O,
    ),
    ("weight_gradient(delta, O_prev)", "return O_prev.T @ delta", TRANSPOSED),
    ("weight_gradient(delta, O_prev)", "return delta.T @ O_prev / len(delta)", ONE_OVER_N),
    ("weight_gradient(delta, O_prev)", "return -(delta.T @ O_prev)", SIGN),
]

UPDATE = """
def one_update(weights, x, t, lr):
    outs = [x]
    for W in weights:
        outs.append(W @ outs[-1])
    delta = {output}
    new = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        new[l] = weights[l] {step} lr * np.outer(delta, outs[l])
        delta = {back}
    return new
"""
RIGHT_UPDATE = {"output": "outs[-1] - t", "step": "-", "back": "weights[l].T @ delta"}
WRONG += [
    ("", UPDATE.format(**{**RIGHT_UPDATE, "step": "+"}), SIGN),
    ("", UPDATE.format(**{**RIGHT_UPDATE, "output": "2 * (outs[-1] - t)"}), HALF),
    ("", UPDATE.format(**{**RIGHT_UPDATE, "back": "weights[l] @ delta"}), TRANSPOSED),
]


def source(signature, body):
    if not signature:  # a whole function
        return "import numpy as np\n" + body
    return f"import numpy as np\n\n\ndef {signature}:\n    {body}\n"


@pytest.mark.parametrize("signature, body, label", WRONG, ids=[w[2] for w in WRONG])
def test_each_typical_wrong_solution_fails_with_the_matching_hint(
    signature, body, label, tmp_path, capsys
):
    path = tmp_path / "attempt.py"
    path.write_text(source(signature, body), encoding="utf-8")
    code, out, err = check(path, capsys)
    assert code == 1 and err == ""
    assert f"hint ({label})" in out, out
    assert "expected" in out and "Traceback" not in out


def test_the_right_update_written_here_passes(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(source("", UPDATE.format(**RIGHT_UPDATE)), encoding="utf-8")
    assert check(path, capsys)[0] == 0


def test_a_failing_case_names_the_entry_and_both_numbers(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(source("output_delta(net, O, t)", "return O - t"), encoding="utf-8")
    result = check_file(path)
    assert result.passed == 0 and result.total == 3
    line = next(line for line in result.lines if line.strip().startswith("δ at [0, 0]:"))
    assert "expected" in line and "got" in line


@pytest.mark.parametrize(
    "text, message",
    [
        ("def output_delta(net, O, t)\n    return O\n", "line 1: SyntaxError"),
        (
            "import numpy as np\nraise RuntimeError('oops')\n",
            "running the file raised RuntimeError",
        ),
        ("def output_delta(net, O, t):\n    return undefined\n", "raised NameError"),
        ("def output_delta(net, O, t):\n    return 'text'\n", "expected a numpy array"),
        ("def one_update(weights, x, t, lr):\n    return 3\n", "expected a list of 2 matrices"),
        ("def output_delta(net, O, t):\n    O - t\n", "returned None: is the `return` line"),
        (
            "def one_update(weights, x, t, lr):\n    return [W.T for W in weights]\n",
            "returned a matrix of shape (2, 1) for layer 2, expected (1, 2)",
        ),
    ],
)
def test_a_broken_attempt_gets_one_clear_line(text, message, tmp_path, capsys):
    path = tmp_path / "attempt.py"
    path.write_text(text, encoding="utf-8")
    code, out, err = check(path, capsys)
    assert code == 1 and err == ""
    assert message in out and "Traceback" not in out


def test_a_shape_error_in_the_learners_code_gets_the_shape_hint(tmp_path, capsys):
    path = tmp_path / "attempt.py"
    body = "return O * (1 - O) * (W_next @ delta_next)"  # W δ_next: shapes do not fit
    path.write_text(source("hidden_delta(net, O, W_next, delta_next)", body), encoding="utf-8")
    code, out, _ = check(path, capsys)
    assert code == 1 and "raised ValueError" in out and "hint: check the shapes" in out


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("missing.py", None, "cannot read it"),
        ("notes.txt", "x", "expected a Python file (.py) or a notebook (.ipynb)"),
        ("other.py", "def f():\n    pass\n", "defines none of the exercises' functions"),
    ],
)
def test_a_path_that_is_not_an_exercise_is_a_usage_error(name, text, message, tmp_path, capsys):
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    code, out, err = check(path, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("tinygrad-edu check:")


def test_a_directory_is_a_usage_error(tmp_path, capsys):
    folder = tmp_path / "dir.py"
    folder.mkdir()
    code, _, err = check(folder, capsys)
    assert code == 2 and "cannot read it" in err and err.count("\n") == 1


def test_the_command_line_exit_codes(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    codes = [
        subprocess.run(
            [sys.executable, "-m", "tinygrad_edu", "check", str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        ).returncode
        for path in (SOLUTIONS / "02_output_delta.py", STUBS[1], tmp_path / "nope.py")
    ]
    assert codes == [0, 1, 2]


def test_every_exercise_has_three_cases():
    assert all(len(exercise.cases()) == 3 for exercise in EXERCISES.values())


def test_check_has_help_and_needs_a_file(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("usage: tinygrad-edu check")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "FILE" in err
