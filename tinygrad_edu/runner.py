"""Checking a learner's file: run in a child process of its own, with limits; judged here.

:func:`check_file` grades every exercise a file defines (``tinygrad-edu check``),
:func:`grade_file` one named exercise, and :func:`grade_folder` a whole class, one folder
per student, into :class:`Grade` rows for :func:`write_csv` and :func:`write_json`
(``tinygrad-edu grade``); :func:`copy_stubs` gives the stubs out (``tinygrad-edu
exercises``). Each file is read
as Python reads it (bytes, so a byte-order mark and a PEP 263 coding line work; a Jupyter
notebook's code cells in order) and run by :mod:`tinygrad_edu.child` in a fresh process:

- each case has a time limit (``timeout`` seconds; an endless loop is a failed case, and
  the exercise's later cases are not run); loading the file has the same limit;
- the child's address space is capped (``memory`` bytes, where the OS has such a limit:
  Linux; macOS and Windows do not enforce it), so a huge allocation is a MemoryError;
- SystemExit, KeyboardInterrupt, ``os._exit`` and crashes in the learner's code are failed
  cases (a fresh child runs the next case); the learner's printed output is read and kept
  only up to :data:`OUTPUT_KEEP` characters;
- :func:`grade_folder` forks each file's process from a fork server that has NumPy loaded
  (Linux): a fresh process per file all the same, at a fraction of a Python start;
- the verdict is :func:`exercises.judge` on the values the child sent back, here in the
  parent, so nothing the file does to numpy, builtins or the grader's modules in its own
  process can turn a failed case into a passed one.

These limits keep a mistake from stopping the grading; they are not a security sandbox: the
child runs with the grader's user rights (files, network). Grade untrusted code inside a
throwaway container or virtual machine.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from . import child, exercise_stubs, exercises
from .exercises import EXERCISES, Case, Exercise, judge

DEFAULT_TIMEOUT = 3.0  # seconds per case (and for loading the file)
DEFAULT_MEMORY = 2**30  # bytes of address space for the child (Linux)
STARTUP_TIMEOUT = 60.0  # for Python and numpy to start in the child, on a busy machine
OUTPUT_KEEP = 2000  # characters of the learner's printed output kept for the report
SUFFIXES = (".py", ".ipynb")


class ExerciseFileError(ValueError):
    """The path is not a readable exercise file (.py or .ipynb) defining an exercise."""


@dataclass
class CheckResult:
    """What a check found: one line per case (hints on their own lines), the count of
    passed cases, the first failure in one line ("" when all pass) and the learner's
    printed output (bounded; "" when none)."""

    exercise: str
    lines: list[str]
    passed: int
    total: int
    first_failure: str = ""
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total


@dataclass
class Limits:
    """Per case: ``timeout`` seconds; for the child process: ``memory`` bytes; ``fork``:
    fork each child from a server with NumPy loaded instead of starting Python (Linux)."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    fork: bool = False  # children from a fork server (Linux): for grading many files


# --- reading a file as Python (or Jupyter) does ----------------------------------------------

Source = list[tuple[str, "bytes | str"]]


def read_source(path: Path) -> Source:
    """The pieces of code in ``path``, in order: a .py file's bytes (compiled as bytes, so
    its BOM and coding line count), or a notebook's code cells, IPython's ``%magic`` and
    ``!shell`` lines replaced by ``pass`` (the line numbers kept)."""
    if path.suffix not in SUFFIXES:
        raise ExerciseFileError(f"{path}: expected a Python file (.py) or a notebook (.ipynb)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExerciseFileError(f"{path}: cannot read it ({error.strerror or error})") from None
    if path.suffix == ".py":
        return [(str(path), data)]
    return _notebook_cells(path, data)


def _notebook_cells(path: Path, data: bytes) -> Source:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
        cells = notebook["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise ExerciseFileError(
            f"{path}: not a Jupyter notebook in nbformat 4 ({type(error).__name__}: {error})"
        ) from None
    pieces: Source = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if text.lstrip().startswith("%%"):  # a cell magic (%%time, %%bash …): not Python
            continue
        lines = [_skip_magic(line) for line in text.split("\n")]
        pieces.append((f"{path} cell {number}", "\n".join(lines)))
    return pieces


def _skip_magic(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(("%", "!")):
        return f"{line[: len(line) - len(stripped)]}pass  # skipped: {stripped[:60]}"
    return line


# --- one child process -----------------------------------------------------------------------


class ChildGoneError(Exception):
    """The child did not answer: it ended, crashed, ran out of time or sent garbage."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


class LoadError(Exception):
    """The file did not load: a syntax error, or it raised while it ran."""


_live: set[_Child] = set()  # the children running now, for stop_all
_live_lock = threading.Lock()
_stopping = threading.Event()


def stop_all(stop: bool = True) -> None:
    """Kill every running child and start no new one (Ctrl-C while grading a folder):
    the threads waiting for them get a ChildGoneError at once. ``stop_all(False)`` allows
    new children again."""
    if not stop:
        _stopping.clear()
        return
    _stopping.set()
    with _live_lock:
        running = list(_live)
    for process in running:
        process.close()


CHILD_ENV = {
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    # one core per child: two run side by side when grading
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def _popen(memory: int) -> subprocess.Popen[bytes]:
    """A fresh ``python child.py`` (every platform): Python and NumPy start each time."""
    if os.name == "posix":  # its own session: the terminal's Ctrl-C goes to the parent
        options: dict[str, Any] = {"start_new_session": True}
    else:
        options = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    return subprocess.Popen(
        [sys.executable, child.__file__, str(memory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **CHILD_ENV},
        **options,
    )


class _Forked:
    """A child forked from a fork server that has NumPy and the child module loaded (Linux,
    for grading many files: a fork instead of a Python start per file). The server never
    runs a learner's code; each file still gets a fresh process of its own. It offers what
    :class:`_Child` uses of a Popen: ``pid``, ``stdin``, ``stdout``, ``stderr``, ``poll``,
    ``wait``."""

    _context: Any = None

    def __init__(self, memory: int) -> None:
        if _Forked._context is None:
            _Forked._context = _start_fork_server()
        channel, theirs = socket.socketpair()
        output, their_output = socket.socketpair()
        self._process = _Forked._context.Process(
            target=child.forked, args=(theirs, their_output, memory), daemon=True
        )
        self._process.start()
        theirs.close()
        their_output.close()
        self._sockets = (channel, output)
        self.pid = self._process.pid
        self.stdin = channel.makefile("wb", buffering=0)
        self.stdout = channel.makefile("rb", buffering=0)
        self.stderr = output.makefile("rb", buffering=0)

    def poll(self) -> int | None:
        code: int | None = self._process.exitcode
        return code

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired("child", timeout or 0)
        for sock in self._sockets:
            sock.close()
        return int(code)

    def kill(self) -> None:
        self._process.kill()


def _start_fork_server() -> Any:
    """multiprocessing's fork server, started with CHILD_ENV and NumPy, the child module and
    the exercises' drivers loaded once."""
    import multiprocessing
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", "numpy", exercises.__name__, child.__name__])
    saved = {name: os.environ.get(name) for name in CHILD_ENV}
    os.environ.update(CHILD_ENV)
    try:
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return context


class _Child:
    """A child process running :mod:`tinygrad_edu.child`, with a thread reading its answers
    and one reading (and bounding) the learner's printed output."""

    def __init__(self, memory: int, output: bytearray, fork: bool = False) -> None:
        if _stopping.is_set():
            raise ChildGoneError("grading was stopped")
        self.process: subprocess.Popen[bytes] | _Forked
        self.process = _Forked(memory) if fork else _popen(memory)
        self.answers: queue.Queue[Any] = queue.Queue()
        self.output = output
        self.reader = threading.Thread(target=self._read_answers, daemon=True)
        self.drain = threading.Thread(target=self._read_output, daemon=True)
        self.reader.start()
        self.drain.start()
        with _live_lock:
            _live.add(self)

    def _read_answers(self) -> None:
        assert self.process.stdout is not None
        while True:
            try:
                message = child.receive(self.process.stdout)  # type: ignore[arg-type]
            except (ValueError, OSError):
                message = None
            self.answers.put(message)
            if message is None:
                return

    def _read_output(self) -> None:
        assert self.process.stderr is not None
        while True:
            try:
                chunk = getattr(self.process.stderr, "read1", self.process.stderr.read)(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            room = 4 * OUTPUT_KEEP + 1 - len(self.output)  # bytes: up to 4 per character
            if room > 0:
                self.output += chunk[:room]

    def answer(self, timeout: float) -> dict[str, Any]:
        """The next answer, or ChildGoneError after ``timeout`` seconds (the child is killed)."""
        try:
            message = self.answers.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise ChildGoneError(
                f"no answer within the time limit of {timeout:g} s (an endless loop? "
                "--timeout gives more time)",
                timed_out=True,
            ) from None
        if not isinstance(message, dict):
            raise ChildGoneError(self._ended())
        return message

    def ask(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            child.send(self.process.stdin, message)  # type: ignore[arg-type]
        except OSError:
            raise ChildGoneError(self._ended()) from None
        return self.answer(timeout)

    def _ended(self) -> str:
        """Why the child stopped answering, once it has ended."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.close()
            return "the process sent something that is not an answer and was stopped"
        self.close()
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the process was killed by {name} (a crash, or the memory limit)"
        return (
            f"the process ended with exit code {code} before answering "
            "(os._exit, or a crash): a function must return its result"
        )

    def close(self) -> None:
        """Kill the child and everything it started, and wait for it."""
        with _live_lock:
            _live.discard(self)
        if self.process.poll() is None:
            if os.name == "posix":  # the child and whatever it started
                with contextlib.suppress(OSError):
                    os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):  # also before the child made its own group
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.drain.join(timeout=1)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@dataclass
class _Session:
    """One learner file and the child running it; a fresh child after a crash."""

    path: Path
    source: Source
    names: list[str]
    limits: Limits
    current: _Child | None = None
    output: bytearray = field(default_factory=bytearray)

    def load(self) -> list[str]:
        """Start a child and load the file; the names it defines, or ChildGoneError/LoadError."""
        self.close()
        self.current = _Child(self.limits.memory, self.output, self.limits.fork)
        self.current.answer(STARTUP_TIMEOUT)  # {"ready": True}: Python and numpy are up
        drivers = any(EXERCISES[n].call is not None for n in self.names if n in EXERCISES)
        message = {
            "load": [[name, code] for name, code in self.source],
            "folder": str(self.path.resolve().parent),
            "names": self.names,
            "drivers": drivers,
        }
        answer = self.current.ask(message, self.limits.timeout)
        if "failed" in answer:
            raise LoadError(str(answer["failed"]))
        defined = answer.get("defined")
        return [n for n in self.names if isinstance(defined, list) and n in defined]

    def call(self, exercise: Exercise, args: Any) -> dict[str, Any]:
        if self.current is None:
            self.load()
        assert self.current is not None
        message = {"call": exercise.name, "args": args, "drive": exercise.call is not None}
        try:
            return self.current.ask(message, self.limits.timeout)
        except ChildGoneError:
            self.close()
            raise

    def printed(self) -> str:
        text = bytes(self.output).decode("utf-8", errors="replace")
        if len(text) <= OUTPUT_KEEP:
            return text
        return text[:OUTPUT_KEEP] + f"\n… (more output, cut at {OUTPUT_KEEP} characters)"

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


def _run_exercise(session: _Session, exercise: Exercise, cases: list[Case]) -> CheckResult:
    """Every case of ``exercise`` in the session's child; the verdicts computed here."""
    lines: list[str] = []
    passed, first, stop = 0, "", ""
    for number, case in enumerate(cases, 1):
        if stop:
            case_lines = [f"not run: {stop}"]
        else:
            try:
                case_lines = judge(case, session.call(exercise, case.args))
            except ChildGoneError as gone:
                case_lines = [gone.reason]
                if gone.timed_out:
                    stop = f"case {number} ran out of time"
            except LoadError as failed:
                case_lines, stop = [f"loading the file again failed: {failed}"], "see above"
        passed += not case_lines
        status = "FAIL" if case_lines else "PASS"
        title = f"{status} {exercise.name} case {number} ({case.label})"
        lines.append(title + (":" if case_lines else ""))
        lines.extend("    " + line for line in case_lines)
        if case_lines and not first:
            first = f"case {number}: {_summary(case_lines)}"
    lines.append(f"{passed}/{len(cases)} cases pass")
    return CheckResult(exercise.name, lines, passed, len(cases), first)


def _summary(case_lines: list[str]) -> str:
    """One line for the CSV: the case's first line, and the hint's label if there is one."""
    labels = [line[6:].split(")")[0] for line in case_lines if line.startswith("hint (")]
    return case_lines[0] + (f" [{labels[0]}]" if labels else "")


def _load_or_fail(session: _Session) -> list[str] | str:
    """The names the file defines, or the one line saying why it did not load."""
    try:
        return session.load()
    except LoadError as failed:
        return str(failed)
    except ChildGoneError as gone:
        return f"{session.path}: loading it: {gone.reason}"


def check_file(path: str | Path, limits: Limits | None = None) -> CheckResult:
    """Grade every exercise the file ``path`` (.py or .ipynb) defines, each on all its cases.

    Raises :class:`ExerciseFileError` when ``path`` is not a readable exercise file or
    defines none of the functions in :data:`EXERCISES`. A syntax error, an error or exit
    while the file runs, an endless loop, a crash: one FAIL line, never a traceback.
    """
    path = Path(path)
    session = _Session(path, read_source(path), list(EXERCISES), limits or Limits())
    try:
        defined = _load_or_fail(session)
        if isinstance(defined, str):
            line = f"FAIL {defined}"
            return CheckResult(path.name, [line], 0, 1, defined, session.printed())
        if not defined:
            raise ExerciseFileError(
                f"{path}: defines none of the exercises' functions ({', '.join(EXERCISES)})"
            )
        results = [
            _run_exercise(session, EXERCISES[name], EXERCISES[name].cases()) for name in defined
        ]
    finally:
        session.close()
    if len(results) == 1:
        results[0].output = session.printed()
        return results[0]
    lines = [line for result in results for line in result.lines]
    passed, total = sum(r.passed for r in results), sum(r.total for r in results)
    lines.append(f"{passed}/{total} cases pass in all ({', '.join(defined)})")
    first = next((f"{r.exercise} {r.first_failure}" for r in results if r.first_failure), "")
    return CheckResult(", ".join(defined), lines, passed, total, first, session.printed())


def grade_file(
    path: Path,
    exercise: Exercise,
    limits: Limits | None = None,
    cases: list[Case] | None = None,
) -> CheckResult:
    """Grade the one ``exercise`` in ``path`` (a student's file named as the stub) on
    ``cases`` (default: the exercise's). Never raises for what the file holds; a file that
    cannot be read, does not load or does not define the function passes no case."""
    cases = exercise.cases() if cases is None else cases
    total = len(cases)
    try:
        source = read_source(path)
    except ExerciseFileError as error:
        return CheckResult(exercise.name, [f"FAIL {error}"], 0, total, str(error))
    session = _Session(path, source, [exercise.name], limits or Limits())
    try:
        defined = _load_or_fail(session)
        if isinstance(defined, str) or not defined:  # named by its file name, for the CSV
            why = (
                defined.replace(str(path), path.name)
                if isinstance(defined, str)
                else f"{path.name} does not define {exercise.name}"
            )
            return CheckResult(exercise.name, [f"FAIL {why}"], 0, total, why, session.printed())
        result = _run_exercise(session, exercise, cases)
    finally:
        session.close()
    result.output = session.printed()
    return result


# --- giving the stubs out ------------------------------------------------------------------


def stubs() -> list[tuple[str, bytes]]:
    """The stubs shipped in the package (``tinygrad_edu/exercise_stubs/``): name, bytes."""
    folder = resources.files(exercise_stubs)
    found = [
        (entry.name, entry.read_bytes())
        for entry in folder.iterdir()
        if entry.name.endswith(".py") and entry.name[:1].isdigit()
    ]
    return sorted(found)


def copy_stubs(folder: Path, force: bool = False) -> list[Path]:
    """Copy the stubs into ``folder`` (made if missing) and return their paths.

    A file of the same name that differs from the stub may hold a learner's work: unless
    ``force``, nothing is copied and ExerciseFileError names the first such file.
    """
    pieces = stubs()
    if not force:
        for name, data in pieces:
            target = folder / name
            if target.exists() and (not target.is_file() or target.read_bytes() != data):
                raise ExerciseFileError(
                    f"{target} exists and differs from the stub (your work?); "
                    "nothing copied: choose another folder, or --force to overwrite"
                )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in pieces:
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


# --- grading a whole class ------------------------------------------------------------------
# SUBMISSIONS/ holds one folder per student (the folder's name is the student's), each with
# that student's files named as the stubs are (02_output_delta.py, or .ipynb). grade_folder
# grades every file with grade_file, two child processes at a time (never two students'
# code in one process); write_csv and write_json write the grades as the CSV
# student,exercise,passed,total,first_failure and one Gradescope results.json per student.

WORKERS = 2  # child processes at a time
MISSING = "missing"
COLUMNS = ("student", "exercise", "passed", "total", "first_failure")


class SubmissionsError(ValueError):
    """The submissions folder cannot be graded (missing, not a folder, no student folders)."""


@dataclass
class Grade:
    """One student's result on one exercise (``lines``: the check's lines, for the JSON)."""

    student: str
    exercise: str
    passed: int
    total: int
    first_failure: str
    lines: list[str]


def students_in(folder: Path) -> list[Path]:
    """The student folders in ``folder``, by name; hidden ones and ``__MACOSX`` left out."""
    if not folder.is_dir():
        why = "does not exist" if not folder.exists() else "is not a folder"
        raise SubmissionsError(f"{folder}: {why}; expected one folder per student")
    found = sorted(
        p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__MACOSX"))
    )
    if not found:
        raise SubmissionsError(f"{folder}: holds no student folders (one folder per student)")
    return found


def submitted_file(student: Path, exercise: Exercise) -> Path | None:
    """The student's file for ``exercise``: the stub's name, .py first, then .ipynb."""
    stem = Path(exercise.stub).stem
    for suffix in SUFFIXES:
        path = student / (stem + suffix)
        if path.is_file():
            return path
    return None


def grade_folder(
    folder: Path,
    limits: Limits | None = None,
    exercises: Iterable[Exercise] | None = None,
    progress: bool = True,
) -> list[Grade]:
    """Every student's grade on every exercise, student by student, in the stubs' order.

    A missing file is 0 of the exercise's cases with first_failure "missing"; a file that
    hangs, crashes, floods or fills memory costs only its own cases (see :mod:`runner`).
    ``progress`` shows a bar on stderr.
    """
    stop_all(False)  # a Ctrl-C of an earlier grading in this process is over
    limits = replace(limits or Limits(), fork=sys.platform.startswith("linux"))
    chosen = sorted(exercises or EXERCISES.values(), key=lambda e: e.stub)
    cases = {e.name: e.cases() for e in chosen}
    jobs = [(student, exercise) for student in students_in(folder) for exercise in chosen]

    def grade(job: tuple[Path, Exercise]) -> Grade:
        student, exercise = job
        path = submitted_file(student, exercise)
        if path is None:
            total = len(cases[exercise.name])
            line = f"FAIL {exercise.stub}: missing (no {Path(exercise.stub).stem}.py or .ipynb)"
            result = CheckResult(exercise.name, [line], 0, total, MISSING)
        else:
            result = grade_file(path, exercise, limits, cases[exercise.name])
        return Grade(
            student.name,
            Path(exercise.stub).stem,
            result.passed,
            result.total,
            result.first_failure,
            result.lines,
        )

    return _map(grade, jobs, progress)


def _map(
    work: Callable[[tuple[Path, Exercise]], Grade],
    jobs: list[tuple[Path, Exercise]],
    progress: bool,
) -> list[Grade]:
    """``work`` on every job, WORKERS at a time (threads: the work is in child processes),
    results in the jobs' order, with a tqdm bar on stderr."""
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc="grading", unit="file", file=sys.stderr, disable=not progress)
    with bar, ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(work, job) for job in jobs]
        for future in futures:
            future.add_done_callback(lambda _: bar.update())
        try:
            return [future.result() for future in futures]
        except BaseException:  # Ctrl-C: start nothing more, stop the running children
            pool.shutdown(wait=False, cancel_futures=True)
            stop_all()
            raise


def write_csv(grades: list[Grade], path: Path) -> None:
    """The CSV ``student,exercise,passed,total,first_failure``, one row per grade."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for g in grades:
            writer.writerow([g.student, g.exercise, g.passed, g.total, g.first_failure])


def write_json(grades: list[Grade], folder: Path) -> list[Path]:
    """One Gradescope ``results.json``-shaped file per student, ``folder/STUDENT.json``:
    ``score`` and ``max_score`` (cases passed, cases in all) and one test per exercise
    with its ``name``, ``score``, ``max_score`` and ``output`` (the check's lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for student in dict.fromkeys(g.student for g in grades):
        mine = [g for g in grades if g.student == student]
        results = {
            "score": sum(g.passed for g in mine),
            "max_score": sum(g.total for g in mine),
            "tests": [
                {
                    "name": g.exercise,
                    "score": g.passed,
                    "max_score": g.total,
                    "output": "\n".join(g.lines),
                }
                for g in mine
            ],
        }
        path = folder / f"{student}.json"
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        written.append(path)
    return written


def summary(grades: list[Grade]) -> str:
    """One line: students, exercises, and per exercise how many students passed it fully."""
    students = len(dict.fromkeys(g.student for g in grades))
    per_exercise: dict[str, int] = {}
    for g in grades:
        per_exercise[g.exercise] = per_exercise.get(g.exercise, 0) + (g.passed == g.total > 0)
    fully = ", ".join(f"{name} {count}" for name, count in per_exercise.items())
    return f"{students} students, {len(per_exercise)} exercises; fully passed: {fully}"
