"""A user's saved profile: liked, disliked, seen and standing constraints, as versioned JSON.

Writes are atomic (temporary file in the same folder, then ``os.replace``); a file that is not a
valid profile is never overwritten, and reading it raises a ``KgrecError`` naming the problem.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path

from agent.types import Preferences
from kg.errors import DataFileError

FORMAT = "kgrec-profile"
VERSION = 1
LISTS = ("liked", "disliked", "seen", "genres", "not_genres", "people", "not_people")
YEARS = ("year_min", "year_max")


def to_json(preferences: Preferences, user_id: str | None) -> dict:
    """The saved form: what persists across sessions (not this session's suggestions)."""
    data = {"format": FORMAT, "version": VERSION, "user_id": user_id}
    data["preferences"] = {name: list(getattr(preferences, name)) for name in LISTS}
    data["preferences"].update({name: getattr(preferences, name) for name in YEARS})
    return data


def _expect(path: Path, ok: bool, expected: str) -> None:
    if not ok:
        raise DataFileError(path, None, f"not a kgrec profile: expected {expected}")


def from_json(path: Path, data) -> tuple[str | None, Preferences]:
    """``(user_id, preferences)`` from loaded JSON; ``DataFileError`` names what is wrong."""
    _expect(path, isinstance(data, dict) and data.get("format") == FORMAT, f'an object with "format": "{FORMAT}"')
    _expect(path, data.get("version") == VERSION, f'"version": {VERSION} (found {data.get("version")!r})')
    prefs = data.get("preferences")
    _expect(path, isinstance(prefs, dict), 'a "preferences" object')
    user_id = data.get("user_id")
    _expect(path, user_id is None or isinstance(user_id, str), '"user_id" a string or null')
    values = {}
    for name in LISTS:
        value = prefs.get(name, [])
        ok = isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        _expect(path, ok, f'"{name}" a list of node ids (integers)')
        values[name] = value
    for name in YEARS:
        value = prefs.get(name)
        _expect(path, value is None or (isinstance(value, int) and not isinstance(value, bool)), f'"{name}" a year or null')
        values[name] = value
    known = {f.name for f in fields(Preferences)}
    return user_id, Preferences(**{k: v for k, v in values.items() if k in known})


def read(path: str | os.PathLike) -> tuple[str | None, Preferences]:
    """``(user_id, preferences)`` saved at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise DataFileError(path, None, "a saved profile (the file does not exist)") from e
    except (OSError, UnicodeDecodeError) as e:
        raise DataFileError(path, None, f"a readable UTF-8 profile ({e})") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataFileError(path, e.lineno, f"valid JSON ({e.msg})") from e
    return from_json(path, data)


def write(path: str | os.PathLike, preferences: Preferences, user_id: str | None) -> None:
    """Save atomically; refuse to replace an existing file that is not a kgrec profile."""
    path = Path(path)
    if path.exists():
        read(path)  # raises DataFileError for a corrupt profile, which is then left as it is
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(to_json(preferences, user_id), f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
