"""The generic importer: a books KG from three small files, used by the generic kg code."""
from pathlib import Path

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.graph import catalog
from kgrec.kg.query.retrieval import from_attributes, from_comentions
from kgrec.kg.schema import Constraints, Fact
from kgrec.kg.sources.importer import import_graph
from kgrec.kg.comentions import co_mentions

BOOKS = Path(__file__).parent / "fixtures" / "books"


@pytest.fixture(scope="module")
def G():
    return import_graph(BOOKS / "items.csv", BOOKS / "triples.tsv", BOOKS / "ratings.csv",
                        domain_noun="book")


def node(G, name):
    [n] = [n for n, d in G.nodes(data=True) if d["name"] == name]
    return n


def test_books_graph_has_typed_items_and_entities(G):
    assert (G.graph["name"], G.graph["domain_noun"]) == ("items", "book")
    assert len(catalog(G)) == 27
    dune = G.nodes[node(G, "Dune")]
    assert (dune["type"], dune["title"], dune["year"], dune["uri"]) == ("book", "Dune (1965)", 1965, "b01")
    types = {name: G.nodes[node(G, name)]["type"] for name in
             ("Frank Herbert", "science fiction", "Ace Books", "English", "United Kingdom", "Quentin Blake")}
    assert types == {"Frank Herbert": "person", "science fiction": "genre", "Ace Books": "company",
                     "English": "language", "United Kingdom": "country", "Quentin Blake": "person"}


def test_edges_keyed_by_relation_deduplicated_without_self_loops(G):
    dune, herbert = node(G, "Dune"), node(G, "Frank Herbert")
    assert list(G[dune][herbert]) == ["author"]  # listed twice in triples.tsv
    assert G.edges[dune, herbert, "author"]["source"] == "triples.tsv"
    assert G.edges[dune, node(G, "science fiction"), "genre"]["source"] == "items.csv"
    assert G.has_edge(dune, node(G, "Dune Messiah"), "subsequent_work")
    assert not any(u == v for u, v in G.edges())


def test_popularity_and_co_mentions_from_ratings(G):
    dune, messiah, neuromancer = node(G, "Dune"), node(G, "Dune Messiah"), node(G, "Neuromancer")
    assert G.nodes[dune]["popularity"] == 5 and G.nodes[node(G, "Beloved")]["popularity"] == 0
    assert co_mentions(G).pair(dune, messiah) == (2, 2) and co_mentions(G).source == "ratings.csv"
    assert co_mentions(G).pair(neuromancer, dune)[0] == 2


def test_ratings_fit_an_ease_model_on_the_liked_books(G):
    from kgrec.kg.query.collaborative import GRAPH_KEY
    from kgrec.kg.query.retrieval import from_collaborative

    model = G.graph[GRAPH_KEY]
    liked = {int(x) for x in model.items}
    assert node(G, "Dune") in liked and node(G, "Beloved") not in liked  # nobody rated Beloved
    got = from_collaborative(G, [node(G, "Dune")], k=3)
    assert got and node(G, "Dune") not in {c.item for c in got}


def test_generic_kg_code_works_on_books(G):
    from kgrec.kg.query.verbalize import verbalize

    dune, herbert = node(G, "Dune"), node(G, "Frank Herbert")
    assert "Frank Herbert" in verbalize(G, Fact(dune, "author", herbert))
    horror = node(G, "horror")
    got = from_attributes(G, Constraints(genres=frozenset({horror})), k=10)
    assert {G.nodes[c.item]["name"] for c in got} == {"The Shining", "It", "Dracula", "Frankenstein"}
    similar = from_comentions(G, [dune], k=3)
    assert similar and similar[0].item == node(G, "Dune Messiah")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_name_file_and_line(tmp_path):
    items = write(tmp_path / "items.csv", "id,name,year\nb1,Dune,1965\nb2,Emma,eighteen\n")
    with pytest.raises(DataFileError, match=r"items\.csv:3: a year as digits"):
        import_graph(items)
    items = write(tmp_path / "items.csv", "id,name\nb1,Dune\nb2\n")
    with pytest.raises(DataFileError, match=r"items\.csv:3: 2 fields"):
        import_graph(items)
    items = write(tmp_path / "items.csv", "id,name\nb1,Dune\n")
    triples = write(tmp_path / "t.tsv", "head\trelation\ttail\nb1\tauthor\n")
    with pytest.raises(DataFileError, match=r"t\.tsv:2: 3 fields"):
        import_graph(items, triples)
    ratings = write(tmp_path / "r.csv", "user,item,rating\nu,b1,5\nu,b9,4\n")
    with pytest.raises(DataFileError, match=r"r\.csv:3: an item id of the items file, got 'b9'"):
        import_graph(items, None, ratings)
    with pytest.raises(DataFileError, match=r"nope\.csv: cannot read"):
        import_graph(tmp_path / "nope.csv")
    wrong = write(tmp_path / "w.csv", "name,id\nDune,b1\n")
    with pytest.raises(DataFileError, match=r"w\.csv:1: a header starting with 'id,name'"):
        import_graph(wrong)


def test_cli_import_prints_counts(capsys):
    from kgrec.kgrec_cli import main

    assert main(["kg", "import", "--items", str(BOOKS / "items.csv"), "--triples",
                 str(BOOKS / "triples.tsv"), "--interactions", str(BOOKS / "ratings.csv"),
                 "--noun", "book"]) == 0
    out = capsys.readouterr().out
    assert "27 items (book)" in out and "items with a genre: 96.3%" in out
    assert "popularity, co-mentions and EASE learned from: ratings.csv (10 sessions)" in out
    assert "counted on: 41 mentions of ratings.csv" in out  # the re-mention prior
    assert main(["kg", "import", "--items", str(BOOKS / "missing.csv")]) == 2
    assert "missing.csv: cannot read" in capsys.readouterr().err


def test_relation_names_are_snake_case_and_user_mapping_types_tails(tmp_path):
    (tmp_path / "items.csv").write_text("id,name\nm1,Psycho\nm2,Vertigo\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("head,relation,tail\nm1,musicComposer,Bernard Herrmann\n"
                                    "m2,musicComposer,Bernard Herrmann\nm2,Tone,suspense\n", encoding="utf-8")
    G = import_graph(tmp_path / "items.csv", tmp_path / "t.csv", domain_noun="movie",
                     relation_types={"tone": "genre"})
    herrmann, tone = node(G, "Bernard Herrmann"), node(G, "suspense")
    assert G.has_edge(node(G, "Psycho"), herrmann, "music_composer")
    assert (G.nodes[herrmann]["type"], G.nodes[tone]["type"]) == ("person", "genre")
    assert G.nodes[herrmann]["uri"] == "Bernard Herrmann"  # the source's own text is kept


def test_clashes_are_reported_not_guessed(tmp_path):
    (tmp_path / "items.csv").write_text("id,name\n7,Dune\n8,Dune\n9,Emma\n", encoding="utf-8")
    (tmp_path / "t.tsv").write_text("head\trelation\ttail\n7\tadapted_as\tEmma\n7\tsequel\t9\n", encoding="utf-8")
    G = import_graph(tmp_path / "items.csv", tmp_path / "t.tsv")
    assert sorted(catalog(G)) == [7, 8, 9]  # numeric ids are kept
    emma_entity = [n for n, d in G.nodes(data=True) if d["name"] == "Emma" and not d.get("item")]
    assert len(emma_entity) == 1 and G.has_edge(7, 9, "sequel")  # "Emma" by name is not item 9
    notes = " | ".join(G.graph["import_notes"])
    assert "2 items share the name 'dune'" in notes
    assert "an item's name but not its id" in notes and "'Emma'" in notes
    assert "1 triples of relation 'sequel' point at items by id" in notes


def test_interactions_keep_their_order_and_labels_and_teach_re_mentions(tmp_path):
    from kgrec.kg.query.collaborative import GRAPH_KEY
    from kgrec.kg.query.remention import graph_prior

    items = write(tmp_path / "items.csv", "id,name\nb1,Dune\nb2,Emma\nb3,Ulysses\n")
    ratings = write(tmp_path / "r.csv", "user,item,order,like\nu,b2,20,0\nu,b1,10,1\nu,b3,30,\nu,b1,40,1\nv,b3,1,1\nv,b1,2,1\n")
    G = import_graph(items, None, ratings)
    b1, b2, b3 = (node(G, n) for n in ("Dune", "Emma", "Ulysses"))
    assert G.nodes[b1]["popularity"] == 2 and co_mentions(G).pair(b1, b3) == (2, 1)  # b3 unlabelled for u
    assert co_mentions(G).source == "r.csv"
    assert set(G.graph[GRAPH_KEY].items) == {b1, b3}  # EASE learns the liked ones, not Emma
    prior = graph_prior(G)  # by order u is Dune, Emma, Ulysses, Dune: liked Dune is back once in 3 chances,
    assert prior.liked == 0.25 and prior.seen == 0.0 and prior.last == 0.0  # v adds one miss (file order: 1/3)
    assert "r.csv (2 sessions)" == G.graph["trained_on"]


def test_a_jsonl_interactions_file_is_the_same_kind_of_file(tmp_path):
    items = write(tmp_path / "items.csv", "id,name\nb1,Dune\nb2,Emma\nb3,Ulysses\n")
    sessions = write(tmp_path / "s.jsonl", '{"session": "u", "items": [["b1", 1], ["b2", 0], ["b3", null], ["b1", 1]]}\n'
                                           '{"session": "v", "items": [["b3", 1], ["b1", 1]]}\n')
    csv = write(tmp_path / "r.csv", "user,item,like\nu,b1,1\nu,b2,0\nu,b3,\nu,b1,1\nv,b3,1\nv,b1,1\n")
    a, b = import_graph(items, None, sessions), import_graph(items, None, csv)
    assert a.graph["remention_prior"] == b.graph["remention_prior"] and a.graph["remention_prior"]["liked"] > 0
    assert a.graph["collaborative"] == b.graph["collaborative"]
    assert [(u, v, d["count"]) for u, v, d in a.edges(data=True)] == [(u, v, d["count"]) for u, v, d in b.edges(data=True)]
    bad = write(tmp_path / "o.csv", "user,item,order\nu,b1,first\n")
    with pytest.raises(DataFileError, match=r"o\.csv:2: a number in 'order', got 'first'"):
        import_graph(items, None, bad)


def test_the_learned_prior_survives_saving_the_graph(tmp_path):
    from kgrec.kg.query.remention import graph_prior
    from kgrec.kg.storage.graph_file import load_graph, save_graph

    items = write(tmp_path / "items.csv", "id,name\nb1,Dune\nb2,Emma\n")
    G = import_graph(items, None, write(tmp_path / "r.csv", "user,item,like\nu,b1,1\nu,b2,1\nu,b1,1\n"))
    G.graph.pop("import_notes")  # printed at import, not kept
    save_graph(G, tmp_path / "g.npz")
    assert graph_prior(load_graph(tmp_path / "g.npz")) == graph_prior(G) and graph_prior(G).last == 0.0
    assert graph_prior(G).liked == 0.3333  # Dune back once in three earlier liked items
