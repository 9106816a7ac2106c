"""kgrec.kg.storage.registry and `kgrec kg import/list/--graph`: an imported graph is saved once and used by name or folder."""
from pathlib import Path

import pytest

from kgrec.kg.errors import KgrecError
from kgrec.kg.graph import catalog
from kgrec.kg.storage import registry
from kgrec.kgrec_cli import main

BOOKS = Path(__file__).parent / "fixtures" / "books"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def import_books(*extra: str) -> int:
    return main(["kg", "import", "--items", str(BOOKS / "items.csv"), "--triples", str(BOOKS / "triples.tsv"),
                 "--interactions", str(BOOKS / "ratings.csv"), "--noun", "book", *extra])


def test_import_by_name_is_listed_and_queried_with_its_own_graph(cache, capsys):
    assert import_books("--name", "books") == 0
    assert "use it with --graph books" in capsys.readouterr().out
    G = registry.load_graph("books")
    assert (G.graph["domain_noun"], len(catalog(G))) == ("book", 27)
    assert [m["name"] for m in registry.installed()] == ["books"]
    assert main(["kg", "search", "--graph", "books", "I loved Dune by Frank Herbert"]) == 0
    out = capsys.readouterr().out
    assert "Dune" in out and "Frank Herbert" in out


def test_out_folder_is_a_graph_spec_too(cache, tmp_path, capsys):
    assert import_books("--out", str(tmp_path / "kg-books")) == 0
    assert registry.graph_folder(str(tmp_path / "kg-books")) == tmp_path / "kg-books"
    assert len(catalog(registry.load_graph(str(tmp_path / "kg-books")))) == 27
    assert registry.installed() == []  # --out does not install it under a name


def test_unknown_graph_is_one_line_naming_the_installed_ones(cache, capsys):
    import_books("--name", "books")
    with pytest.raises(KgrecError, match=r"graph 'movies2'.*installed: redial-dbpedia, books"):
        registry.load_graph("movies2")
    assert main(["kg", "facts", "--graph", "movies2", "Dune"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "installed: redial-dbpedia, books" in err[0]


def test_a_bad_name_or_a_foreign_out_folder_is_refused_and_nothing_is_overwritten(cache, tmp_path, capsys):
    assert import_books("--name", "../x") == 2
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert import_books("--out", str(tmp_path / "mine")) == 2
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert "not a kgrec graph" in capsys.readouterr().err


def test_agent_config_takes_a_graph_name(cache):
    from kgrec.agent import AgentConfig, Recommender

    import_books("--name", "books")
    rec = Recommender(AgentConfig(graph="books"))
    assert rec.graph.graph["domain_noun"] == "book"
    with pytest.raises(KgrecError, match="installed: redial-dbpedia, books"):
        AgentConfig(graph="nope")


def test_the_readme_walkthrough_on_the_shipped_example(cache, tmp_path, capsys):
    films = Path(__file__).parents[2] / "data" / "examples" / "films"
    assert main(["kg", "import", "--items", str(films / "items.csv"), "--triples", str(films / "triples.csv"),
                 "--dialogues", f"train={films / 'train.jsonl'}", "--dialogues", f"valid={films / 'valid.jsonl'}",
                 "--noun", "movie", "--name", "films"]) == 0
    assert "6 dialogues, 10 recommendation turns (train)" in capsys.readouterr().out
    assert main(["kg", "list"]) == 0
    listing = capsys.readouterr().out
    assert "redial-dbpedia" in listing and "films" in listing and "16" in listing
    assert main(["kg", "candidates", "--graph", "films", "--like", "the usual suspects", "-k", "2"]) == 0
    top = capsys.readouterr().out
    assert "Heat (1995)" in top and "Collateral (2004)" in top
    assert main(["eval", "redial", "--graph", "films", "--systems", "popularity,retriever",
                 "--out", str(tmp_path / "eval"), "--no-progress"]) == 0
    assert "# kgrec on graph films: 3 recommendation turns" in capsys.readouterr().out


def test_a_graphs_noun_is_known_without_loading_it(cache, tmp_path):
    assert import_books("--name", "books") == 0
    assert registry.graph_noun("books") == "book"  # what `kgrec chat --graph books` titles its page with
    assert registry.graph_noun(None) == registry.graph_noun(registry.SHIPPED) == "movie"
    with pytest.raises(KgrecError, match="not an installed graph"):
        registry.graph_noun("no-such-graph")
