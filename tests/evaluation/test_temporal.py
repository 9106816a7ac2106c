"""The temporal split made from train: earlier conversations learn, later dialogues are held out."""
import json

import pytest

from kgrec.evaluation.temporal import split_root
from kgrec.kg.errors import ConfigError


def _data(tmp_path):
    data = tmp_path / "data"
    (data / "redial").mkdir(parents=True)
    (data / "kg").mkdir()
    (data / "kg" / "triples.tsv").write_text("a\tb\tc\n")
    (data / "redial" / "train.jsonl").write_text("".join(json.dumps({"conversationId": str(i), "messages": []}) + "\n"
                                                         for i in (391, 15000, 17000, 19920)))
    (data / "redial" / "train_mentions.jsonl").write_text("".join(json.dumps({"session": str(i), "items": []}) + "\n"
                                                                  for i in (391, 480, 500, 17001)))
    (data / "redial" / "valid.jsonl").write_text(json.dumps({"conversationId": "480", "messages": []}) + "\n")
    return data


def test_the_split_learns_from_earlier_conversations_and_holds_out_later_dialogues(tmp_path):
    data, out = _data(tmp_path), tmp_path / "split"
    assert split_root(data, 17000, out) == (2, 2, 2)
    ids = lambda name, key: [json.loads(line)[key] for line in (out / "redial" / name).read_text().splitlines()]  # noqa: E731
    assert ids("train.jsonl", "conversationId") == ["391", "15000"]
    assert ids("valid.jsonl", "conversationId") == ["17000", "19920"]  # valid's own dialogues are not read
    assert ids("train_mentions.jsonl", "session") == ["391", "500"]  # 480 is a valid conversation: never fit
    assert (out / "kg" / "triples.tsv").is_symlink() and (out / "kg" / "triples.tsv").read_text() == "a\tb\tc\n"
    assert (data / "redial" / "train.jsonl").read_text().count("\n") == 4  # the real files are untouched


def test_a_split_that_holds_nothing_out_is_one_error_naming_the_id(tmp_path):
    with pytest.raises(ConfigError, match="--before 30000: .*4 before, 0 from it on"):
        split_root(_data(tmp_path), 30000, tmp_path / "split")


def test_the_temporal_split_refuses_the_dense_list_and_a_given_split(capsys):
    from kgrec.evaluation.tune_fusion import main

    for extra in (["--dense", "lora"], ["--split", "x.jsonl"]):
        with pytest.raises(SystemExit):
            main(["--before", "17000", *extra])
        assert "--before holds out train dialogues" in capsys.readouterr().err
