"""A data set's everyday words are counted once per content: a moved or copied file reuses them, a
changed one (or changed counting code) counts again, a torn cache file is rebuilt."""
from __future__ import annotations

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.query.lexicon import chat_words
from kgrec.kg.sources.word_cache import cached_words


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "words"


def counter(path, calls: list):
    def count():
        calls.append(path)
        return chat_words(path.read_text().splitlines(), min_texts=2)
    return count


def dialogues(folder, text="i hope so\nso we hope\nyou saw Hope and Hope 2\n"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.jsonl").write_text(text)
    return folder / "train.jsonl"


def test_words_are_counted_once_and_a_second_checkout_of_the_same_bytes_reuses_them(tmp_path, cache):
    calls = []
    first = dialogues(tmp_path / "checkout-1")
    assert cached_words(first, counter(first, calls)) == {"so"}
    second = dialogues(tmp_path / "moved" / "checkout-2")  # another path, the same bytes
    assert cached_words(second, counter(second, calls)) == {"so"}
    assert calls == [first] and len(list(cache.iterdir())) == 1


def test_changed_dialogues_or_code_count_again_and_the_stale_file_goes(tmp_path, cache):
    calls = []
    path = dialogues(tmp_path / "checkout")
    cached_words(path, counter(path, calls))
    dialogues(tmp_path / "checkout", "we hope so\nhope so\n")
    assert cached_words(path, counter(path, calls)) == {"hope", "so"}
    code = tmp_path / "counting.py"
    code.write_text("# another way to count\n")
    cached_words(path, counter(path, calls), code=[code])
    assert len(calls) == 3 and len(list(cache.iterdir())) == 1


def test_a_torn_cache_file_is_rebuilt_with_one_line_on_stderr(tmp_path, cache, capsys):
    calls = []
    path = dialogues(tmp_path / "checkout")
    cached_words(path, counter(path, calls))
    [kept] = cache.iterdir()
    kept.write_text(kept.read_text().splitlines()[0] + "\n")  # the header says 1 word; none follow
    assert cached_words(path, counter(path, calls)) == {"so"} and len(calls) == 2
    assert "rebuilding it" in capsys.readouterr().err and kept.read_text().endswith("so\n")


def test_a_missing_source_is_a_data_file_error_naming_it(tmp_path, cache):
    with pytest.raises(DataFileError, match="nowhere.jsonl"):
        cached_words(tmp_path / "nowhere.jsonl", lambda: ["so"])
