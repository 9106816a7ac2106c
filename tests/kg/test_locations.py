"""Where caches go: ``KGREC_CACHE``, else ``XDG_CACHE_HOME/kgrec``; an empty value counts as unset."""
from __future__ import annotations

from kgrec.kg.locations import cache_dir


def test_an_empty_kgrec_cache_is_unset_never_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("KGREC_CACHE", "")
    assert cache_dir() == tmp_path / "xdg" / "kgrec"
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine" and cache_dir().is_dir()
    monkeypatch.delenv("KGREC_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "kgrec"
