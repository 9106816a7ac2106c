"""Candidate retrieval on the tiny graph (exact candidates and filters) and on the real KG."""

import pytest

from kgrec.kg.query.retrieval import (WalkConfig, from_attributes, from_comentions, from_seeds, popular,
                          retrieve, satisfies, walk_scores)
from kgrec.kg.comentions import from_pairs, set_co_mentions
from kgrec.kg.schema import Constraints
from tests.kg.conftest import (ANIMATION, CIN15, CIN50, COMEDY, ENGLISH, GUTTENBERG, HORROR, PA,
                               PA2, SCARY, UP, WILSON)


def items(candidates):
    return [c.item for c in candidates]


def test_walk_ranks_the_sequel_first_and_never_crosses_the_language_hub(tiny):
    assert items(from_seeds(tiny, [PA])) == [PA2, SCARY]  # Up, Cinderella: only via "English"
    assert items(from_seeds(tiny, [UP])) == [CIN50, CIN15]  # co-mentioned beats genre-only
    scores = walk_scores(tiny, [PA])
    assert scores[PA2] > scores[SCARY] > 0 and UP not in scores


def test_entities_can_seed_the_walk(tiny):
    assert items(from_seeds(tiny, [GUTTENBERG])) == [PA, PA2, SCARY]
    assert set(items(from_seeds(tiny, [ANIMATION]))) == {CIN50, CIN15, UP}
    assert from_seeds(tiny, []) == [] and from_seeds(tiny, [12345]) == []


def test_co_mentions_can_be_left_out_of_the_walk(tiny):
    without = from_seeds(tiny, [UP], config=WalkConfig(co_mention_weight=0))
    assert items(without) == [CIN50, CIN15] and without[0].score == without[1].score
    with pytest.raises(ValueError, match="alpha"):
        WalkConfig(alpha=1.5)


def co_mention_graph(kg_edges: int):
    """Q is liked with R by 3 users and with the popular P by 1; P is liked with 20 others."""
    import networkx as nx

    from kgrec.kg.sources.interactions import Session, add_interactions

    G = nx.MultiDiGraph()
    G.add_nodes_from(range(30), item=True, type="movie")
    sessions = [Session((1, 2))] * 3 + [Session((1, 0))] + [Session((0, x)) for x in range(3, 23)]
    add_interactions(G, sessions, source="test")
    G.add_nodes_from(range(100, 100 + kg_edges), type="person")
    for i in range(kg_edges):
        G.add_edge(25 + i % 5, 100 + i, key="starring", relation="starring")
    return G


def test_cosine_co_mentions_keep_the_walk_off_the_most_popular_item():
    from kgrec.kg.query.retrieval import walk_config

    P, Q, R = 0, 1, 2
    G = co_mention_graph(kg_edges=10)
    assert walk_config(G).co_mention == "cosine"  # co-mentions outnumber the KG's edges
    assert items(from_seeds(G, [Q], config=WalkConfig(co_mention="count")))[0] == P
    assert items(from_seeds(G, [Q], config=walk_config(G)))[0] == R
    assert walk_config(co_mention_graph(kg_edges=200)).co_mention == "count"
    with pytest.raises(ValueError, match="co_mention='lift'"):
        WalkConfig(co_mention="lift")


def test_constraints_filter_every_retriever(tiny):
    assert items(from_seeds(tiny, [PA], Constraints(genres=frozenset({HORROR})))) == [SCARY]
    assert items(from_seeds(tiny, [PA], Constraints(not_genres=frozenset({HORROR})))) == [PA2]
    assert items(from_seeds(tiny, [PA], Constraints(exclude=frozenset({PA2})))) == [SCARY]
    assert items(from_comentions(tiny, [PA], Constraints(year_max=1999))) == [PA2]
    assert items(popular(tiny, Constraints(genres=frozenset({COMEDY})))) == [PA, SCARY, PA2]
    assert items(retrieve(tiny, [PA], Constraints(not_people=frozenset({GUTTENBERG})))) == [
        SCARY, UP, CIN50, CIN15]


def test_attributes_list_matching_items_most_popular_first(tiny):
    assert items(from_attributes(tiny, Constraints(genres=frozenset({ANIMATION})))) == [
        UP, CIN50, CIN15]
    assert items(from_attributes(tiny, Constraints(genres=frozenset({ANIMATION}),
                                                   year_min=2000))) == [UP, CIN15]
    assert items(from_attributes(tiny, Constraints(people=frozenset({GUTTENBERG})))) == [PA, PA2]
    assert items(from_attributes(tiny, Constraints(people=frozenset({GUTTENBERG, WILSON})))) == [
        PA]
    assert items(from_attributes(tiny, Constraints(people=frozenset({GUTTENBERG}),
                                                   not_people=frozenset({WILSON})))) == [PA2]
    assert items(from_attributes(tiny, Constraints(year_min=1984, year_max=1985))) == [PA, PA2]
    assert from_attributes(tiny, Constraints()) == []


def test_comentions_sum_counts(tiny):
    candidates = from_comentions(tiny, [PA, UP])
    assert [(c.item, c.score) for c in candidates] == [(PA2, 3.0), (CIN50, 2.0), (SCARY, 1.0)]


def test_popular_orders_by_mentions(tiny):
    assert items(popular(tiny)) == [PA, UP, CIN50, SCARY, PA2, CIN15]
    assert items(popular(tiny, k=2)) == [PA, UP]


def test_retrieve_fuses_all_retrievers_and_names_the_sources(tiny):
    candidates = retrieve(tiny, [PA], k=3)
    assert items(candidates) == [PA2, SCARY, UP]
    assert candidates[0].sources == ("walk", "comention", "content", "popular")  # the sequel: a close relative
    assert candidates[2].sources == ("popular",)
    assert candidates[0].score > candidates[1].score > candidates[2].score
    assert items(retrieve(tiny, [], k=2)) == [PA, UP]  # nothing known: the popular items
    comedies = retrieve(tiny, [UP], Constraints(genres=frozenset({COMEDY})))
    assert items(comedies) == [PA, SCARY, PA2]


def test_satisfies_only_catalog_items_that_pass_every_filter(tiny):
    assert satisfies(tiny, PA, Constraints())
    assert not satisfies(tiny, GUTTENBERG, Constraints()) and not satisfies(tiny, ENGLISH,
                                                                           Constraints())
    assert not satisfies(tiny, 999, Constraints())
    assert satisfies(tiny, PA, Constraints(people=frozenset({GUTTENBERG, WILSON})))
    assert not satisfies(tiny, PA2, Constraints(people=frozenset({WILSON})))
    tiny.nodes[UP]["year"] = None
    assert not satisfies(tiny, UP, Constraints(year_min=1900))  # an unknown year fails a range
    assert satisfies(tiny, UP, Constraints())


# ---------------------------------------------------------------- the real KG
@pytest.fixture(scope="module")
def real():
    from kgrec.kg.query.linking import build_link_index, lookup
    from kgrec.kg.sources.redial import link_words
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    index = build_link_index(G, **link_words(G))
    police = lookup(index, "Police Academy (1984)", types={"movie"})[0].node
    comedy = lookup(index, "comedy", types={"genre"})[0].node
    return G, police, comedy


@pytest.mark.slow
def test_real_candidates_liking_police_academy_with_genre_comedy_are_comedies(real):
    G, police, comedy = real
    candidates = retrieve(G, [police], Constraints(genres=frozenset({comedy}),
                                                   exclude=frozenset({police})), k=20)
    assert len(candidates) == 20 and police not in items(candidates)
    assert all(G.has_edge(c.item, comedy, "genre") for c in candidates)
    titles = [G.nodes[c.item]["title"] for c in candidates[:5]]
    assert any(t.startswith("Police Academy 2") for t in titles)


@pytest.mark.slow
def test_real_cli_candidates_not_person_excludes_every_film_of_that_person(real, capsys):
    from kgrec.kgrec_cli import main

    G, police, _comedy = real
    guttenberg = next(n for n, d in G.nodes(data=True) if d.get("name") == "Steve Guttenberg")
    assert main(["kg", "candidates", "--like", "Police Academy", "--not-person", "Steve Guttenberg",
                 "-k", "20"]) == 0
    ids = [int(line.split()[1]) for line in capsys.readouterr().out.splitlines()[2:] if line.strip()]
    assert len(ids) == 20 and police not in ids
    assert not any(guttenberg in set(G.successors(i)) | set(G.predecessors(i)) for i in ids)


def test_cli_candidates_apply_names_as_constraints(tiny, capsys):
    from argparse import Namespace

    from kgrec.kg.cli_query import run_candidates
    from kgrec.kg.errors import NotFoundError

    args = Namespace(like=["Police Academy"], genre=["funny"], not_genre=[], person=[],
                     year_min=None, year_max=None, k=5)
    assert run_candidates(args, tiny) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines()[2:]]
    assert [r.split()[2] for r in rows] == ["Police", "Scary"]  # comedies, the liked one excluded
    assert "Police Academy (1984) is followed by Police Academy 2 (1985)." in out
    with pytest.raises(NotFoundError):
        run_candidates(Namespace(**{**vars(args), "genre": ["zzzzqqq"]}), tiny)


def test_fusion_weights_reject_bad_values_and_single_out_one_retriever():
    from kgrec.kg.query.retrieval import FusionWeights

    assert FusionWeights.only("content") == FusionWeights(walk=0, comention=0, collaborative=0, content=1,
                                                          attribute=0, popular=0, close_first=False, wish=0)
    with pytest.raises(ValueError, match="walk"):
        FusionWeights(walk=-1)
    with pytest.raises(ValueError, match="comention"):
        FusionWeights(comention="high")
    with pytest.raises(ValueError, match="expected one of"):
        FusionWeights.only("colaborative")


def test_close_relatives_lead_only_when_asked(tiny):
    from kgrec.kg.query.retrieval import FusionWeights

    pairs = [(PA, PA2, 3, 1), (PA, SCARY, 50, 0), (CIN50, UP, 2, 1)]  # PA and SCARY far more co-mentioned
    set_co_mentions(tiny, from_pairs(pairs, source="test"))
    assert items(retrieve(tiny, [PA], k=2))[0] == PA2  # the sequel leads all the same
    plain = FusionWeights(close_first=False)
    assert items(retrieve(tiny, [PA], k=2, weights=plain))[0] == SCARY
    with pytest.raises(ValueError, match="close_first"):
        FusionWeights(close_first="yes")


def test_context_items_feed_the_co_mention_retriever_but_are_not_excluded(tiny):
    from kgrec.kg.query.retrieval import FusionWeights

    only = FusionWeights.only("comention")
    assert items(retrieve(tiny, [], k=3, weights=only)) == []  # no seed, no context: nothing co-mentioned
    found = retrieve(tiny, [], k=3, weights=only, context=[CIN50])
    assert items(found) == [UP] and found[0].sources == ("comention",)


def test_excluded_year_ranges_are_hard_filters(tiny):
    from kgrec.kg.query.retrieval import satisfies
    from kgrec.kg.schema import Constraints

    c = Constraints(not_years=frozenset({(1980, 1989)}))
    assert not satisfies(tiny, PA, c) and not satisfies(tiny, PA2, c) and satisfies(tiny, SCARY, c)
    assert all(not 1980 <= tiny.nodes[x.item]["year"] <= 1989 for x in popular(tiny, c))


def test_a_mistyped_fusion_weight_is_an_error_naming_the_valid_ones():
    from kgrec.kg.errors import KgrecError
    from kgrec.kg.query.retrieval import FusionWeights, fuse

    assert FusionWeights.from_dict({"content": 2.0}) == FusionWeights(content=2.0)
    with pytest.raises(KgrecError, match="'contnet': expected one of walk, comention"):
        FusionWeights.from_dict({"contnet": 2.0})
    with pytest.raises(KgrecError, match="no retriever 'wlak'"):
        fuse({"wlak": []})  # a list no weight covers is never silently dropped


def test_admissible_decides_the_filters_once_and_retrievers_keep_only_allowed_items(tiny):
    from kgrec.kg.query.retrieval import admissible, candidate_lists

    c = Constraints(not_genres=frozenset({HORROR}), exclude=frozenset({PA2}))
    allowed = admissible(tiny, c, again=[PA2])
    assert allowed.items == {n for n in (PA, PA2, SCARY, UP, CIN50, CIN15) if satisfies(tiny, n, c)}
    assert PA2 not in allowed.items and allowed.again == {PA2}  # named: only as a re-mention
    assert admissible(tiny, Constraints(exclude=frozenset({PA}))).items == {PA2, SCARY, UP, CIN50, CIN15}
    assert admissible(tiny, c, among=[PA, SCARY, 999]).items == {PA}
    assert items(popular(tiny, allowed=frozenset({UP, PA2}))) == [UP, PA2]  # whatever it is given
    lists = candidate_lists(tiny, [PA], c, again={PA2: 1.0})
    assert all(x.item in allowed.items - {PA} for name, xs in lists.items() if name != "remention" for x in xs)
    assert [x.item for x in lists["remention"]] == [PA2]


@pytest.mark.parametrize("sparse", [0, 10**9])  # year ranges always built as sets / always checked item by item
def test_admissible_cuts_by_set_algebra_to_exactly_what_satisfies_keeps(tiny, sparse, monkeypatch):
    from itertools import product

    from kgrec.kg.query import inverted
    from kgrec.kg.query.retrieval import admissible

    monkeypatch.setattr(inverted, "SPARSE_POOL", sparse)
    tiny.add_node(99, name="Undated", type="movie", item=True, popularity=1)  # no year: no year filter passes it
    tiny.add_edge(99, COMEDY, key="genre")
    catalog = (PA, PA2, SCARY, UP, CIN50, CIN15, 99)
    for genres, people, years, excluded in product(
            [frozenset(), frozenset({COMEDY}), frozenset({HORROR, ANIMATION})],
            [frozenset(), frozenset({WILSON}), frozenset({WILSON, GUTTENBERG}), frozenset({12345})],
            [(None, None), (1980, None), (None, 1990), (1985, 1985)],
            [frozenset(), frozenset({PA})]):
        c = Constraints(genres=genres, people=people, year_min=years[0], year_max=years[1], exclude=excluded,
                        not_years=frozenset({(2000, 2009)}) if years == (1980, None) else frozenset())
        assert admissible(tiny, c).items == {n for n in catalog if satisfies(tiny, n, c)}, c



def test_a_movies_namesakes_are_the_other_items_of_its_title(tiny):
    """Cinderella (1950) and (2015); the agent hides a named film's namesakes (kgrec.agent.turn.constraints)."""
    from kgrec.kg.query.inverted import namesakes

    assert namesakes(tiny, [CIN50]) == {CIN15} and namesakes(tiny, [CIN15, CIN50]) == set()
    assert namesakes(tiny, [UP]) == set() and namesakes(tiny, [GUTTENBERG, 424242]) == set()  # a person, unknown


def test_prepare_filters_builds_what_the_first_filtering_turn_would(tiny):
    from kgrec.kg.graph import CACHE_KEY
    from kgrec.kg.query.answerable import COVERAGE_KEY
    from kgrec.kg.query.retrieval import prepare_filters

    G = tiny.copy()  # not frozen, nothing cached yet
    assert "year_index" not in G.graph.get(CACHE_KEY, {}) and COVERAGE_KEY not in G.graph
    prepare_filters(G)
    assert "year_index" in G.graph[CACHE_KEY] and COVERAGE_KEY in G.graph


def test_a_wish_ranks_the_items_that_meet_it_first_and_hides_none(tiny):
    from kgrec.kg.query.retrieval import FusionWeights, wished

    horror = Constraints(genres=frozenset({HORROR}))
    plain = FusionWeights(close_first=False, wish=0.0)
    assert items(retrieve(tiny, [PA], k=5, weights=plain))[:2] == [PA2, SCARY]  # the sequel co-mentioned most
    wishing = FusionWeights(close_first=False)  # wish=1: Scary Movie, the one horror film, rises above it
    found = retrieve(tiny, [PA], k=5, weights=wishing, wishes=horror)
    assert items(found)[:2] == [SCARY, PA2] and set(items(found)) == set(items(retrieve(tiny, [PA], k=5, weights=plain)))
    assert items(retrieve(tiny, [PA], k=5, weights=plain, wishes=horror))[:2] == [PA2, SCARY]  # weight 0: no bonus
    # the attribute list matches the wishes, so what was wished for has candidates even with no seed
    assert items(retrieve(tiny, [], k=3, wishes=Constraints(genres=frozenset({ANIMATION})))) == [UP, CIN50, CIN15]
    # wished: the items that pass the filters and meet the wishes; none without wishes
    animation = Constraints(genres=frozenset({ANIMATION}))
    assert wished(tiny, Constraints(exclude=frozenset({UP})), animation) == {CIN50, CIN15}
    assert wished(tiny, Constraints(), Constraints()) == frozenset()
    with pytest.raises(ValueError, match="wish"):
        FusionWeights(wish=-1)


def test_wishes_first_puts_every_item_that_meets_them_above_the_rest():
    from kgrec.kg.query.retrieval import FusionWeights, fuse
    from kgrec.kg.schema import Candidate

    lists = {"comention": [Candidate(1, 10.0), Candidate(2, 9.0), Candidate(3, 0.1)],
             "walk": [Candidate(1, 5.0), Candidate(2, 4.0)]}
    weights = FusionWeights(walk=3.0, comention=4.0, close_first=False, wish=0.5)
    assert [c.item for c in fuse(lists, weights, wished=frozenset({3}))] == [1, 2, 3]  # a wish of .5 is not enough
    assert [c.item for c in fuse(lists, weights.wishes_first(), wished=frozenset({3}))] == [3, 1, 2]
    assert weights.wishes_first().wish > weights.walk + weights.comention
    assert FusionWeights.only("walk").wishes_first() == FusionWeights.only("walk")  # no bonus stays none


def test_films_with_every_theme_and_compound_genre_asked_for_lead_those_with_some():
    import networkx as nx

    from kgrec.kg.query.retrieval import FusionWeights, every_asked, fuse
    from kgrec.kg.schema import Candidate

    G = nx.MultiDiGraph()
    G.add_nodes_from([1, 2, 3], type="movie", item=True)
    G.add_nodes_from([8, 9], type="theme")
    G.add_node(5, type="genre")
    G.add_edge(3, 5, key="genre")
    for item, theme in ((1, 8), (2, 8), (2, 9), (3, 9)):
        G.add_edge(item, theme, key="has_theme")
    both = Constraints(themes=frozenset({8, 9}))
    assert every_asked(G, both) == {2}
    assert every_asked(G, Constraints(themes=frozenset({8}))) == frozenset()  # one theme: the filter says it all
    assert every_asked(G, Constraints(themes=frozenset({8, 77}))) == frozenset()  # a theme the graph lacks
    assert every_asked(G, Constraints(genres=frozenset({5}), themes=frozenset({9})), compound={5}) == {3}
    assert every_asked(G, Constraints(genres=frozenset({5}), themes=frozenset({8}))) == frozenset()  # no compound
    lists = {"attribute": [Candidate(1, 9.0), Candidate(3, 8.0), Candidate(2, 1.0)]}
    weights = FusionWeights(close_first=False)
    assert [c.item for c in fuse(lists, weights)] == [1, 3, 2]
    assert [c.item for c in fuse(lists, weights, lead=every_asked(G, both))] == [2, 1, 3]
