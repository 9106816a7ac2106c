"""kgrec.kg.query.remention + kgrec.kg.query.retrieval: the conversation's own items suggested again only where a graph learned it."""
import networkx as nx
import pytest

from kgrec.kg.query import remention, retrieval
from kgrec.kg.query.remention import RementionPrior, fit_prior, roles
from kgrec.kg.schema import Constraints


@pytest.fixture
def G():
    """Heat and Collateral share Michael Mann; Scarface (1983) stars Al Pacino with Heat; Thief is from 1981."""
    G = nx.MultiDiGraph(name="tiny", domain_noun="movie")
    for node, name, year in [(1, "Heat", 1995), (2, "Collateral", 2004), (3, "Scarface", 1983), (4, "Thief", 1981)]:
        G.add_node(node, name=name, type="movie", item=True, year=year, popularity=5 - node)
    G.add_node(8, name="Michael Mann", type="person")
    G.add_node(7, name="Al Pacino", type="person")
    for movie, person, relation in [(1, 8, "director"), (2, 8, "director"), (4, 8, "director"),
                                    (1, 7, "starring"), (3, 7, "starring")]:
        G.add_edge(movie, person, key=relation)
    return G


def test_rates_are_counted_per_role_from_training_turns():
    observed = [({1: ("last",), 2: ("liked",)}, {1}), ({3: ("last", "liked")}, {3}), ({4: ("last",)}, set())]
    prior = fit_prior(observed)
    assert (prior.last, prior.liked, prior.suggested, prior.seen) == (round(2 / 3, 4), 0.5, 0.0, 0.0)


def test_a_disliked_item_has_no_role_and_an_item_scores_by_its_best_role():
    r = roles(liked=[1, 2], suggested=[3, 2], last=[3], seen=[4], disliked=[1])
    assert r == {3: ("last", "suggested"), 2: ("suggested", "liked"), 4: ("seen",)}
    prior = RementionPrior(last=0.2, suggested=0.05, liked=0.1, seen=0.01)
    assert remention.scores(prior, r) == {3: 0.2, 2: 0.1, 4: 0.01}


def test_a_rate_outside_0_1_is_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"RementionPrior.last=1.5: expected a rate in 0..1"):
        RementionPrior(last=1.5)


def test_without_a_learned_prior_the_seeds_and_suggestions_never_come_back(G):
    exclude = Constraints(exclude=frozenset({1, 2}))
    found = retrieval.retrieve(G, [1], exclude, roles=roles(liked=[1], last=[2]))
    assert found and {1, 2}.isdisjoint(c.item for c in found)


def test_a_graphs_learned_prior_and_weights_suggest_the_last_pitch_again(G):
    G.graph[remention.GRAPH_KEY] = {"last": 0.14, "suggested": 0.05, "liked": 0.08, "seen": 0.0}
    G.graph[retrieval.WEIGHTS_KEY] = {"remention": 4.0}
    assert retrieval.graph_weights(G).remention == 4.0
    c = Constraints(exclude=frozenset({1, 2}))
    found = retrieval.retrieve(G, [1], c, roles=roles(liked=[1], last=[2]))
    assert [x.item for x in found[:2]] == [2, 1] and "remention" in found[0].sources


def test_every_hard_filter_but_already_named_still_applies_to_an_item_suggested_again(G):
    G.graph[remention.GRAPH_KEY] = {"last": 0.14}
    G.graph[retrieval.WEIGHTS_KEY] = {"remention": 4.0}
    c = Constraints(exclude=frozenset({1, 2}), year_max=2000)  # Collateral (2004) is too recent
    found = retrieval.retrieve(G, [1], c, roles=roles(liked=[1], last=[2]))
    assert 2 not in [x.item for x in found] and all(G.nodes[x.item]["year"] <= 2000 for x in found)


def test_training_turns_give_last_only_for_the_recommenders_previous_message():
    from kgrec.kg.sources.redial import Turn

    turns = [Turn("d", ("s",), (), (), (), (1,)),                       # recommender suggests 1
             Turn("d", ("s", "r", "s", "r", "s"), (1,), (), (), (1, 2)),  # a message without a suggestion between
             Turn("e", ("s",), (5,), (5,), (), (5,))]                    # another dialogue: nothing carried over
    observed = remention.turn_observations(turns)
    assert observed[1] == ({1: ("suggested",)}, {1, 2}) and observed[2] == ({5: ("liked",)}, {5})
    assert fit_prior(observed) == RementionPrior(last=0.0, suggested=1.0, liked=1.0, seen=0.0)
