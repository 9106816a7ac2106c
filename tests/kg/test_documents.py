"""Item documents: every catalog item gets one, from its KG facts and its premise only."""
import pytest

from kgrec.kg.errors import KgrecError
from kgrec.kg.query.documents import coverage, document, documents, themes
from kgrec.kg.sources.importer import import_graph
from tests.kg.conftest import CIN50, PA, UP, UP_PREMISE, WILSON


def test_a_document_says_title_makers_stars_genres_themes_and_premise(tiny):
    assert document(tiny, PA) == ("Police Academy (1984). Directed by Hugh Wilson. Starring Steve Guttenberg. "
                                  "Genres: comedy.")
    assert document(tiny, CIN50) == "Cinderella (1950). Genres: animation. About: fairy tales."
    assert document(tiny, UP).endswith(f"Genres: animation. {UP_PREMISE}")
    assert themes(tiny, CIN50) == ("fairy tales",) and themes(tiny, PA) == ()


def test_documents_cover_the_catalog_and_are_deterministic(tiny):
    docs = documents(tiny)
    assert sorted(docs) == sorted(n for n, d in tiny.nodes(data=True) if d.get("item"))
    assert docs == {n: document(tiny, n) for n in docs}


def test_a_node_that_is_not_an_item_is_one_clear_error(tiny):
    with pytest.raises(KgrecError, match=r"11 is not a catalog item of this graph"):
        document(tiny, WILSON)


def test_an_imported_graph_takes_descriptions_and_themes(tmp_path):
    items = tmp_path / "items.csv"
    items.write_text("id,name,year,author,theme,description\n"
                     "b1,Dune,1965,Frank Herbert,desert planets|politics,A duke's son leads a desert people.\n"
                     "b2,Emma,1815,Jane Austen,,\n", encoding="utf-8")
    extra = tmp_path / "descriptions.csv"
    extra.write_text('id,description\nb2,"A matchmaker in a village, wrong about love."\n', encoding="utf-8")
    G = import_graph(items, domain_noun="book", descriptions_path=extra)
    dune, emma = [n for n, d in G.nodes(data=True) if d.get("item")]
    assert document(G, dune) == ("Dune (1965). Written by Frank Herbert. About: desert planets, politics. "
                                 "A duke's son leads a desert people.")
    assert document(G, emma) == "Emma (1815). Written by Jane Austen. A matchmaker in a village, wrong about love."
    assert {G.nodes[t]["type"] for t in G.successors(dune)} == {"person", "theme"}


def test_stats_say_how_many_items_have_a_premise_and_themes(tmp_path, capsys):
    from kgrec.kgrec_cli import main

    items = tmp_path / "items.csv"
    items.write_text("id,name,year,author,theme,description\n"
                     "b1,Dune,1965,Frank Herbert,desert planets|politics,A duke's son leads a desert people.\n"
                     "b2,Emma,1815,Jane Austen,,\nb3,Persuasion,1817,Jane Austen,politics,\n", encoding="utf-8")
    G = import_graph(items, domain_noun="book")
    assert coverage(G) == {"items": 3, "with_premise": 1, "with_themes": 2, "themes": 2}
    assert main(["kg", "import", "--items", str(items), "--noun", "book", "--out", str(tmp_path / "g")]) == 0
    assert "documents: items with a premise 1 (33.3%), with themes 2 (66.7%); 2 themes" in capsys.readouterr().out
    assert main(["kg", "stats", "--graph", str(tmp_path / "g")]) == 0
    assert "items with a premise 1 (33.3%)" in capsys.readouterr().out
