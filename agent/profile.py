"""A user's saved profile: liked, disliked, seen and standing constraints, as versioned JSON.

Writes are atomic (``kgrec.kg.files.atomic_write``); a file that is not a
valid profile is never overwritten, and reading never changes a file. Reading validates every
field (types, ranges, ``year_min <= year_max``, sizes, no unknown fields) and raises one
``DataFileError`` line naming the file and what was expected, for any content at all.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from kgrec.agent.text import clean_value
from kgrec.agent.types import Preferences, preference_fields
from kgrec.kg.errors import DataFileError
from kgrec.kg.files import atomic_write_text

FORMAT = "kgrec-profile"
VERSION = 1
LISTS = preference_fields(kind="nodes", saved=True)
YEARS = preference_fields(kind="year", saved=True)
RANGES = preference_fields(kind="ranges", saved=True)  # ("not_years",)
TOP_LEVEL = ("format", "version", "user_id", "preferences")
MAX_BYTES, MAX_ITEMS, MAX_USER_ID, MAX_ID = 1_000_000, 10_000, 200, 2**63 - 1
YEAR_RANGE = (1800, 2200)


def to_json(preferences: Preferences, user_id: str | None) -> dict:
    """The saved form: what persists across sessions (not this session's suggestions)."""
    data = {"format": FORMAT, "version": VERSION, "user_id": user_id}
    data["preferences"] = {name: list(getattr(preferences, name)) for name in LISTS}
    data["preferences"].update({name: getattr(preferences, name) for name in YEARS})
    data["preferences"].update({name: [list(r) for r in getattr(preferences, name)] for name in RANGES})
    return data


def _expect(path: Path, ok: bool, expected: str) -> None:
    if not ok:
        raise DataFileError(path, None, f"not a kgrec profile: expected {expected}")


def _is_id(v) -> bool:
    return type(v) is int and 0 <= v <= MAX_ID


def _known_keys(path: Path, data: dict, known: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in known)
    _expect(path, not unknown, f"only the fields {', '.join(known)} {where} (unknown: {', '.join(unknown)[:200]})")


def from_json(path: Path, data) -> tuple[str | None, Preferences]:
    """``(user_id, preferences)`` from loaded JSON; ``DataFileError`` names what is wrong."""
    _expect(path, isinstance(data, dict) and data.get("format") == FORMAT, f'an object with "format": "{FORMAT}"')
    _expect(path, data.get("version") == VERSION, f'"version": {VERSION} (found {str(data.get("version"))[:40]})')
    _known_keys(path, data, TOP_LEVEL, "at the top level")
    prefs = data.get("preferences")
    _expect(path, isinstance(prefs, dict), 'a "preferences" object')
    _known_keys(path, prefs, LISTS + YEARS + RANGES, 'in "preferences"')
    user_id = data.get("user_id")
    _expect(path, user_id is None or (isinstance(user_id, str) and len(user_id) <= MAX_USER_ID),
            f'"user_id" a string of at most {MAX_USER_ID} characters, or null')
    values = {}
    for name in LISTS:
        value = prefs.get(name, [])
        ok = isinstance(value, list) and len(value) <= MAX_ITEMS and all(_is_id(v) for v in value)
        _expect(path, ok, f'"{name}" a list of at most {MAX_ITEMS:,} node ids (integers 0..{MAX_ID})')
        values[name] = value
    for name in YEARS:
        value = prefs.get(name)
        ok = value is None or (type(value) is int and YEAR_RANGE[0] <= value <= YEAR_RANGE[1])
        _expect(path, ok, f'"{name}" a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]} or null')
        values[name] = value
    values.update({name: _year_ranges(path, name, prefs.get(name, [])) for name in RANGES})
    low, high = values["year_min"], values["year_max"]
    _expect(path, low is None or high is None or low <= high, f'"year_min" <= "year_max" (found {low} > {high})')
    user_id = clean_value(user_id, MAX_USER_ID) if user_id is not None else None
    return user_id, Preferences(**values)


def _year_ranges(path: Path, name: str, value) -> list[tuple[int, int]]:
    """Excluded year ranges ("not from the 80s"): a list of ``[first, last]`` years."""
    def is_year(v):
        return type(v) is int and YEAR_RANGE[0] <= v <= YEAR_RANGE[1]

    ok = isinstance(value, list) and len(value) <= MAX_ITEMS and all(
        isinstance(r, list) and len(r) == 2 and is_year(r[0]) and is_year(r[1]) and r[0] <= r[1] for r in value)
    _expect(path, ok, f'"{name}" a list of [first, last] year pairs ({YEAR_RANGE[0]}..{YEAR_RANGE[1]}, first <= last)')
    return [tuple(r) for r in value]


def read(path: str | os.PathLike) -> tuple[str | None, Preferences]:
    """``(user_id, preferences)`` saved at ``path`` (only read: the file is never changed)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError as e:
        raise DataFileError(path, None, "a saved profile (the file does not exist)") from e
    except OSError as e:
        raise DataFileError(path, None, f"a readable profile ({e.strerror or e})") from e
    _expect(path, len(raw) <= MAX_BYTES, f"a file of at most {MAX_BYTES // 1000:,} kB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DataFileError(path, None, f"a UTF-8 profile (byte {e.start} is not UTF-8)") from e
    except json.JSONDecodeError as e:
        raise DataFileError(path, e.lineno, f"valid JSON ({e.msg})") from e
    except RecursionError as e:
        raise DataFileError(path, None, "not a kgrec profile: expected JSON nested at most a few levels deep") from e
    except ValueError as e:  # an integer of thousands of digits (Python's int-size limit)
        raise DataFileError(path, None, "not a kgrec profile: expected numbers of at most 4,300 digits") from e
    return from_json(path, data)


def write(path: str | os.PathLike, preferences: Preferences, user_id: str | None) -> None:
    """Save atomically; refuse to replace an existing file that is not a kgrec profile."""
    path = Path(path)
    if path.exists():
        read(path)  # raises DataFileError for a corrupt profile, which is then left as it is
    atomic_write_text(path, json.dumps(to_json(preferences, user_id), indent=1))
