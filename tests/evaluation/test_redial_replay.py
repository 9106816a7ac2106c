"""Reading ReDial turns (both formats) and replaying them through scripted systems."""
import json

import pytest

from kgrec.evaluation.redial import KEEP, pad, popularity_order, replay, score
from kgrec.evaluation.systems import Popularity, Prepared, RetrieverOnly
from kgrec.evaluation.turns import EvalTurn, crslab_turn, load_turns, read_crslab_turns, sample_turns
from kgrec.kg.errors import DataFileError
from kgrec.kg.locations import data_dir
from kgrec.kg.schema import Candidate

from eval_graph import PA, PA2, SCARY, TROOPERS, UP

ROW = {
    "context": ["", "Hi I am looking for a movie like Super Troopers (2001)",
                "You should watch Police Academy (1984)", "Is that a great one?"],
    "resp": "Yes Police Academy (1984) is very funny and so is Police Academy 2 (1985)",
    "rec": [PA, PA2], "entity": [PA, PA2], "prev_entity": [TROOPERS, PA],
    "dialog_id": "test_1", "turn_id": 7, "is_user": 0,
    "entity_name": ["Police Academy (1984)", "Police Academy 2 (1985)"],
    "input": "\nUser: Hi\nSystem: ",
}


def test_a_crslab_row_becomes_a_turn_ending_with_the_seeker():
    turn = crslab_turn(ROW)
    assert [u.role for u in turn.context] == ["seeker", "recommender", "seeker"]
    assert turn.context[0].text.startswith("Hi I am looking")
    assert turn.labels == (PA, PA2) and turn.annotated == (TROOPERS, PA)
    assert (turn.dialog_id, turn.turn_id) == ("test_1", "7")


def test_when_the_recommender_opened_the_first_utterance_is_the_recommenders():
    turn = crslab_turn(ROW | {"context": ["", "Hello!", "Hi, I like horror", "Try Scary Movie", "ok, more?"]})
    assert [u.role for u in turn.context] == ["recommender", "seeker", "recommender", "seeker"]


def test_the_answer_fields_are_never_read():
    garbage = ROW | {"resp": "GARBAGE " * 50, "entity": [999999, -1], "entity_name": ["x"] * 9,
                     "input": "nonsense"}
    stripped = {k: v for k, v in ROW.items() if k not in ("resp", "entity", "entity_name", "input")}
    assert crslab_turn(garbage) == crslab_turn(ROW) == crslab_turn(stripped)


def test_a_malformed_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "turns.jsonl"
    path.write_text(json.dumps(ROW) + "\n" + json.dumps(ROW | {"rec": "Police Academy"}) + "\n")
    with pytest.raises(DataFileError, match=r"turns.jsonl:2: .*rec"):
        read_crslab_turns(path)


def test_the_shipped_test_file_has_3552_turns_all_labelled_with_catalog_items():
    turns = load_turns(data_dir() / "redial_kg" / "test.jsonl")
    catalog = set(json.loads((data_dir() / "redial_kg" / "item_ids.json").read_text()))
    assert len(turns) == 3552
    assert all(t.labels and set(t.labels) <= catalog for t in turns)
    assert all(t.context[-1].role == "seeker" for t in turns if t.context)
    assert sum(not t.context for t in turns) == 52  # the recommender opens with a suggestion: kept


def dialogue(conversation, messages, mentions, seeker_answers):
    return {"conversationId": conversation, "initiatorWorkerId": 1, "respondentWorkerId": 2,
            "movieMentions": mentions, "initiatorQuestions": seeker_answers, "respondentQuestions": {},
            "messages": [{"senderWorkerId": who, "text": text, "messageId": i, "timeOffset": i}
                         for i, (who, text) in enumerate(messages)]}


def test_the_official_format_is_converted_to_the_same_kind_of_turns(tmp_path, tiny):
    yes = {"suggested": 1, "seen": 0, "liked": 1}
    seen = {"suggested": 0, "seen": 1, "liked": 1}
    first = dialogue("501", [(1, "hi, I loved @111776"), (1, "anything similar?"),
                             (2, "You should watch @151656"), (1, "great, another?"),
                             (2, "then @94688")],
                     {"111776": "Super Troopers (2001)", "151656": "Police Academy (1984)",
                      "94688": "Police Academy 2 (1985)"},
                     {"111776": seen, "151656": yes, "94688": yes})
    second = dialogue("502", [(2, "Hello! what do you like?"), (1, "no idea, surprise me"),
                              (2, "Have you seen @151656?")],
                      {"151656": "Police Academy (1984)"}, {"151656": yes})
    path = tmp_path / "dialogues.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in (first, second)) + "\n")
    turns = load_turns(path, tiny)
    assert [(t.dialog_id, t.labels) for t in turns] == [("501", (PA,)), ("501", (PA2,)), ("502", (PA,))]
    assert turns[0].context[0].text == "hi, I loved Super Troopers (2001) anything similar?"
    assert turns[0].annotated == (TROOPERS,) and turns[1].annotated == (TROOPERS, PA)
    assert [u.role for u in turns[2].context] == ["recommender", "seeker"]
    assert len({t.turn_id for t in turns}) == 3


def test_sampling_is_deterministic_per_seed_and_keeps_file_order():
    turns = [EvalTurn("d", str(i), (), (), (i,)) for i in range(100)]
    a, b = sample_turns(turns, 10, seed=3), sample_turns(turns, 10, seed=3)
    assert a == b and len(a) == 10
    assert [t.turn_id for t in a] == sorted((t.turn_id for t in a), key=int)
    assert sample_turns(turns, 10, seed=4) != a
    assert sample_turns(turns, None, seed=0) == turns
    assert set(sample_turns(turns, 5, seed=3)) <= set(a)  # a smaller sample is a subset


def test_padding_completes_a_short_ranking_without_duplicates():
    assert pad([UP, UP, 999], [PA, UP, PA2], 4) == [UP, 999, PA, PA2]


class Scripted:
    """A fake model-backed system: returns a fixed list per turn id."""

    name = "scripted"

    def __init__(self, answers):
        self.answers = answers

    def rank(self, prepared):
        return self.answers[prepared.turn.turn_id]


def test_replay_scores_each_system_on_the_same_turns(tiny):
    turns = [EvalTurn("d", "t1", (), (TROOPERS,), (PA, PA2)),
             EvalTurn("d", "t2", (), (PA,), (PA, SCARY))]
    catalog = sorted(n for n, d in tiny.nodes(data=True) if d.get("item"))
    order = popularity_order(tiny, catalog)
    assert order == [PA, UP, TROOPERS, SCARY, PA2]

    def prepare(turn):
        return Prepared(turn, turn.annotated, (Candidate(PA2, 0.9), Candidate(SCARY, 0.5)))

    scripted = Scripted({"t1": [PA2], "t2": [4242, SCARY]})  # 4242 is not a catalog item
    rankings, seconds = replay(turns, [Popularity(order), RetrieverOnly(), scripted], prepare, order)
    assert set(seconds) == {"prepare", "popularity", "retriever", "scripted"}
    assert rankings["retriever"][0] == [PA2, SCARY, PA, UP, TROOPERS]
    assert rankings["scripted"][1][:2] == [4242, SCARY]
    result = score(turns, rankings, catalog)
    # popularity: PA at 0 both turns, PA2 at 4, SCARY at 3
    assert result["popularity"]["all"]["recall@1"] == 2 / 4
    assert result["popularity"]["all"]["recall@50"] == 1.0
    # scripted: t1 PA2@0, PA@1; t2 SCARY@1, PA@2
    assert result["scripted"]["all"]["recall@1"] == 1 / 4
    assert result["scripted"]["all"]["off_catalog"] == 1 / 11  # 4242 among 5 + 6 shown entries
    assert result["popularity"]["all"]["off_catalog"] == 0.0
    # new items only: t2's PA repeats the context, so it is dropped from labels and rankings
    assert result["popularity"]["new_items"]["samples"] == 3
    assert result["popularity"]["new_items"]["recall@1"] == 1 / 3  # t1 PA@0; PA2, SCARY not first
    assert result["scripted"]["new_items"]["recall@1"] == 1 / 3  # t1 PA2@0; t2 SCARY behind 4242


def test_rankings_keep_enough_entries_for_recall_at_50():
    turn = EvalTurn("d", "t", (), (1, 2), (3,))
    rankings, _ = replay([turn], [RetrieverOnly()], lambda t: Prepared(t, (), ()), list(range(200)))
    assert len(rankings["retriever"][0]) == KEEP + 2


def test_a_later_run_on_the_same_turns_adds_its_rows_to_the_earlier_table(tmp_path):
    from kgrec.evaluation.report import merge_previous, write_redial

    def run(command, systems, limit=50):
        metrics = {"recall@1": 0.1, "recall@10": 0.2, "recall@50": 0.3, "ndcg@10": 0.1, "mrr@50": 0.1,
                   "off_catalog": 0.0, "coverage@10": 0.01, "samples": 60.0}
        return {"command": command, "date": "today", "data": "test.jsonl", "turns": limit, "seed": 0,
                "limit": limit, "entities": "text", "notes": [],
                "systems": {s: {"all": metrics, "new_items": metrics, "seconds_per_turn": 1.0} for s in systems}}

    write_redial(tmp_path, run("first", ["popularity", "base"]))
    merged = merge_previous(tmp_path, run("second", ["lora", "base"]))
    assert list(merged["systems"]) == ["popularity", "lora", "base"]
    assert merged["systems"]["popularity"]["command"] == "first" and merged["systems"]["base"]["command"] == "second"
    write_redial(tmp_path, merged)
    assert "| popularity |" in (tmp_path / "results.md").read_text()
    # other turns: nothing is carried over
    assert list(merge_previous(tmp_path, run("third", ["lora"], limit=10))["systems"]) == ["lora"]


def test_the_table_shows_both_protocols_an_interval_and_what_each_row_learned_from():
    from kgrec.evaluation.report import redial_markdown

    metrics = {"recall@1": 0.1, "recall@10": 0.2, "recall@50": 0.3, "ndcg@10": 0.1, "mrr@50": 0.1,
               "off_catalog": 0.0, "coverage@10": 0.01, "samples": 60.0,
               "recall@10_low": 0.15, "recall@10_high": 0.25}
    new = metrics | {"recall@10": 0.22, "recall@10_low": 0.17, "recall@10_high": 0.27}
    result = {"command": "c", "date": "d", "data": "t", "turns": 50, "seed": 0, "limit": 50,
              "entities": "text", "notes": [],
              "systems": {"retriever": {"all": metrics, "new_items": new, "seconds_per_turn": 0.1,
                                        "learned_from": "KG + redial/train.jsonl (2,729 dialogues)"}}}
    text = redial_markdown(result)
    header = next(line for line in text.splitlines() if line.startswith("| system"))
    assert "R@10 95% CI" in header and "new R@10 95% CI" in header and "learned from" in header
    row = next(line for line in text.splitlines() if line.startswith("| retriever"))
    assert "[0.150, 0.250]" in row and "[0.170, 0.270]" in row and "2,729 dialogues" in row
