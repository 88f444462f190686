"""A learner's file runs in a child process of its own: hostile or broken files.

Each attempt here is a file a learner (or a mischievous one) might write; the grader must
answer with FAIL lines and exit code 1, never exit 0 without a verdict, never hang, never
flood. The right answers come from the reference solutions in tests/exercise_solutions/,
written independently of the grader.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import child, cli
from tinygrad_edu.runner import Limits, check_file

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "tests" / "exercise_solutions"
RIGHT = (SOLUTIONS / "01_sigmoid_derivative.py").read_text(encoding="utf-8")
SHORT = Limits(timeout=1.5)


def write(tmp_path, text, name="attempt.py", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run_check(path, capsys, *options):
    code = cli.main(["check", str(path), *options])
    out, err = capsys.readouterr()
    return code, out, err


# --- the file ends the process, or raises what is not an Exception ---------------------------

HOSTILE_LOAD = {
    "sys.exit(0) at import": "import sys\nsys.exit(0)\n",
    "exit() at import": "exit()\n",
    "os._exit(0) at import": "import os\nos._exit(0)\n",
    "KeyboardInterrupt at import": "raise KeyboardInterrupt\n",
    "a crash at import": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
}


@pytest.mark.parametrize("text", HOSTILE_LOAD.values(), ids=HOSTILE_LOAD.keys())
def test_a_file_that_ends_the_process_while_loading_fails(text, tmp_path, capsys):
    code, out, err = run_check(write(tmp_path, RIGHT + text), capsys)
    assert code == 1 and err == ""
    assert out.startswith("FAIL ") and "Traceback" not in out
    assert "PASS" not in out


HOSTILE_CALL = {
    "sys.exit(0)": ("import sys", "sys.exit(0)", "raised SystemExit"),
    "os._exit(0)": ("import os", "os._exit(0)", "ended with exit code 0"),
    "KeyboardInterrupt": ("", "raise KeyboardInterrupt", "raised KeyboardInterrupt"),
    "SIGKILL of itself": ("import os, signal", "os.kill(os.getpid(), signal.SIGKILL)", "SIGKILL"),
    "MemoryError": ("", "raise MemoryError", "raised MemoryError"),
    "a huge allocation": ("import numpy as np", "np.ones(10**11)", "MemoryError"),
    "a list that grows": ("", "x = []\n    while True: x.append([0] * 10**6)", "MemoryError"),
}


@pytest.mark.parametrize("head, body, message", HOSTILE_CALL.values(), ids=HOSTILE_CALL.keys())
def test_a_function_that_ends_the_process_fails_every_case(head, body, message, tmp_path, capsys):
    text = f"{head}\n\ndef sigmoid_derivative(net):\n    {body}\n"
    # a generous limit: filling 1 GiB takes a while on a busy machine
    code, out, err = run_check(write(tmp_path, text), capsys, "--timeout", "60")
    assert code == 1 and err == ""
    assert out.count("FAIL sigmoid_derivative case") == 3, out
    assert message in out and out.splitlines()[-1] == "0/3 cases pass"


def test_only_the_case_that_crashes_fails_the_next_runs_in_a_fresh_child(tmp_path, capsys):
    text = RIGHT + (
        "\n_right = sigmoid_derivative\n\n"
        "def sigmoid_derivative(net):\n"
        "    import os\n"
        "    if net.ndim == 1:\n"
        "        os._exit(3)\n"
        "    return _right(net)\n"
    )
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 1
    assert "PASS sigmoid_derivative case 1" in out and "PASS sigmoid_derivative case 3" in out
    assert "FAIL sigmoid_derivative case 2" in out and "exit code 3" in out


# --- endless loops -------------------------------------------------------------------------


def test_an_endless_loop_in_the_function_is_a_fail_after_the_limit(tmp_path):
    text = "def sigmoid_derivative(net):\n    while True:\n        pass\n"
    result = check_file(write(tmp_path, text), SHORT)
    assert result.passed == 0 and result.total == 3
    text = "\n".join(result.lines)
    assert "no answer within the time limit of 1.5 s" in text
    assert text.count("not run: case 1 ran out of time") == 2


def test_an_endless_loop_at_import_is_one_fail_line(tmp_path):
    result = check_file(write(tmp_path, RIGHT + "while True:\n    pass\n"), SHORT)
    assert not result.ok and len(result.lines) == 1
    assert result.lines[0].startswith("FAIL ") and "time limit" in result.lines[0]


def test_the_timeout_option_is_checked(tmp_path, capsys):
    for bad in ("0", "-1", "nan", "x", "1e9"):
        with pytest.raises(SystemExit) as exit_:
            cli.main(["check", str(tmp_path / "a.py"), "--timeout", bad])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--timeout" in err


# --- output floods --------------------------------------------------------------------------


def test_a_print_flood_is_cut_and_does_not_hang(tmp_path, capsys):
    text = RIGHT.replace(
        "return",
        "print('x' * 10**6)\n    import sys\n    sys.stderr.write('y' * 10**6)\n    return",
    )
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 0, out
    assert "3/3 cases pass" in out
    assert len(out) < 10_000 and "more output, cut at 2000 characters" in out


def test_what_a_learner_prints_is_shown_after_the_verdict(tmp_path, capsys):
    text = RIGHT + "\nprint('shape check', 1 + 1)\n"
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 0
    assert out.splitlines()[-2:] == ["what your file printed:", "    shape check 2"]


def test_input_reads_nothing_and_the_channel_is_not_stdout(tmp_path, capsys):
    # input() gets an end of file at once; printing bytes that look like a message on
    # stdout does not reach the channel.
    text = "import sys\ntry:\n    input()\nexcept EOFError:\n    pass\n" + RIGHT
    text += "\nsys.stdout.buffer.write(b'\\x00' * 64)\n"
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 0, out


# --- tampering: the verdict is the parent's ----------------------------------------------------

TAMPER = {
    "numpy.allclose always true": "import numpy\nnumpy.allclose = lambda *a, **k: True\n",
    "numpy.isclose always true": "import numpy\nnumpy.isclose = lambda *a, **k: numpy.True_\n",
    "the grader's close": ("import tinygrad_edu.feedback as g\ng.close = lambda a, b: True\n"),
    "the grader's judge": (
        "import tinygrad_edu.exercises as e\ne.judge = lambda case, reply: []\n"
    ),
    "builtins.print and open": "import builtins\nbuiltins.print = None\nbuiltins.open = None\n",
    "sys.modules cleared": "import sys\nsys.modules.clear()\n",
}


@pytest.mark.parametrize("tamper", TAMPER.values(), ids=TAMPER.keys())
def test_tampering_in_the_child_cannot_turn_a_fail_into_a_pass(tamper, tmp_path, capsys):
    text = tamper + "\ndef sigmoid_derivative(net):\n    return net * (1 - net)\n"
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 1 and "PASS" not in out, out
    assert out.splitlines()[-1] == "0/3 cases pass"


def test_a_result_that_pretends_to_be_numbers_is_not_a_pass(tmp_path, capsys):
    text = (
        "class Liar:\n"
        "    def __eq__(self, other): return True\n"
        "    def __array__(self, *a, **k): raise TypeError('no')\n"
        "def sigmoid_derivative(net):\n    return Liar()\n"
    )
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 1 and "returned Liar, expected a numpy array" in out


# --- reading files as Python does -------------------------------------------------------------


def test_a_file_with_a_byte_order_mark_is_read_as_python_reads_it(tmp_path, capsys):
    path = write(tmp_path, "\ufeff# σ′ = O (1 − O)\n" + RIGHT)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    code, out, _ = run_check(path, capsys)
    assert code == 0 and "3/3 cases pass" in out


def test_a_file_with_a_coding_line_is_read_in_its_encoding(tmp_path, capsys):
    text = "# -*- coding: latin-1 -*-\n# Übung: é\n"
    latin = RIGHT.encode("latin-1", "replace").decode("latin-1")  # σ′ in comments → ?
    path = write(tmp_path, text + latin, encoding="latin-1")
    assert b"\xdc" in path.read_bytes()  # Ü in latin-1: not valid UTF-8
    code, out, _ = run_check(path, capsys)
    assert code == 0, out


def test_a_wrong_coding_line_is_a_syntax_error_line(tmp_path, capsys):
    path = write(tmp_path, "# coding: no-such-codec\n" + RIGHT)
    code, out, _ = run_check(path, capsys)
    assert code == 1 and out.startswith("FAIL ") and "SyntaxError" in out


def test_a_file_defining_two_exercises_is_graded_for_both(tmp_path, capsys):
    text = RIGHT + "\n" + (SOLUTIONS / "09_weight_gradient.py").read_text(encoding="utf-8")
    code, out, _ = run_check(write(tmp_path, text), capsys)
    assert code == 0, out
    assert out.count("PASS sigmoid_derivative") == 3 and out.count("PASS weight_gradient") == 3
    assert out.splitlines()[-1] == "6/6 cases pass in all (sigmoid_derivative, weight_gradient)"


# --- the messages between parent and child -----------------------------------------------------


def test_messages_round_trip_without_pickle():
    message = {
        "a": [np.arange(6.0).reshape(2, 3), (1, 2.5, None, True)],
        "s": "σ′",
        "b": b"\x00\xff",
        "n": np.array(3.0),
        "big": float("inf"),
    }
    back = child.decode(child.encode(message))
    assert back["s"] == "σ′" and back["b"] == b"\x00\xff" and back["big"] == float("inf")
    assert np.array_equal(back["a"][0], message["a"][0]) and back["a"][1] == (1, 2.5, None, True)
    assert back["n"].shape == ()
    with pytest.raises(TypeError):
        child.encode(np.array([object()]))
    with pytest.raises(TypeError):
        child.encode({1, 2})


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x00\x00\x00\x05nope!",
        b"\x00\x00\x00\x02{}",
        b'\x00\x00\x00\x1f{"a": ["|O", [1], 0, 8]}      ' + b"\x00" * 8,
        b'\x00\x00\x00\x1c{"a": ["<f8", [4], 0, 32]}' + b"\x00" * 8,
    ],
)
def test_a_broken_message_is_a_value_error(payload):
    with pytest.raises(ValueError, match=r"not a message|does not match"):
        child.decode(payload)


def test_what_the_learner_returns_becomes_plain_numbers():
    assert child.to_plain(None) is None
    assert child.to_plain("0.5") == {"returned": "str"}
    assert child.to_plain({"a": 1}) == {"returned": "dict"}
    assert child.to_plain(1 + 2j) == {"returned": "complex"}
    assert child.to_plain([1, [2.0]])[1][0].dtype == np.float64
    assert child.to_plain([0] * 5000) == {"returned": "a list of 5000 items"}


# --- Ctrl-C by the person running check -------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_stops_check_with_one_line_and_no_child_left(tmp_path):
    path = write(tmp_path, "import time\ntime.sleep(60)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "check", str(path), "--timeout", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _children(process.pid):
        time.sleep(0.1)
    kids = _children(process.pid)
    assert kids, "the child process never started"
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip() == "tinygrad-edu check: interrupted (Ctrl-C)" and out == ""
    time.sleep(0.5)
    assert not any(Path(f"/proc/{pid}").exists() for pid in kids)


def _children(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


# --- notebooks ------------------------------------------------------------------------------


def notebook(*cells):
    """An nbformat-4 notebook: a str is a code cell, ("markdown", text) a markdown cell."""
    made = []
    for cell in cells:
        kind, text = ("code", cell) if isinstance(cell, str) else cell
        lines = text.splitlines(keepends=True)
        made.append({"cell_type": kind, "metadata": {}, "source": lines, "outputs": []})
    return json.dumps({"cells": made, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_a_notebook_is_graded_from_its_code_cells_and_left_unchanged(tmp_path, capsys):
    head, _, body = RIGHT.partition("def ")
    text = notebook(
        ("markdown", "# Exercise 1\nσ′ = O (1 − O)"),
        "%matplotlib inline\n!pip install nothing\n" + head,
        "%%time\nthis cell is not Python at all\n",
        "def " + body,
        "sigmoid_derivative(np.zeros(2))\n",
    )
    path = write(tmp_path, text, name="01_sigmoid_derivative.ipynb")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    code, out, err = run_check(path, capsys)
    assert code == 0 and err == "", out
    assert out.count("PASS sigmoid_derivative") == 3
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_notebook_with_a_syntax_error_names_the_cell(tmp_path, capsys):
    text = notebook("import numpy as np\n", "def sigmoid_derivative(net)\n    return net\n")
    code, out, _ = run_check(write(tmp_path, text, name="nb.ipynb"), capsys)
    assert code == 1 and "nb.ipynb cell 2: line 1: SyntaxError" in out


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not a Jupyter notebook in nbformat 4"),
        ('{"worksheets": []}', "not a Jupyter notebook in nbformat 4"),
        (b"\xff\xfe", "not a Jupyter notebook in nbformat 4"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_a_usage_error(text, message, tmp_path, capsys):
    code, out, err = run_check(write(tmp_path, text, name="nb.ipynb"), capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1
