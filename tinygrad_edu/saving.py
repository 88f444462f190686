"""Saving and loading a model's weights: ``Module.save`` / ``Module.load`` (docs/saving.md).

The file is what ``numpy.savez`` writes: an uncompressed ZIP holding one ``NAME.npy`` per key
of ``state_dict()``, each a small header (dtype, shape) and then the raw numbers.

``save`` writes to a temporary file in the same folder and then replaces the path in one
step, so a crash mid-write never leaves half a file where a good one was.

``load`` trusts nothing in the file before it has checked it. It reads every member's
header first (``numpy.lib.format``'s readers) and compares the names, shapes and dtypes with
the model's, so a header that declares a (100000, 100000) array is refused before a byte
of it is allocated. Only then does it read the numbers: exactly as many as each header
declares, no fewer (a cut-off file) and no more (bytes after an array's data: not a file
that ``save`` wrote). It never uses pickle, so a file can never run code. A refusal names
the path and leaves the model as it was.
"""

from __future__ import annotations

import codecs
import os
import stat
import tempfile
import zipfile
import zlib
from typing import Any

import numpy as np

from . import checks

SUFFIX = ".npy"  # each array's member name in the archive: its key and this suffix


def save(model: Any, path: str | os.PathLike[str]) -> None:
    """Write ``model.state_dict()`` to ``path`` atomically (see the module's docstring).

    A file saved over keeps its permission bits; a new one gets the mode ``open()`` would
    give it. An error names ``path``, never the temporary file.
    """
    path = os.fspath(path)
    state = model.state_dict()
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:  # a new file (or one we cannot stat): what open() would give
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    except OSError as error:  # e.g. no such folder, or no permission to write there
        raise _about(error, path) from None
    try:
        with os.fdopen(fd, "wb") as file:
            os.chmod(tmp, mode)  # mkstemp makes the file private (0600)
            write_npz(file, state)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        os.unlink(tmp)
        if isinstance(error, OSError):
            raise _about(error, path) from None
        raise


def write_npz(file: Any, arrays: dict[str, np.ndarray]) -> None:
    """What ``np.savez(file, **arrays)`` writes, for any names.

    (``np.savez`` takes the arrays as keyword arguments, so a parameter named "file" or
    "allow_pickle" would collide with its own arguments.)
    """
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + SUFFIX, mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


class _NotSavedError(Exception):
    """Why the archive is not one ``save`` wrote (turned into the ValueError naming the path)."""


def load(model: Any, path: str | os.PathLike[str]) -> None:
    """Read a file written by ``save`` into ``model``: all of it, or nothing and an error."""
    where = f"{type(model).__name__}.load"
    path = os.fspath(path)
    try:
        with open(path, "rb") as file:
            head = file.read(512)
    except OSError as error:  # missing, unreadable, a folder: the same error, our words
        raise _about(error, path) from None
    if not head.startswith(b"PK\x03\x04"):  # every .npz is a zip archive
        raise ValueError(f"{where}: {path!r} {_not_an_npz(head)}")
    expected = {name: (a.shape, a.dtype) for name, a in model.state_dict().items()}
    unreadable = f"{where}: {path!r} is not a readable .npz file written by save()"
    try:
        with zipfile.ZipFile(path) as archive:
            members = _headers(archive)
            found = {name: (shape, dtype) for name, (shape, dtype, *_) in members.items()}
            problem = checks.state_mismatch(found, expected)
            if problem is None:  # only now, with every size known to be the model's
                state = {name: _read_data(archive, *header) for name, header in members.items()}
    except _NotSavedError as error:
        raise ValueError(f"{unreadable}: {error}") from None
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(f"{unreadable} (truncated or corrupt?): {error}") from None
    if problem is not None:
        raise ValueError(f"{where}: {path!r}: {problem}")
    model.load_state_dict(state)


# (shape, dtype, fortran order, member name, the data's offset in the member)
Header = tuple[tuple[int, ...], np.dtype[Any], bool, str, int]


def _headers(archive: zipfile.ZipFile) -> dict[str, Header]:
    """Every member's header, read without reading any array's data."""
    headers: dict[str, Header] = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(SUFFIX)
        if not info.filename.endswith(SUFFIX) or name in headers:
            what = " twice" if name in headers else ", which is not an array (.npy)"
            raise _NotSavedError(f"it holds {info.filename!r}{what}")
        with archive.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise ValueError(f"an .npy format version {version} that save() never writes")
            except ValueError as error:
                raise _NotSavedError(
                    f"the header of {info.filename!r}: {error} (corrupt?)"
                ) from None
            if dtype.hasobject:
                raise _NotSavedError(f"{info.filename!r} needs pickle, which load() never uses")
            headers[name] = (shape, dtype, fortran, info.filename, member.tell())
    return headers


def _read_data(
    archive: zipfile.ZipFile,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    fortran: bool,
    filename: str,
    offset: int,
) -> np.ndarray:
    """The array a header declared (its size already checked): exactly its bytes, no more."""
    size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    with archive.open(filename) as member:
        member.seek(offset)
        data = member.read(size + 1)
    if len(data) != size:
        declared = f"the {size:,} bytes its header declares ({shape} {dtype})"
        if len(data) < size:
            raise _NotSavedError(f"{filename!r} ends before {declared} (truncated?)")
        raise _NotSavedError(f"{filename!r} holds more bytes after {declared}")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C").copy()


def _about(error: OSError, path: str) -> OSError:
    """The same kind of OSError, naming ``path`` (not a temporary file): "[Errno 13] …"."""
    if error.errno is None:  # raised with a message only
        return type(error)(f"{error}: {path!r}")
    return type(error)(error.errno, error.strerror, path)


def _not_an_npz(head: bytes) -> str:
    """Why a file whose first bytes are ``head`` is not an ``.npz`` archive."""
    if not head:
        return "is empty: not an .npz file written by save() (truncated or corrupt?)"
    if head.startswith(b"\x93NUMPY"):
        return (
            "is a .npy file (one array, from np.save), not the .npz archive of named "
            "arrays that save() writes"
        )
    try:  # (incremental: the 512 bytes may end inside a character)
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        text = b"\x00" not in head
    except UnicodeDecodeError:
        text = False
    if text:
        return "is a text file, not an .npz file written by save()"
    return "is not an .npz file written by save(): its first bytes are not a zip archive's"
