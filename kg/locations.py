"""Where kgrec finds its shipped data and keeps its caches."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The shipped data folder (``$KGREC_DATA`` overrides)."""
    return Path(os.environ.get("KGREC_DATA", REPO_ROOT / "data"))


def cache_dir() -> Path:
    """User cache folder: ``$KGREC_CACHE``, else ``$XDG_CACHE_HOME/kgrec``, else ``~/.cache/kgrec``.
    An empty variable counts as unset (never the current folder)."""
    if os.environ.get("KGREC_CACHE"):
        path = Path(os.environ["KGREC_CACHE"]).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "kgrec"
    path.mkdir(parents=True, exist_ok=True)
    return path
