"""`kgrec eval redial --graph`: any CRSLab file over an imported graph; a foreign file is refused in one line."""
import json
from pathlib import Path

import pytest

from kgrec.kgrec_cli import main

BOOKS = Path(__file__).parents[1] / "kg" / "fixtures" / "books"


@pytest.fixture
def books(tmp_path, monkeypatch):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    assert main(["kg", "import", "--items", str(BOOKS / "items.csv"), "--triples", str(BOOKS / "triples.tsv"),
                 "--interactions", str(BOOKS / "ratings.csv"), "--noun", "book", "--name", "books"]) == 0
    from kgrec.kg.storage.registry import load_graph

    G = load_graph("books")
    return {d["name"]: n for n, d in G.nodes(data=True) if d.get("item")}


def write_turns(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_crslab_file_over_an_imported_graph_is_scored_against_its_catalog(books, tmp_path, capsys):
    rows = [{"context": ["", "I loved Dune, what next?"], "rec": [books["Dune Messiah"]], "prev_entity": [books["Dune"]],
             "dialog_id": "d1", "turn_id": 1, "is_user": 0},
            {"context": ["", "Something like Emma by Jane Austen"], "rec": [books["Pride and Prejudice"]],
             "prev_entity": [], "dialog_id": "d2", "turn_id": 1, "is_user": 0}]
    data = write_turns(tmp_path / "test.jsonl", rows)
    out = tmp_path / "eval"
    assert main(["eval", "redial", "--graph", "books", "--data", str(data), "--systems", "popularity,retriever",
                 "--out", str(out), "--no-progress"]) == 0
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert result["graph"] == "books" and result["turns"] == 2 and result["published"] == {}
    assert result["systems"]["retriever"]["all"]["recall@10"] == 1.0  # Dune -> its sequel; Austen -> Austen
    assert "# kgrec on graph books" in (out / "results.md").read_text(encoding="utf-8")


def test_a_file_whose_labels_are_not_catalog_items_is_refused(books, tmp_path, capsys):
    rows = [{"context": ["", "hi"], "rec": [123456], "prev_entity": [], "dialog_id": "x", "turn_id": 1, "is_user": 0}]
    data = write_turns(tmp_path / "foreign.jsonl", rows)
    assert main(["eval", "redial", "--graph", "books", "--data", str(data), "--systems", "popularity",
                 "--out", str(tmp_path / "eval"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "0 of 1 labels are catalog items of graph 'books'" in err[0]
    assert not (tmp_path / "eval").exists()
