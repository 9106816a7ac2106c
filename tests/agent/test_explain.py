"""Explanations cite real KG edges, their text is exactly the verbalized facts, and the check catches forgeries."""
import dataclasses

from kgrec.agent.explain import check_explanation, explain, explain_all, render
from kgrec.kg.query.verbalize import verbalize
from kgrec.kg.schema import Fact
from tests.agent.conftest import GUTTENBERG, HANKS, PA, PA2, PA3, SHINING, UP, ScriptedLM, WILSON


def test_explanation_links_the_item_to_a_liked_movie_with_real_edges(G):
    e = explain(G, PA3, [PA])
    assert e.item == PA3 and e.paths and check_explanation(G, e)
    assert e.text == render(G, e.paths) and "Police Academy (1984)" in e.text
    assert all(G.has_edge(f.head, f.tail, key=f.relation) for path in e.paths for f in path)


def test_a_liked_person_is_cited(G):
    e = explain(G, PA2, [GUTTENBERG])
    assert e.paths == ((Fact(PA2, "starring", GUTTENBERG),),)
    assert e.text == "Police Academy 2: Their First Assignment (1985) stars Steve Guttenberg."


def test_without_a_path_the_item_is_described_by_its_own_facts(G):
    e = explain(G, UP, [HANKS], max_hops=1)
    assert check_explanation(G, e) and all(f.head == UP for p in e.paths for f in p)


def test_the_model_picks_the_cited_path_and_bad_picks_fall_back_to_the_first(G):
    first = explain(G, PA2, [PA])
    assert len(explain(G, PA2, [PA], limit=1).paths) == 1
    for answer in (7, -1, None, "second", True):
        e = explain(G, PA2, [PA], lm=ScriptedLM(choices=[answer]), prompt="why?")
        assert e == first and check_explanation(G, e)
    lm = ScriptedLM(choices=[1])
    picked = explain(G, PA2, [PA], lm=lm, prompt="why?")
    assert check_explanation(G, picked) and lm.calls and lm.calls[0][0] == "choose"


def test_check_rejects_a_forged_fact(G):
    forged = Fact(PA2, "director", WILSON)  # Hugh Wilson directed only the first one
    e = dataclasses.replace(explain(G, PA2, [PA]), paths=((forged,),), text=verbalize(G, forged))
    assert not check_explanation(G, e)


def test_check_rejects_text_beyond_the_cited_facts_and_paths_elsewhere(G):
    e = explain(G, PA2, [PA])
    assert not check_explanation(G, dataclasses.replace(e, text=e.text + " It won an Oscar."))
    assert not check_explanation(G, dataclasses.replace(e, text=""))
    elsewhere = (Fact(SHINING, "genre", next(iter(G.successors(SHINING)))),)
    assert not check_explanation(G, dataclasses.replace(e, paths=(elsewhere,), text=render(G, (elsewhere,))))
    assert check_explanation(G, dataclasses.replace(e, paths=(), text=""))


def test_explaining_several_items_takes_one_model_call_and_survives_bad_scores(G):
    lm = ScriptedLM(scores=lambda prompt, texts: [len(t) for t in texts])  # prefers the longest path text
    many = explain_all(G, [PA2, PA3, SHINING], [PA, GUTTENBERG], lm=lm, prompt="why?")
    assert [e.item for e in many] == [PA2, PA3, SHINING] and [c[0] for c in lm.calls] == ["score"]
    assert all(check_explanation(G, e) and e.paths for e in many)
    for bad in ([], [float("nan")] * 50, ["x"] * 50, None):
        fallback = explain_all(G, [PA2, PA3], [PA, GUTTENBERG], lm=ScriptedLM(scores=lambda p, t, b=bad: b or []),
                               prompt="why?")
        assert fallback == [explain(G, PA2, [PA, GUTTENBERG]), explain(G, PA3, [PA, GUTTENBERG])]


def _with_series(G):
    """``G`` plus two catalog entries the DBpedia KG has: a TV season with only a network edge
    (True Blood) and an entry with no edge at all."""
    import networkx as nx

    H = nx.MultiDiGraph(G)
    H.add_node(90, name="True Blood", title="True Blood", type="movie", item=True, year=None, popularity=0)
    H.add_node(91, name="HBO", type="organisation")
    H.add_edge(90, 91, key="network", relation="network")
    H.add_node(92, name="Edgeless", title="Edgeless (2001)", type="movie", item=True, year=2001, popularity=0)
    return H


def test_an_item_without_genre_director_or_star_is_still_explained_by_a_real_fact(G):
    """'something with bloodsuckers' showed True Blood with an empty explanation: it has only a
    network edge, and the describing fact was looked for among genre, director and stars only."""
    H = _with_series(G)
    e = explain(H, 90, [PA])
    assert e.paths == ((Fact(90, "network", 91),),) and check_explanation(H, e)
    assert e.text == verbalize(H, [Fact(90, "network", 91)]) and "True Blood" in e.text


def test_a_theme_describes_an_item_that_has_no_genre_director_or_star(G):
    import networkx as nx

    from kgrec.kg.comentions import from_pairs, set_co_mentions
    from tests.agent.conftest import GHOSTS

    H = nx.MultiDiGraph(G)
    H.add_node(93, name="Haunt", title="Haunt (2019)", type="movie", item=True, year=2019, popularity=0)
    H.add_edge(93, GHOSTS, key="has_theme", relation="has_theme")
    set_co_mentions(H, from_pairs([(93, SHINING, 1, 0)]))
    e = explain(H, 93, [])
    assert e.paths == ((Fact(93, "has_theme", GHOSTS),),) and e.text == "Haunt (2019) is about ghosts."


def test_only_items_with_an_edge_are_explainable(G):
    from kgrec.agent.explain import unexplainable

    H = _with_series(G)
    assert 90 not in unexplainable(H) and 92 in unexplainable(H)
    assert explain(H, 92, [PA]).paths == ()  # nothing to cite: such an item must not be shown


def test_a_co_mention_is_cited_as_a_graph_fact_and_an_invented_one_is_caught(G):
    from kgrec.agent.types import Explanation
    from tests.agent.conftest import SCARY

    e = explain(G, SCARY, [PA])  # held in the graph's co-mention matrix, not as a networkx edge
    assert e.paths == ((Fact(SCARY, "co_mentioned", PA),),) and check_explanation(G, e)
    assert e.text == "People who mention Scary Movie (2000) often mention Police Academy (1984) too."
    invented = Explanation(SCARY, ((Fact(SCARY, "co_mentioned", UP),),),
                           "People who mention Scary Movie (2000) often mention Up (2009) too.")
    assert not check_explanation(G, invented)  # never mentioned together
