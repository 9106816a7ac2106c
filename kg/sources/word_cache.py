"""A data set's everyday words (``kgrec.kg.query.lexicon.chat_words`` over its dialogues), cached by content.

Counting ReDial's train dialogues takes ~1.1 s of CPU at every chat start, for ~2,300 words that
change only when the dialogues or the code that reads and counts them change. So the words are
kept in the user cache (``kgrec.kg.locations.cache_dir()/words``) under a key of exactly those bytes,
never a path: a second checkout or a copied cache reuses them, a changed file or code makes a new
key. Plain text, one word per line after a header that holds the count, so a torn file is caught
(and rebuilt with one line on stderr)::

    words = cached_words(data_dir() / TRAIN_FILE, lambda: chat_words_of(dialogues))
"""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from kgrec.kg.errors import DataFileError
from kgrec.kg.files import atomic_write_text
from kgrec.kg.locations import cache_dir

HEADER = "kgrec everyday words v1"


def cache_key(source: str | os.PathLike, code: Iterable[str | os.PathLike] = ()) -> str:
    """SHA-256 (16 hex) of ``source``'s bytes and the ``code`` files that turn it into words;
    ``DataFileError`` when ``source`` cannot be read."""
    digest = hashlib.sha256(HEADER.encode())
    for path in (source, *code, __file__):
        try:
            digest.update(Path(path).read_bytes())
        except OSError as e:
            raise DataFileError(path, None, f"cannot read ({e.strerror})") from e
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_words(source: str | os.PathLike, compute: Callable[[], Iterable[str]],
                 code: Iterable[str | os.PathLike] = ()) -> frozenset[str]:
    """``compute()``'s words for ``source``, from the cache when ``source`` and ``code`` are unchanged
    (another key's file for the same source is stale and goes)."""
    stem = Path(source).stem
    path = cache_dir() / "words" / f"{stem}-{cache_key(source, code)}.txt"
    if path.exists():
        try:
            return read_words(path)
        except ValueError as e:
            print(f"kgrec: {path}: {e}; rebuilding it", file=sys.stderr)
    words = frozenset(compute())
    for old in path.parent.glob(f"{stem}-*.txt"):
        old.unlink(missing_ok=True)
    atomic_write_text(path, "\n".join([f"{HEADER} {len(words)}", *sorted(words)]) + "\n")
    return words


def read_words(path: Path) -> frozenset[str]:
    """The words of a file ``cached_words`` wrote; ``ValueError`` when it is torn or not one."""
    try:
        header, *words = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"unreadable ({type(e).__name__})") from e
    if header != f"{HEADER} {len(words)}" or any(not w or w != w.strip() for w in words):
        raise ValueError(f"expected {HEADER!r} and that many words, one a line")
    return frozenset(words)
