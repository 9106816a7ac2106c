"""Writing a file so that a reader never sees half of it: one helper for every file kgrec saves.

``atomic_write(path, write)`` calls ``write(f)`` on a temporary file in the same folder, flushes
it to disk, then renames it over ``path``; on any error the temporary file is removed and
``path`` is left as it was::

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, lambda f: f.write(b"hello"))
    >>> target.read_bytes()
    b'hello'
    >>> def torn(f):
    ...     f.write(b"half")
    ...     raise RuntimeError("disk full")
    >>> atomic_write(target, torn)
    Traceback (most recent call last):
    RuntimeError: disk full
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'hello', ['note.txt'])
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` by what ``write`` writes to a binary file, all at once (folders are made)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """``atomic_write`` of ``text`` as UTF-8."""
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
