"""`tinygrad-edu grade` and `tinygrad-edu exercises`: a class's folder, the stubs given out.

The submissions are generated here: a student who hands in the reference solutions
(tests/exercise_solutions/, written independently of the grader) must get every case, one
who hands in the untouched stubs none, and hostile files cost only their own cases. The
40-student run is in benchmarks/grading.py (its time in docs/teachers.md).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinygrad_edu import cli
from tinygrad_edu.exercises import EXERCISES

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "tests" / "exercise_solutions"
STUBS = REPO / "tinygrad_edu" / "exercise_stubs"
STEMS = sorted(Path(e.stub).stem for e in EXERCISES.values())
TOTAL = {Path(e.stub).stem: len(e.cases()) for e in EXERCISES.values()}


def solution(stem):
    return (SOLUTIONS / f"{stem}.py").read_text(encoding="utf-8")


def hostile(stem):
    """A file named as the stub ``stem`` that misbehaves in its own way (by position)."""
    name = next(e.name for e in EXERCISES.values() if Path(e.stub).stem == stem)
    bad = [
        "import sys\nsys.exit(0)\n",
        f"def {name}(*args):\n    while True:\n        pass\n",
        solution(stem) + "\nprint('x' * 3_000_000)\n",  # a flood, and right: passes
        f"import numpy as np\ndef {name}(*args):\n    return np.ones(10**11)\n",
        f"import os\ndef {name}(*args):\n    os._exit(0)\n",
    ]
    return bad[STEMS.index(stem) % len(bad)]


@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "submissions"
    for stem in STEMS:
        for student, text in (
            ("right", solution(stem)),
            ("stub", (STUBS / f"{stem}.py").read_text(encoding="utf-8")),
            ("hostile", hostile(stem)),
        ):
            (folder / student).mkdir(parents=True, exist_ok=True)
            (folder / student / f"{stem}.py").write_text(text, encoding="utf-8")
    (folder / "empty").mkdir()
    (folder / ".git").mkdir()  # hidden: not a student
    (folder / "notes.txt").write_text("not a student", encoding="utf-8")
    # a notebook, and a .py for another exercise with a BOM
    first, second = STEMS[0], STEMS[1]
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": solution(first)}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "jupyter").mkdir()
    (folder / "jupyter" / f"{first}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "jupyter" / f"{second}.py").write_bytes(b"\xef\xbb\xbf" + solution(second).encode())
    return folder


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_grade_writes_the_right_csv_and_json(submissions, tmp_path, capsys):
    out, json_dir = tmp_path / "grades.csv", tmp_path / "json"
    argv = ["grade", str(submissions), "--out", str(out), "--json", str(json_dir)]
    code = cli.main([*argv, "--timeout", "2"])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    rows = rows_of(out)
    assert list(rows[0]) == ["student", "exercise", "passed", "total", "first_failure"]
    got = {(r["student"], r["exercise"]): r for r in rows}
    students = ["empty", "hostile", "jupyter", "right", "stub"]
    assert sorted({r["student"] for r in rows}) == students
    assert len(rows) == len(students) * len(STEMS)
    for stem in STEMS:
        total = str(TOTAL[stem])
        assert got["right", stem]["passed"] == total and got["right", stem]["first_failure"] == ""
        assert got["stub", stem]["passed"] == "0"
        assert "not implemented yet" in got["stub", stem]["first_failure"]
        assert got["empty", stem]["passed"] == "0" and got["empty", stem]["total"] == total
        assert got["empty", stem]["first_failure"] == "missing"
        row = got["hostile", stem]
        flood = hostile(stem).startswith(solution(stem))
        assert row["passed"] == (total if flood else "0"), row
        assert row["total"] == total and len(row["first_failure"]) < 300
    for stem in STEMS[:2]:  # the notebook and the file with a byte-order mark
        assert got["jupyter", stem]["passed"] == str(TOTAL[stem])
    # Gradescope's results.json form, one file per student
    assert sorted(p.name for p in json_dir.iterdir()) == [f"{s}.json" for s in students]
    right = json.loads((json_dir / "right.json").read_text(encoding="utf-8"))
    assert right["score"] == right["max_score"] == sum(TOTAL.values())
    assert [t["name"] for t in right["tests"]] == STEMS
    assert all(set(t) == {"name", "score", "max_score", "output"} for t in right["tests"])
    empty = json.loads((json_dir / "empty.json").read_text(encoding="utf-8"))
    assert empty["score"] == 0 and "missing" in empty["tests"][0]["output"]
    # the summary line, and the progress bar on stderr
    summary = stdout.splitlines()[0]
    assert summary.startswith(f"5 students, {len(STEMS)} exercises; fully passed: ")
    assert "grading" in stderr and "100%" in stderr


def test_each_file_runs_in_a_process_of_its_own(tmp_path, capsys):
    folder, log = tmp_path / "class", tmp_path / "pids"
    log.mkdir()
    for student in ("ann", "ben", "cy"):
        for stem in STEMS[:2]:
            (folder / student).mkdir(parents=True, exist_ok=True)
            spy_path = str(log / f"{student}-{stem}")
            spy = f"import os\nopen({spy_path!r}, 'w').write(str(os.getpid()))\n"
            (folder / student / f"{stem}.py").write_text(spy + solution(stem), encoding="utf-8")
    out = tmp_path / "g.csv"
    assert cli.main(["grade", str(folder), "--out", str(out)]) == 0
    pids = [int(p.read_text()) for p in log.iterdir()]
    assert len(pids) == 6 and len(set(pids)) == 6 and os.getpid() not in pids


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "nope", "does not exist"),
        (lambda d: (d / "f.txt").write_text("x") and d / "f.txt", "is not a folder"),
        (lambda d: (d / "e").mkdir() or d / "e", "holds no student folders"),
    ],
)
def test_a_submissions_path_that_is_not_a_class_is_a_usage_error(make, message, tmp_path, capsys):
    path = make(tmp_path)
    code = cli.main(["grade", str(path), "--out", str(tmp_path / "g.csv")])
    _, err = capsys.readouterr()
    assert code == 2 and message in err and err.count("\n") == 1


def test_grade_checks_its_output_paths_before_grading(submissions, tmp_path, capsys):
    code = cli.main(["grade", str(submissions), "--out", str(tmp_path / "no" / "g.csv")])
    _, err = capsys.readouterr()
    assert code == 2 and "does not exist" in err and "grading" not in err
    with pytest.raises(SystemExit):
        cli.main(["grade", str(submissions)])  # --out is required
    assert "--out" in capsys.readouterr().err


# --- tinygrad-edu exercises DIR ---------------------------------------------------------------


def test_exercises_copies_every_stub_and_lists_it(tmp_path, capsys):
    target = tmp_path / "my" / "exercises"
    assert cli.main(["exercises", str(tmp_path / "my")]) == 0  # a new folder
    assert cli.main(["exercises", str(target.parent)]) == 0  # again: the same files, fine
    out = capsys.readouterr().out
    copied = sorted(p.name for p in (tmp_path / "my").iterdir())
    assert copied == sorted(e.stub for e in EXERCISES.values())
    for exercise in EXERCISES.values():
        assert (tmp_path / "my" / exercise.stub).read_bytes() == (
            STUBS / exercise.stub
        ).read_bytes()
        assert exercise.stub in out and exercise.note in out
    assert f"tinygrad-edu check {tmp_path / 'my' / copied[0]}" in out


def test_exercises_does_not_overwrite_a_learners_work_unless_forced(tmp_path, capsys):
    first = sorted(e.stub for e in EXERCISES.values())[0]
    (tmp_path / first).write_text("my work", encoding="utf-8")
    code = cli.main(["exercises", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "differs from the stub" in err and "--force" in err
    assert (tmp_path / first).read_text(encoding="utf-8") == "my work"
    assert sorted(p.name for p in tmp_path.iterdir()) == [first]  # nothing else copied
    assert cli.main(["exercises", str(tmp_path), "--force"]) == 0
    assert (tmp_path / first).read_bytes() == (STUBS / first).read_bytes()


def test_exercises_into_a_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    code = cli.main(["exercises", str(tmp_path / "f")])
    _, err = capsys.readouterr()
    assert code == 2 and "is a file" in err and err.count("\n") == 1


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_stops_grade_with_one_line_and_kills_the_running_children(tmp_path):
    folder, log = tmp_path / "class", tmp_path / "pids"
    log.mkdir()
    for student in ("ann", "ben", "cy"):
        (folder / student).mkdir(parents=True)
        spy = f"import os, time\nopen({str(log / student)!r}, 'w').write(str(os.getpid()))\n"
        (folder / student / f"{STEMS[0]}.py").write_text(spy + "time.sleep(300)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "tinygrad_edu", "grade", str(folder), "--out"]
    process = subprocess.Popen(
        [*command, str(tmp_path / "g.csv"), "--timeout", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(log.iterdir())) < 2:
        time.sleep(0.1)
    pids = [int(p.read_text()) for p in log.iterdir() if p.read_text()]
    assert len(pids) == 2, "two files should be running side by side"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and out == ""
    assert err.splitlines()[-1] == "tinygrad-edu grade: interrupted (Ctrl-C)"
    time.sleep(0.5)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert not (tmp_path / "g.csv").exists()
