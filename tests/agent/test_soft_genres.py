"""Genre words are hard filters only where the graph can answer them; otherwise soft, and said."""
from kgrec.agent import AgentConfig, Recommender
from kgrec.agent.preferences import constraints
from tests.agent.conftest import CATALOG, COMEDY, DRAMA, HORROR, ScriptedLM, agent_graph


def recommender(G):
    return Recommender(AgentConfig(k=3, rank_with_model=False, lm_chooses_actions=False), graph=G, lm=ScriptedLM())


def test_on_a_graph_with_genres_a_genre_word_stays_a_hard_filter(G, rec):
    reply = rec.respond(rec.new_session(), "I want a horror movie")
    assert reply.items and all(G.has_edge(i.item, HORROR, "genre") for i in reply.items)
    assert "preference, not a filter" not in reply.text


def test_a_genre_no_catalog_item_has_is_said_and_the_closest_items_shown():
    G = agent_graph()
    for item in list(G.predecessors(DRAMA)):
        G.remove_edge(item, DRAMA, "genre")  # the graph knows the genre, no item has it
    rec = recommender(G)
    reply = rec.respond(rec.new_session(), "I want a drama")
    assert "No drama movie in this catalog matches; here are the closest." in reply.text
    assert reply.items and {i.item for i in reply.items} <= CATALOG


def test_where_few_items_have_a_genre_it_is_a_soft_preference():
    G = agent_graph()
    keep = next(iter(G.predecessors(COMEDY)))
    for head, tail, key in list(G.edges(keys=True)):
        if key == "genre" and not (head == keep and tail == COMEDY):
            G.remove_edge(head, tail, key)  # one item of the catalog has a genre
    rec = recommender(G)
    s = rec.new_session()
    reply = rec.respond(s, "I want a comedy")
    assert constraints(G, s.preferences).genres == frozenset()  # not a filter on the unlabelled rest
    assert "so I take comedy as a preference, not a filter" in reply.text
    assert len(reply.items) == 3 and reply.items[0].item == keep  # the one known comedy leads
