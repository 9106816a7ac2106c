"""Reading a JSON-lines data file: one JSON value per line, each checked, errors naming the line.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.jsonl"
    >>> _ = path.write_text('{"a": 1}\\n\\n{"a": 2}\\n')
    >>> read_jsonl(path, lambda v: isinstance(v, dict), "an object", "dialogues")
    [{'a': 1}, {'a': 2}]
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from kgrec.kg.errors import DataFileError


def read_jsonl(path, valid: Callable[[object], bool], expected: str, what: str, syntax: str | None = None) -> list:
    """The values of ``path``'s non-blank lines; ``DataFileError`` (file, line, ``expected``) for a bad one
    (``syntax``, default ``expected``, for a line that is not JSON at all)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror}); expected {what}") from e
    values = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataFileError(path, number, f"{syntax or expected} ({e.msg})") from e
        if not valid(value):
            raise DataFileError(path, number, expected)
        values.append(value)
    return values
