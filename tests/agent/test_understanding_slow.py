"""Two turns people type, on the real KG with the shipped model: what was read, and what is shown."""
import pytest

from kgrec.agent import AgentConfig, Recommender

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rec():
    from kgrec.kg.storage.store import load_movie_graph

    return Recommender(AgentConfig(), graph=load_movie_graph())


def test_seen_and_loved_in_one_breath_is_a_like_and_gets_recommendations(rec):
    reply = rec.respond(rec.new_session(), "I've already seen Inception, loved it. What else?")
    assert [rec.graph.nodes[n]["title"] for n in reply.understood.liked] == ["Inception (2010)"], reply.text
    assert reply.items and all(rec.graph.nodes[i.item].get("item") for i in reply.items), reply.text
    assert not {i.item for i in reply.items} & set(reply.understood.liked)


def test_nothing_older_than_2010_after_loving_the_matrix_is_a_bound_not_a_contradiction(rec):
    s = rec.new_session()
    first = rec.respond(s, "I loved The Matrix")
    assert [rec.graph.nodes[n]["title"] for n in first.understood.liked] == ["The Matrix (1999)"]
    reply = rec.respond(s, "nothing older than 2010 please")
    assert "contradicts" not in reply.text and reply.items, reply.text
    assert (reply.understood.year_min, reply.understood.year_max) == (2010, None)
    assert reply.understood.liked == first.understood.liked
    assert all(rec.graph.nodes[i.item]["year"] >= 2010 for i in reply.items), reply.text
