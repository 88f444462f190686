"""The child process that runs ONE learner's file: the only place a learner's code runs.

:mod:`tinygrad_edu.runner` starts ``python child.py MEMORY_BYTES`` (this file, run as a
script) once per learner file, sends it the file's source and then one case's arguments at
a time, and reads back what the learner's function returned. The verdict is computed in the
parent from those values: nothing the learner's code does in here (exit, loop, allocate,
print, replace numpy or this module's functions) can turn a failed case into a passed one.

Messages, both ways, are framed as 8 bytes of length (big-endian) and a payload that holds
no pickle: 4 bytes of header length, a JSON header, then the raw bytes of the arrays the
header points to (numbers only: bool, int, uint, float). :func:`encode` and :func:`decode`
are the two directions; :func:`to_plain` turns whatever the learner returned into that
plain data (float arrays, lists of them, None, or ``{"returned": type name}``).

The protocol, parent → child, child → parent (the child starts with ``{"ready": True}``):

- ``{"load": [[name, source bytes], …], "folder": str, "names": […], "drivers": bool}`` →
  ``{"defined": [names the file defines]}`` or ``{"failed": "one line"}``;
- ``{"call": name, "args": [...], "drive": bool}`` → ``{"result": plain data}`` or
  ``{"raised": exception name, "message": its first line}``;
- end of input → the child ends (``os._exit``, so the learner's exit hooks never run).

The learner's ``print`` output (fd 1 and 2) goes to the parent's output pipe, which the
parent reads and bounds; the learner's ``input()`` reads an empty stdin.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Run as a script: sys.path[0] is this file's folder, whose modules (trace.py …) would
    # hide the standard library's; import the package this file belongs to instead.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import contextlib
import json
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

# Bounds on what a child may send: a hostile file cannot make the parent allocate much.
MAX_MESSAGE = 64 * 2**20
MAX_ELEMENTS = 2 * 10**6  # per returned array
MAX_ITEMS = 1000  # per returned list
MAX_DEPTH = 4  # lists in lists
_KINDS = "biuf"  # the dtypes a message may hold: bool, int, uint, float

# --- the message format ------------------------------------------------------------------


def encode(message: Any) -> bytes:
    """``message`` (None, bool, int, float, str, bytes, ndarray of numbers, and lists,
    tuples and dicts with str keys of those) as one payload, without pickle."""
    arrays: list[bytes] = []
    offset = 0

    def walk(value: Any) -> Any:
        nonlocal offset
        if value is None or isinstance(value, (bool, str)):
            return value if not isinstance(value, str) else {"s": value}
        if isinstance(value, (int, np.integer)):
            return {"i": int(value)}
        if isinstance(value, (float, np.floating)):
            return {"f": float(value)}
        if isinstance(value, (bytes, bytearray)):
            value = np.frombuffer(bytes(value), dtype=np.uint8)
            kind = "y"
        elif isinstance(value, np.ndarray):
            kind = "a"
        elif isinstance(value, (list, tuple)):
            return {"l" if isinstance(value, list) else "t": [walk(v) for v in value]}
        elif isinstance(value, dict):
            return {"d": {str(k): walk(v) for k, v in value.items()}}
        else:
            raise TypeError(f"cannot send a {type(value).__name__}")
        if value.dtype.kind not in _KINDS:
            raise TypeError(f"cannot send an array of dtype {value.dtype}")
        data = np.ascontiguousarray(value).tobytes()
        arrays.append(data)
        offset += len(data)
        return {kind: [value.dtype.str, list(value.shape), offset - len(data), len(data)]}

    header = json.dumps(walk(message)).encode("utf-8")
    return b"".join([struct.pack(">I", len(header)), header, *arrays])


def decode(payload: bytes) -> Any:
    """The message :func:`encode` wrote; ValueError for anything else (a hostile child)."""
    try:
        (size,) = struct.unpack(">I", payload[:4])
        header = json.loads(payload[4 : 4 + size].decode("utf-8"))
    except (struct.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a message ({error})") from None
    data = memoryview(payload)[4 + size :]

    def array(spec: Any) -> np.ndarray:
        dtype_text, shape, start, length = spec
        dtype = np.dtype(str(dtype_text))
        shape = tuple(int(n) for n in shape)
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if dtype.kind not in _KINDS or count < 0 or count * dtype.itemsize != length:
            raise ValueError("an array that does not match its header")
        if start < 0 or start + length > len(data):
            raise ValueError("an array that does not match its header")
        return np.frombuffer(data[start : start + length], dtype=dtype).reshape(shape).copy()

    def walk(node: Any) -> Any:
        if node is None or isinstance(node, bool):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            raise ValueError("a malformed header")
        ((kind, value),) = node.items()
        if kind in ("s", "i", "f"):
            return {"s": str, "i": int, "f": float}[kind](value)
        if kind in ("l", "t"):
            items = [walk(v) for v in value]
            return items if kind == "l" else tuple(items)
        if kind == "d":
            return {str(k): walk(v) for k, v in value.items()}
        if kind in ("a", "y"):
            result = array(value)
            return result.tobytes() if kind == "y" else result
        raise ValueError("a malformed header")

    try:
        return walk(header)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError) as error:
        raise ValueError(f"not a message ({error})") from None


def send(stream: BinaryIO, message: Any) -> None:
    payload = encode(message)
    stream.write(struct.pack(">Q", len(payload)) + payload)
    stream.flush()


def receive(stream: BinaryIO) -> Any:
    """The next message, or None at the end of the stream; ValueError for a broken one."""
    head = _read_exactly(stream, 8)
    if head is None:
        return None
    (length,) = struct.unpack(">Q", head)
    if length > MAX_MESSAGE:
        raise ValueError(f"a message of {length} bytes (at most {MAX_MESSAGE})")
    payload = _read_exactly(stream, length)
    if payload is None:
        raise ValueError("the stream ended inside a message")
    return decode(payload)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


# --- what the learner returned, as plain data ---------------------------------------------


def to_plain(value: Any, depth: int = 0) -> Any:
    """The learner's return value as float64 arrays (lists and tuples become lists), None
    as None, and anything that is not numbers as ``{"returned": its type name}``."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and depth < MAX_DEPTH:
        if len(value) > MAX_ITEMS:
            return {"returned": f"a {type(value).__name__} of {len(value)} items"}
        return [to_plain(v, depth + 1) for v in value]
    if isinstance(value, (str, bytes, dict)):
        return {"returned": type(value).__name__}
    try:
        array = np.asarray(value, dtype=np.float64)
    except Exception:  # whatever the learner's object raises when asked for numbers
        return {"returned": type(value).__name__}
    if array.size > MAX_ELEMENTS:
        return {"returned": f"an array of {array.size} numbers"}
    return array


def one_line(error: BaseException) -> str:
    """``Name: first line of the message``; safe for an exception whose str() raises."""
    try:
        text = str(error).strip().splitlines()
    except Exception:
        text = []
    return type(error).__name__ + (f": {text[0][:300]}" if text else "")


# --- the child's main loop -------------------------------------------------------------------


def _limit_memory(limit: int) -> None:
    """Cap the address space where the OS has it (Linux; ignored elsewhere)."""
    try:
        import resource
    except ImportError:  # Windows
        return
    for name in ("RLIMIT_AS", "RLIMIT_DATA"):
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            _, hard = resource.getrlimit(which)
            soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):  # not allowed or not supported here
            continue


def _load(message: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    if message.get("folder"):  # as `python file.py` does: the file's folder comes first
        sys.path.insert(0, message["folder"])
    for name, source in message["load"]:
        try:
            code = compile(source, name, "exec")
        except SyntaxError as error:  # also a bad coding line or undecodable bytes
            where = f"line {error.lineno}" if error.lineno else "somewhere"
            return {"failed": f"{name}: {where}: SyntaxError: {error.msg}"}
        except ValueError as error:  # e.g. a NUL byte in the source
            return {"failed": f"{name}: cannot compile it ({one_line(error)})"}
        try:
            exec(code, namespace)
        except BaseException as error:  # SystemExit and KeyboardInterrupt too
            return {"failed": f"{name}: running the file raised {one_line(error)}"}
    defined = [name for name in message["names"] if callable(namespace.get(name))]
    return {"defined": defined}


def _call(
    message: dict[str, Any],
    namespace: dict[str, Any],
    drivers: dict[str, Callable[[Any, Any], Any]],
) -> dict[str, Any]:
    name, args = message["call"], message["args"]
    try:
        if message["drive"]:
            result = drivers[name](namespace[name], args)
        else:
            result = namespace[name](*args)
        return {"result": to_plain(result)}
    except BaseException as error:  # SystemExit, KeyboardInterrupt and MemoryError too
        return {"raised": type(error).__name__, "message": one_line(error)}


def main(memory: int, drivers: Callable[[], dict[str, Callable[[Any, Any], Any]]]) -> None:
    """Serve the parent until its input ends. ``drivers`` gives each exercise's child-side
    driver (called only if the parent asks for one)."""
    inbox = os.fdopen(os.dup(0), "rb", buffering=0)
    outbox = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # input() reads nothing
    os.dup2(2, 1)  # print() goes to the parent's bounded output pipe, not the channel
    _limit_memory(memory)
    send(outbox, {"ready": True})
    namespace: dict[str, Any] = {"__name__": "exercise", "__builtins__": __builtins__}
    table: dict[str, Callable[[Any, Any], Any]] = {}
    while True:
        try:
            message = receive(inbox)
        except ValueError:
            message = None
        if message is None:
            break
        if "load" in message:
            if message.get("drivers"):
                table = drivers()
            namespace["__file__"] = message["load"][0][0] if message["load"] else ""
            reply = _load(message, namespace)
        else:
            reply = _call(message, namespace, table)
        _flush()  # the learner's prints so far reach the parent before the reply does
        try:
            send(outbox, reply)
        except TypeError:  # cannot happen for to_plain's output; a tampered child
            send(outbox, {"raised": "TypeError", "message": "an unsendable result"})
    sys.stdout.flush()
    os._exit(0)


def _flush() -> None:
    """Flush print()'s buffers: without PYTHONUNBUFFERED a pipe is block-buffered, and a
    child that is stopped after its last reply would take the learner's output with it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # the learner may have replaced the stream
            stream.flush()


def drivers() -> dict[str, Callable[[Any, Any], Any]]:
    """Each exercise's child-side driver, by the name of the function the learner writes."""
    from tinygrad_edu.exercises import EXERCISES

    return {name: ex.call for name, ex in EXERCISES.items() if ex.call is not None}


def forked(channel: Any, output: Any, memory: int) -> None:
    """The child's start when forked from the runner's fork server: ``channel`` (a socket)
    carries the messages both ways, ``output`` the learner's prints."""
    os.setsid()  # a session of its own: killed as a group, deaf to the terminal's Ctrl-C
    os.dup2(channel.fileno(), 0)
    os.dup2(channel.fileno(), 1)
    os.dup2(output.fileno(), 2)
    channel.close()
    output.close()
    main(memory, drivers)


if __name__ == "__main__":
    main(int(sys.argv[1]), drivers)
