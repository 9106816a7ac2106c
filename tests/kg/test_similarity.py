"""Content similarity on the tiny graph and on the real KG (Ghostbusters -> Ghostbusters II)."""
import pytest

from kgrec.kg.query.similarity import content_scores, title_stem

from tests.kg.conftest import CIN15, CIN50, PA, PA2, SCARY, UP


@pytest.mark.parametrize("title, stem", [
    ("Ghostbusters II (1989)", "ghostbusters"), ("Ghostbusters (2016)", "ghostbusters"),
    ("Police Academy 2: Their First Assignment (1985)", "police academy"),
    ("Toy Story 3", "toy story"), ("Rocky IV", "rocky"), ("Back to the Future Part II", "back to the future"),
    ("Ghost (1990)", "ghost"), ("Se7en", "se7en")])
def test_title_stem_is_the_franchise_name(title, stem):
    assert title_stem(title) == stem


def test_the_sequel_and_a_remake_of_the_same_title_lead(tiny):
    ranked = [item for item, _ in content_scores(tiny, [PA])]
    assert ranked == [PA2]  # sequel edge, franchise stem and a shared star; nothing else shares anyone
    assert [item for item, _ in content_scores(tiny, [CIN50])] == [CIN15]  # same title, another year
    assert content_scores(tiny, [UP]) == [] and content_scores(tiny, [SCARY, 999]) == []


@pytest.mark.slow
def test_real_ghostbusters_ii_leads_the_content_list():
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    by_title = {d.get("title"): n for n, d in G.nodes(data=True) if d.get("item")}
    ranked = [G.nodes[n]["title"] for n, _ in content_scores(G, [by_title["Ghostbusters (1984)"]])]
    assert ranked[:2] == ["Ghostbusters II (1989)", "Ghostbusters (2016)"]


@pytest.mark.slow
def test_real_close_relatives_rank_above_films_only_co_mentioned_with_the_liked_one():
    from kgrec.kg.query.retrieval import retrieve
    from kgrec.kg.query.similarity import CLOSE_BONUS
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    by_title = {d.get("title"): n for n, d in G.nodes(data=True) if d.get("item")}
    for title in ("Ghostbusters (1984)", "Toy Story 3 (2010)", "Back to the Future (1985)"):
        liked = by_title[title]
        close = {n for n, score in content_scores(G, [liked]) if score >= CLOSE_BONUS}
        found = retrieve(G, [liked], k=50)
        order = [c.item for c in found]
        co_mentioned = [c.item for c in found if c.item not in close and "comention" in c.sources]
        assert close <= set(order) and co_mentioned, title
        assert max(order.index(n) for n in close) < min(order.index(n) for n in co_mentioned), title
