"""kgrec.kg.sources.interactions: sessions in order with like labels, from any interactions file and from ReDial's
two train files (dialogues with text and mention sequences), one per conversation, valid never."""
import json

import networkx as nx
import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.query.remention import sequence_prior
from kgrec.kg.sources.interactions import MENTIONS_FILE, read_sessions, redial_train_sessions
from kgrec.kg.sources.redial import TRAIN_FILE, VALID_FILE

ITEMS = {"a": 1, "b": 2, "c": 3}


def write_lines(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_session_keeps_its_order_repeats_and_labels(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", [{"session": "u1", "items": [["b", 1], ["a", 0], ["c", None], ["b", 1]]},
                                              {"session": 7, "items": ["c", "a"]}])
    sessions = read_sessions(path, ITEMS)
    u1 = sessions["u1"]
    assert u1.items == (2, 1, 3) and u1.sequence == (2, 1, 3, 2)
    assert (u1.positive, u1.negative) == ({2}, {1})
    assert sessions["7"].items == (3, 1) and not sessions["7"].positive


def test_the_sequences_give_the_re_mention_prior(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", [{"session": "u1", "items": [["b", 1], ["a", 0], ["c", None], ["b", 1]]}])
    prior = sequence_prior(read_sessions(path, ITEMS).values())
    # the liked b is an earlier item before a, c and b again (hit once in 3); c, unlabelled, only
    # before the last b (miss); the previous item is never named again; a, disliked, has no role
    assert (prior.liked, prior.seen, prior.last) == (0.3333, 0.0, 0.0)


@pytest.mark.parametrize("row, said", [({"session": "u", "items": [["z", 1]]}, r"s\.jsonl:1: item ids of the items file, got 'z'"),
                                       ({"user": "u", "items": []}, r"s\.jsonl:1: \{\"session\""),
                                       ({"session": "u", "items": [["a", 5]]}, r"s\.jsonl:1: \{\"session\"")])
def test_a_bad_line_names_the_file_and_line(tmp_path, row, said):
    with pytest.raises(DataFileError, match=said):
        read_sessions(write_lines(tmp_path / "s.jsonl", [row]), ITEMS)


def test_a_repeated_session_is_refused_and_unknown_items_can_be_skipped(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", [{"session": "u", "items": ["a"]}, {"session": "u", "items": ["b"]}])
    with pytest.raises(DataFileError, match=r"s\.jsonl:2: one line per session; 'u' repeats"):
        read_sessions(path, ITEMS)
    path = write_lines(tmp_path / "t.jsonl", [{"session": "u", "items": [["zz", 1], ["a", 1]]}])
    assert read_sessions(path, ITEMS, skip_unknown=True)["u"].items == (1,)


def dialogue(cid, movies, liked=()):
    return {"conversationId": cid, "initiatorWorkerId": 1, "respondentWorkerId": 2,
            "movieMentions": {m: f"Movie {m}" for m in movies},
            "messages": [{"senderWorkerId": 1, "text": " ".join(f"@{m}" for m in movies)}],
            "initiatorQuestions": {m: {"liked": int(m in liked), "suggested": 0, "seen": 1} for m in movies}}


def test_redial_training_prefers_the_dialogue_and_never_uses_valid(tmp_path):
    G = nx.MultiDiGraph()
    for node, uri in [(1, "A"), (2, "B"), (3, "C")]:
        G.add_node(node, item=True, uri=uri)
    (tmp_path / "redial").mkdir()
    (tmp_path / "redial/redial_movieid_to_dbpedia_KGSF.tsv").write_text(
        "movie_id\tmovieName\tdbpedia\n10\tA\t<A>\n20\tB\t<B>\n30\tC\t<C>\n40\tD\t<D>\n", encoding="utf-8")
    write_lines(tmp_path / TRAIN_FILE, [dialogue("1", ["10", "20", "30"], liked=["10"])])
    write_lines(tmp_path / VALID_FILE, [dialogue("9", ["10", "30"])])
    write_lines(tmp_path / MENTIONS_FILE, [{"session": "1", "items": [["10", 1]]},         # train.jsonl has it: the dialogue counts
                                           {"session": "2", "items": [["30", 1], ["40", 1], ["20", 0]]},
                                           {"session": "9", "items": [["10", 1], ["30", 1]]}])  # valid's: never
    training = redial_train_sessions(G, tmp_path)
    assert [s.items for s in training.sessions] == [(1, 2, 3), (3, 2)]  # 40 has no KG node
    assert (training.dialogues, training.mentions, training.valid) == (1, 1, 1)
    assert training.sessions[1].negative == {2}
    assert "2 conversations: 1 dialogues with text, 1 as mentions only; valid's 1 excluded" in training.describe()
