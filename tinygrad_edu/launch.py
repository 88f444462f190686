"""The command's first moments: Ctrl-C while the package imports ends in one line.

``tinygrad-edu`` (and ``python -m tinygrad_edu``) spend their first few tenths of a second
importing numpy and the package, before ``cli.main`` can catch anything. Importing this
module calls :func:`guard`, and the package's ``__init__`` imports it before anything
else; when this process is the
command, a Ctrl-C in that window prints ``tinygrad-edu demo: interrupted (Ctrl-C)`` and
exits with 130, as ``cli.main`` does later. ``cli.main`` calls :func:`release` as it starts,
and from then on Ctrl-C is the usual KeyboardInterrupt that it catches. Imported as a
library (a script, a notebook, the tests), nothing changes.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType

PROG = "tinygrad-edu"
MODULE = "tinygrad_edu"
_previous: list[object] = []  # the SIGINT handler guard() replaced, while it is installed


def launched_as_command(argv: list[str], orig_argv: list[str]) -> bool:
    """True when this process runs ``tinygrad-edu`` or ``python -m tinygrad_edu``.

    ``argv`` is ``sys.argv`` (the console script's path comes first), ``orig_argv`` the
    interpreter's own command line (``sys.orig_argv``: ``python -m tinygrad_edu demo``).
    """
    if argv and Path(argv[0]).stem.removesuffix("-script") == PROG:
        return True
    # The interpreter's own options come before -m; what follows the module is its own.
    options = iter(orig_argv[1:])
    for arg in options:
        if arg in ("-X", "-W", "--check-hash-based-pycs"):
            next(options, None)  # the option's value
        elif arg.startswith("-m"):
            return (arg[2:] or next(options, "")) == MODULE
        elif arg == "-c" or not arg.startswith("-"):
            return False  # a command string or a script
    return False


def interrupted_line(argv: list[str]) -> str:
    """``tinygrad-edu demo: interrupted (Ctrl-C)``: the subcommand is the first argument
    that is not an option (the command itself takes only --help and --version)."""
    command = next((arg for arg in argv[1:] if not arg.startswith("-")), "")
    return f"{PROG} {command}".rstrip() + ": interrupted (Ctrl-C)"


def _stop(signum: int, frame: FrameType | None) -> None:
    # Nothing has been printed yet: write the line straight to fd 2 and leave at once.
    os.write(2, f"\n{interrupted_line(sys.argv)}\n".encode())
    os._exit(130)


def guard() -> None:
    """Install the one-line Ctrl-C handler when this process is the command."""
    orig_argv = list(getattr(sys, "orig_argv", []))
    if _previous or not launched_as_command(sys.argv, orig_argv):
        return
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return  # Ctrl-C ignored (a background job) or handled by someone else: leave it
    _previous.append(signal.signal(signal.SIGINT, _stop))


def release() -> None:
    """Give Ctrl-C back to Python (a KeyboardInterrupt) if :func:`guard` had taken it."""
    if _previous:
        signal.signal(signal.SIGINT, _previous.pop())  # type: ignore[arg-type]


guard()
