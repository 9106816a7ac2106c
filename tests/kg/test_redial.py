"""ReDial dialogues -> recommendation turns: roles, titles, targets, liked/disliked."""
import json

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.locations import data_dir
from kgrec.kg.sources.build import apply_redial_titles, graph_from_triples
from kgrec.kg.sources.redial import MENTION, TRAIN_FILE, Turn, Utterance, load_dialogues, recommendation_turns, redial_to_node

R = "http://dbpedia.org/resource/"
# three movies whose ReDial ids are in the real KGSF mapping: 75815, 75828, 75918; 75881 is not in G
URIS = {10: f"{R}Angels_in_the_Outfield_(1994_film)", 11: f"{R}Ninja_Assassin",
        12: f"{R}Pretty_in_Pink", 20: f"{R}Danny_Glover"}


@pytest.fixture
def G():
    G = graph_from_triples(URIS, [(10, "starring", 20)], items={10, 11, 12})
    apply_redial_titles(G, {10: "Angels in the Outfield (1994)", 11: "Ninja Assassin (2009)",
                            12: "Pretty in Pink (1986)"})
    return G


DIALOGUE = {
    "conversationId": "7", "initiatorWorkerId": 1, "respondentWorkerId": 2,
    "movieMentions": {"75815": "Angels in the Outfield  (1994)", "75828": "Ninja Assassin (2009)",
                      "75918": "Pretty in Pink (1986)", "75881": "Toy Story 2 (1999)"},
    "initiatorQuestions": {"75815": {"suggested": 0, "seen": 1, "liked": 1},
                           "75918": {"suggested": 0, "seen": 1, "liked": 0},
                           "75828": {"suggested": 1, "seen": 0, "liked": 2}},
    "respondentQuestions": {"75881": {"suggested": 1, "seen": 0, "liked": 2}},
    "messages": [
        {"senderWorkerId": 1, "text": "hi! I loved @75815"},
        {"senderWorkerId": 1, "text": "but not @75918"},
        {"senderWorkerId": 2, "text": "What about @75881 ?"},
        {"senderWorkerId": 1, "text": "seen it"},
        {"senderWorkerId": 2, "text": "Then try @75828 or @75815"},
    ],
}


def test_mapping_uses_the_kgsf_file(G):
    assert redial_to_node(G) == {75815: 10, 75828: 11, 75918: 12}


def test_mapping_falls_back_on_the_title_where_the_uri_is_no_catalog_item(G, tmp_path):
    G.add_node(13, name="Pretty in Pink", title="Pretty in Pink (1986)", item=True, uri=f"{R}Pretty_in_Pink_(remake)")
    G.add_node(14, name="Black Panther", title="Black Panther (2018)", item=True, uri=f"{R}Black_Panther_(film)")
    G.add_node(15, name="Die Hard", title="Die Hard (1988)", item=True, uri=f"{R}Die_Hard")
    G.add_node(16, name="Die Hard", title="Die Hard", uri=f"{R}Die_Hard_(film_series)")  # not an item
    G.add_node(17, name="Thor", title="Thor", item=True, uri=f"{R}Thor_(volcano)")
    rows = ["redial_movie_id\tmovieName\tdbpedia_uri",
            f"1\tAngels in the Outfield  (1994)\t<{R}Angels_in_the_Outfield_(1994_film)>",  # the URI wins
            "2\tBlack Panther  (2018)\t",  # no URI: the one item titled so
            f"3\tdie hard (1988)\t<{R}Die_Hard_(film_series)>",  # a URI that is no item: the title
            "4\tPretty in Pink (1986)\t",  # two items share the title: nowhere
            "5\tDanny Glover\t",  # a node that is no item: nowhere
            "6\tBlack Panther (2017)\t",  # another year: nowhere
            "7\tThor\t"]  # no year: nowhere, though an item is titled so
    path = tmp_path / "mapping.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert redial_to_node(G, path) == {1: 10, 2: 14, 3: 15}


def test_turns_have_roles_titles_labels_and_preferences(G):
    [turn] = recommendation_turns(G, [DIALOGUE])  # the Toy Story turn has no KG item
    assert turn == Turn(
        dialog_id="7",
        context=(Utterance("seeker", "hi! I loved Angels in the Outfield (1994) but not "
                                     "Pretty in Pink (1986)"),
                 Utterance("recommender", "What about Toy Story 2 (1999) ?"),
                 Utterance("seeker", "seen it")),
        mentioned=(10, 12), liked=(10,), disliked=(12,),
        targets=(11,))  # 75815 is not suggested (suggested=0): only a repeat of the seeker's


def test_movies_missing_from_questionnaires_count_as_suggested(G):
    dialogue = dict(DIALOGUE, initiatorQuestions={}, respondentQuestions={})
    turns = recommendation_turns(G, [dialogue])
    assert [t.targets for t in turns] == [(11, 10)]
    assert turns[0].liked == turns[0].disliked == ()


def test_bad_jsonl_line_names_file_and_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(DIALOGUE) + "\n" + '{"conversationId": "8", "messa\n')
    with pytest.raises(DataFileError, match=r"d\.jsonl:2: a JSON dialogue object"):
        load_dialogues(path)
    path.write_text('{"conversationId": "8"}\n')
    with pytest.raises(DataFileError, match=r"d\.jsonl:1: a dialogue with keys"):
        load_dialogues(path)


@pytest.mark.slow
def test_train_split_yields_turns_with_kg_targets():
    from kgrec.kg.sources.build import build_movie_graph
    G = build_movie_graph()
    turns = recommendation_turns(G, load_dialogues(data_dir() / TRAIN_FILE))
    assert len(turns) > 1000
    assert all(t.targets and all(G.nodes[n]["item"] for n in t.targets) for t in turns)
    texts = [u.text for t in turns for u in t.context]
    assert sum(1 for text in texts if MENTION.search(text)) / len(texts) < 0.01  # titles written


# ---- interactions (popularity, co-mentions) built from dialogues
from kgrec.kg.sources.interactions import Session, add_interactions, dialogue_session  # noqa: E402
from kgrec.kg.comentions import co_mentions


def test_dialogue_session_items_and_positive_ones(G):
    session = dialogue_session(DIALOGUE, redial_to_node(G))
    assert session == Session(items=(10, 12, 11), positive=frozenset({10, 11}), negative=frozenset({12}),
                              sequence=(10, 12, 11, 10))  # every mention in order: Angels in the Outfield twice


def test_co_mentions_both_directions_with_counts(G):
    sessions = [Session((10, 12, 11), frozenset({10, 11})), Session((11, 10), frozenset({11, 10})),
                Session((12,))]
    add_interactions(G, sessions, source="redial")
    assert [G.nodes[n]["popularity"] for n in (10, 11, 12)] == [2, 2, 2]
    co = co_mentions(G)
    assert co.pair(10, 11) == co.pair(11, 10) == (2, 2) and co.source == "redial"
    assert co.pair(10, 12) == (1, 0)
    assert co.pair(12, 12) is None and not G.has_edge(12, 12)
    assert "popularity" not in G.nodes[20]  # people are not items
