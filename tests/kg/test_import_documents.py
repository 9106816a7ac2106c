"""kgrec.kg.sources.import_documents: a UniCRS graph's items get premises and themes by URI or id (kgrec kg import --unicrs --descriptions)."""
import json

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.query.documents import coverage, document
from kgrec.kg.sources.import_documents import add_documents
from kgrec.kg.sources.import_unicrs import import_unicrs
from kgrec.kg.sources.themes import theme_node_ids
from tests.kg.test_import_unicrs import COLLATERAL, HEAT, SCARFACE, write_unicrs


@pytest.fixture
def G(tmp_path):
    return import_unicrs(tmp_path / "kg", write_unicrs(tmp_path / "kg")).graph


def test_the_shipped_documents_format_matches_items_by_uri_not_by_node_id(G, tmp_path):
    path = tmp_path / "docs.jsonl"
    rows = [{"node": 1, "uri": "http://dbpedia.org/resource/Heat_(1995_film)", "premise": "A thief meets a detective.",
             "themes": ["heist", "detectives"]},
            {"node": HEAT, "uri": "http://dbpedia.org/resource/Not_in_this_catalog", "premise": "x", "themes": ["sharks"]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert add_documents(G, path) == (1, 1, 2)
    assert document(G, HEAT).endswith("About: detectives, heist. A thief meets a detective.")
    assert theme_node_ids()["heist"] in G and G.nodes[theme_node_ids()["heist"]]["reads"] == "is about a heist"
    assert theme_node_ids()["sharks"] not in G  # no item of this graph is about sharks
    assert coverage(G) == {"items": 3, "with_premise": 1, "with_themes": 1, "themes": 2}


def test_a_csv_names_items_by_entity_id_or_uri_and_may_bring_its_own_themes(G, tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text(f"id,description,theme\n{COLLATERAL},A cab driver's long night.,taxis|heist\n"
                    "<http://dbpedia.org/resource/Scarface_(1983_film)>,A refugee builds an empire.,\n"
                    "999,Nobody.,heist\n", encoding="utf-8")
    assert add_documents(G, path) == (2, 1, 2)
    assert G.nodes[SCARFACE]["premise"] == "A refugee builds an empire."
    [taxis] = [n for n, d in G.nodes(data=True) if d.get("name") == "taxis"]
    assert G.nodes[taxis]["type"] == "theme" and G.has_edge(COLLATERAL, taxis, key="has_theme")
    assert taxis not in theme_node_ids().values()


def test_a_malformed_documents_line_names_the_file_and_line(G, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"uri": "x", "premise": "", "themes": []}\n{"uri": 5}\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"docs.jsonl.*2"):
        add_documents(G, path)


def test_the_import_command_takes_descriptions_with_unicrs(tmp_path, capsys):
    from kgrec.kgrec_cli import main

    paths = write_unicrs(tmp_path / "kg")
    docs = tmp_path / "docs.csv"
    docs.write_text(f"id,description,theme\n{HEAT},A thief meets a detective.,heist\n", encoding="utf-8")
    assert main(["kg", "import", "--unicrs", str(tmp_path / "kg"), "--dialogues", f"train={paths['train']}",
                 "--descriptions", str(docs), "--out", str(tmp_path / "g")]) == 0
    out = capsys.readouterr().out
    assert "documents: items with a premise 1 (33.3%), with themes 1 (33.3%); 1 themes" in out
    assert "1 rows matched a catalog item by URI or id, 0 did not" in out
