"""The chat loop on a graph that learned to suggest its last pitch again (kgrec.kg.query.remention), and on one that did not."""
import pytest

from kgrec.agent import AgentConfig, Recommender
from kgrec.kg.query import remention, retrieval

from tests.agent.conftest import BIG, CAST_AWAY, TOY, ScriptedLM, agent_graph


def chat(G, *messages):
    rec = Recommender(AgentConfig(k=3, rank_with_model=False, lm_chooses_actions=False), graph=G, lm=ScriptedLM())
    session = rec.new_session()
    replies = [rec.respond(session, m) for m in messages]
    return session, replies


@pytest.fixture
def pitching():
    """The agent graph with a learned prior: the last suggestion is often suggested again."""
    G = agent_graph()
    G.graph[remention.GRAPH_KEY] = {"last": 0.14, "suggested": 0.05, "liked": 0.0, "seen": 0.0}
    G.graph[retrieval.WEIGHTS_KEY] = {"remention": 4.0}
    return G


def test_on_a_pitching_graph_the_last_suggestions_come_back_when_the_user_goes_on(pitching):
    session, (first, second) = chat(pitching, "I loved Big", "I also like Tom Hanks, what would you pick?")
    assert first.items and session.last_items
    shown = [i.item for i in second.items]
    assert shown[0] in [i.item for i in first.items]  # the pitch again, first
    assert BIG not in shown  # liked films have rate 0 on this graph


def test_asking_for_another_one_never_repeats_and_a_disliked_pitch_never_comes_back(pitching):
    _, (first, second) = chat(pitching, "I loved Big", "Something else please")
    assert {i.item for i in first.items}.isdisjoint(i.item for i in second.items)
    _, (first, second) = chat(pitching, "I loved Big", f"I hated {pitching.nodes[first.items[0].item]['name']}, more like Big")
    assert first.items[0].item not in [i.item for i in second.items]


def test_without_a_learned_prior_nothing_already_named_is_suggested_again():
    _, (first, second) = chat(agent_graph(), "I loved Big", "I also like Tom Hanks, what would you pick?")
    named = {BIG} | {i.item for i in first.items}
    assert second.items and named.isdisjoint(i.item for i in second.items)
    assert {TOY, CAST_AWAY} & {i.item for i in first.items + second.items}
