"""kgrec.kg.sources.redial_sources: the shipped train files derived from the public ones, valid's conversations left out."""
import json

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.sources.interactions import read_sessions
from kgrec.kg.sources.redial_sources import derive


def dialogue(cid, text="@10 and @20"):
    return {"conversationId": cid, "initiatorWorkerId": 1, "respondentWorkerId": 2, "movieMentions": {},
            "messages": [{"senderWorkerId": 1, "text": text}],
            "initiatorQuestions": {"10": {"liked": 1}, "20": {"liked": 0}}}


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def sources(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write(src / "train.jsonl", [dialogue("1"), dialogue("2", "@30")])
    write(src / "valid.jsonl", [dialogue("9")])
    write(src / "train_mentions.jsonl", [
        {"conversationId": "1", "movies": [["10", 1], ["20", 0]], "genres_mentioned": [], "in_valid_jsonl": False},
        {"conversationId": "5", "movies": [["30", 1]], "genres_mentioned": [], "in_valid_jsonl": False},
        {"conversationId": "9", "movies": [["10", 1]], "genres_mentioned": [], "in_valid_jsonl": True},
        {"conversationId": "8", "movies": [["20", 1]], "genres_mentioned": [], "in_valid_jsonl": False}])
    write(src / "valid.jsonl", [dialogue("9"), dialogue("8")])  # 8 is valid's though the row says not
    return src


def test_derived_files_hold_train_only_in_the_interactions_format(sources, tmp_path):
    counts = derive(sources, tmp_path / "data")
    assert counts["dialogues"] == 2 and counts["valid rows left out"] == 2 and counts["mention rows kept"] == 2
    assert counts["disagreements with the dialogues"] == 0
    assert (tmp_path / "data/redial/train.jsonl").read_text() == (sources / "train.jsonl").read_text()
    sessions = read_sessions(tmp_path / "data/redial/train_mentions.jsonl", {"10": 1, "20": 2, "30": 3})
    assert sorted(sessions) == ["1", "5"] and sessions["1"].sequence == (1, 2) and sessions["1"].negative == {2}


def test_a_mention_row_that_disagrees_with_its_dialogue_is_counted(sources, tmp_path):
    rows = [json.loads(line) for line in (sources / "train_mentions.jsonl").read_text().splitlines()]
    rows[0]["movies"] = [["20", 0], ["10", 1]]  # order differs from the dialogue's
    write(sources / "train_mentions.jsonl", rows)
    assert derive(sources, tmp_path / "data")["disagreements with the dialogues"] == 1


def test_a_train_dialogue_of_valid_is_refused(sources, tmp_path):
    write(sources / "train.jsonl", [dialogue("1"), dialogue("9")])
    with pytest.raises(DataFileError, match="train.jsonl: no conversation of valid.jsonl"):
        derive(sources, tmp_path / "data")
