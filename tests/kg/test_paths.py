"""Explanation paths and facts: exact paths on the tiny graph, hub avoidance, the real KG."""
import pytest

from kgrec.kg.query.paths import explanation_paths, facts_about, has_fact
from kgrec.kg.query.verbalize import verbalize
from kgrec.kg.schema import CO_MENTIONED, Fact
from tests.kg.conftest import (ANIMATION, CIN15, CIN50, COMEDY, ENGLISH, GUTTENBERG, HORROR, PA,
                               PA2, SCARY, UP, WILSON)


def test_strong_short_paths_first_one_per_anchor_then_more(tiny):
    assert explanation_paths(tiny, PA2, [PA]) == [
        (Fact(PA, "subsequent_work", PA2),),
        (Fact(PA2, "starring", GUTTENBERG), Fact(PA, "starring", GUTTENBERG)),
        (Fact(PA2, "genre", COMEDY), Fact(PA, "genre", COMEDY)),
    ]
    assert explanation_paths(tiny, PA2, [PA], limit=1) == [(Fact(PA, "subsequent_work", PA2),)]


def test_paths_reach_entity_anchors_and_read_as_english(tiny):
    [path] = explanation_paths(tiny, PA2, [WILSON], limit=1)
    assert path == (Fact(PA, "subsequent_work", PA2), Fact(PA, "director", WILSON))
    assert verbalize(tiny, path) == (
        "Police Academy 2 (1985) follows Police Academy (1984), which is directed by Hugh Wilson.")
    assert explanation_paths(tiny, SCARY, [HORROR]) == [(Fact(SCARY, "genre", HORROR),)]


def test_each_anchor_gets_its_best_path_before_second_best_ones(tiny):
    paths = explanation_paths(tiny, PA, [PA2, SCARY], limit=2)
    assert paths == [(Fact(PA, "subsequent_work", PA2),), (Fact(PA, CO_MENTIONED, SCARY),)]


def test_hubs_are_avoided_unless_nothing_else_connects(tiny):
    # Cinderella (1950) and Up share animation and a co-mention; never "English language"
    paths = explanation_paths(tiny, CIN50, [UP], limit=5)
    assert paths and all(ENGLISH not in (f.head, f.tail) for p in paths for f in p)
    # Up and Police Academy share nothing but the language: the hub is the last resort
    paths = explanation_paths(tiny, UP, [PA])
    assert paths[0] == (Fact(UP, "language", ENGLISH), Fact(PA, "language", ENGLISH))
    assert all(any(ENGLISH in (f.head, f.tail) for f in p) for p in paths)


def test_every_step_is_a_real_edge_and_paths_are_short(tiny):
    for item in (PA, PA2, CIN50, CIN15, UP, SCARY):
        for path in explanation_paths(tiny, item, [PA, UP, GUTTENBERG, ANIMATION], limit=10):
            assert 1 <= len(path) <= 3 and all(has_fact(tiny, f) for f in path)
    assert explanation_paths(tiny, CIN15, [UP], max_hops=1) == []
    assert explanation_paths(tiny, PA, [PA]) == [] and explanation_paths(tiny, PA, [999]) == []
    with pytest.raises(ValueError, match="max_hops"):
        explanation_paths(tiny, PA, [PA2], max_hops=4)


def test_facts_about_a_node_strongest_first(tiny):
    assert facts_about(tiny, WILSON) == [Fact(PA, "director", WILSON), Fact(PA, "writer", WILSON)]
    assert facts_about(tiny, PA2, relations={"starring", "genre"}) == [
        Fact(PA2, "starring", GUTTENBERG), Fact(PA2, "genre", COMEDY)]
    assert facts_about(tiny, 999) == []


def test_has_fact_respects_direction_and_relation(tiny):
    assert has_fact(tiny, Fact(PA, "starring", GUTTENBERG))
    assert not has_fact(tiny, Fact(GUTTENBERG, "starring", PA))
    assert not has_fact(tiny, Fact(PA, "director", GUTTENBERG))
    assert not has_fact(tiny, Fact(CIN15, "genre", 999))


@pytest.mark.slow
def test_real_paths_between_police_academy_films_go_through_their_star():
    from kgrec.kg.graph import is_hub
    from kgrec.kg.query.linking import build_link_index, lookup
    from kgrec.kg.sources.redial import link_words
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    index = build_link_index(G, **link_words(G))
    first = lookup(index, "Police Academy (1984)", types={"movie"})[0].node
    second = lookup(index, "Police Academy 2: Their First Assignment", types={"movie"})[0].node
    paths = explanation_paths(G, second, [first])
    assert paths and all(has_fact(G, f) for p in paths for f in p)
    assert not any(is_hub(G, n) for p in paths for f in p for n in (f.head, f.tail))
    assert any("Steve Guttenberg" in verbalize(G, p) for p in paths)


def test_cli_facts_and_path_print_sentences(tiny, capsys):
    from argparse import Namespace

    from kgrec.kg.cli_query import run_facts, run_path

    assert run_facts(Namespace(name="hugh wilson"), tiny) == 0
    out = capsys.readouterr().out
    assert "Hugh Wilson directed Police Academy (1984)." in out and "2 facts" in out
    assert run_path(Namespace(a="Police Academy 2", b="steve guttenberg"), tiny) == 0
    assert "1. Police Academy 2 (1985) stars Steve Guttenberg." in capsys.readouterr().out


def _fan(n: int):
    """Item 1 and anchor 2 share a star (9) and ``n`` co-mentioned items (100..): n + 1 two-edge routes."""
    import networkx as nx

    from kgrec.kg.comentions import from_pairs, set_co_mentions

    G = nx.MultiDiGraph()
    G.add_nodes_from([1, 2, *range(100, 100 + n)], type="movie", item=True)
    G.add_node(9, type="person", name="Star")
    G.add_edge(1, 9, key="starring")
    G.add_edge(2, 9, key="starring")
    set_co_mentions(G, from_pairs([(e, x, 1, 1) for x in range(100, 100 + n) for e in (1, 2)]))
    return G


def test_a_popular_candidates_routes_keep_its_cheapest_first_hops(monkeypatch):
    import kgrec.kg.query.paths as paths

    G = _fan(40)
    expected = [(Fact(1, "starring", 9), Fact(2, "starring", 9))]
    assert explanation_paths(G, 1, [2], limit=1) == expected
    monkeypatch.setattr(paths, "MAX_FIRST_HOPS", 3)  # 41 middle nodes: the 3 cheapest, the star first
    assert explanation_paths(G, 1, [2], limit=1) == expected
    near = paths._near(G, 1, {2})
    routes = paths._short_routes(G, 1, {2}, 3, lambda n: True, near)
    assert len(routes) == 3 and [1, 9, 2] in routes  # bounded: not one per shared co-mention
    assert all(has_fact(G, f) for p in explanation_paths(G, 1, [2], limit=3) for f in p)
