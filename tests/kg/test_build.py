"""The movie graph: names, types, dedupe, self-loops, titles; bad input files; the real KG."""
import json
import shutil

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.locations import data_dir
from kgrec.kg.sources.build import build_movie_graph, graph_from_triples, name_from_uri, readable_relation

R = "http://dbpedia.org/resource/"


@pytest.mark.parametrize("uri, expected", [
    (f"<{R}Police_Academy_(film)>", ("Police Academy", "film")),
    (f"{R}Water_(1985_film)", ("Water", "1985 film")),
    (f"{R}Hugh_Wilson_(director)", ("Hugh Wilson", "director")),
    (f"{R}Am%C3%A9lie", ("Amélie", "")),
    (f"{R}Ame\u0301lie__Poulain", ("Amélie Poulain", "")),  # NFC, collapsed whitespace
    (f"{R}What_About_Bob%3F", ("What About Bob?", "")),
    (f"{R}(500)_Days_of_Summer", ("(500) Days of Summer", "")),
    (f"{R}Sunrise/Back_to_the_Future", ("Sunrise/Back to the Future", "")),
])
def test_display_name_from_uri_keeps_disambiguation_as_hint(uri, expected):
    assert name_from_uri(uri) == expected


def test_relation_names_are_readable():
    assert readable_relation("<http://dbpedia.org/ontology/musicComposer>") == "music_composer"
    assert readable_relation("<http://dbpedia.org/ontology/productionCompany>") == "production_company"


def tiny():
    uris = {1: f"{R}Heat_(1995_film)", 2: f"{R}Al_Pacino", 3: f"{R}Crime_film",
            4: f"{R}Warner_Bros.", 5: f"{R}United_States", 6: f"{R}English_language",
            7: f"{R}Michael_Mann", 8: f"{R}Manhattan"}
    triples = [(1, "starring", 2), (1, "starring", 2), (1, "genre", 3), (1, "distributor", 4),
               (1, "country", 5), (1, "language", 6), (1, "director", 7), (1, "writer", 7),
               (1, "location", 8), (2, "self_loop", 2), (7, "director", 7)]
    return graph_from_triples(uris, triples, items={1})


def test_node_types_come_from_the_relations_a_node_takes_part_in():
    G = tiny()
    assert {n: G.nodes[n]["type"] for n in G} == {
        1: "movie", 2: "person", 3: "genre", 4: "company", 5: "country", 6: "language",
        7: "person", 8: "other"}


def test_edges_are_deduplicated_keyed_by_relation_and_without_self_loops():
    G = tiny()
    assert G.number_of_edges() == 8
    assert sorted(G[1][7]) == ["director", "writer"]
    assert G.edges[1, 2, "starring"] == {"relation": "starring", "source": "dbpedia"}
    assert not any(u == v for u, v in G.edges())


def test_movies_carry_title_year_and_item_flag():
    node = tiny().nodes[1]
    assert (node["name"], node["hint"], node["title"], node["year"], node["item"]) == (
        "Heat", "1995 film", "Heat (1995)", 1995, True)


def test_isolated_items_are_still_nodes():
    G = graph_from_triples({1: f"{R}Lonely_(film)"}, [], items={1})
    assert G.nodes[1]["type"] == "movie" and G.nodes[1]["item"]


def copy_data(tmp_path):
    for sub in ("redial_kg", "redial"):
        (tmp_path / sub).mkdir()
    for name in ("dbpedia_subkg.json", "entity2id.json", "relation2id.json", "item_ids.json"):
        shutil.copy(data_dir() / "redial_kg" / name, tmp_path / "redial_kg" / name)
    for name in ("movies_with_mentions.csv", "redial_movieid_to_dbpedia_KGSF.tsv"):
        shutil.copy(data_dir() / "redial" / name, tmp_path / "redial" / name)
    return tmp_path


def test_truncated_json_names_file_and_line(tmp_path):
    root = copy_data(tmp_path)
    path = root / "redial_kg" / "relation2id.json"
    path.write_text('{\n"<http://dbpedia.org/ontology/genre>": 1,\n')
    with pytest.raises(DataFileError, match=r"relation2id\.json:3: invalid JSON") as e:
        build_movie_graph(root)
    assert e.value.line == 3 and "\n" not in str(e.value)


def test_missing_file_is_named(tmp_path):
    root = copy_data(tmp_path)
    (root / "redial_kg" / "item_ids.json").unlink()
    with pytest.raises(DataFileError, match=r"item_ids\.json: cannot read"):
        build_movie_graph(root)


def test_unknown_entity_in_kg_is_rejected(tmp_path):
    root = copy_data(tmp_path)
    (root / "redial_kg" / "dbpedia_subkg.json").write_text(json.dumps({"0": [[4, 99999999]]}))
    with pytest.raises(DataFileError, match=r"dbpedia_subkg\.json:1: entry '0'"):
        build_movie_graph(root)


def test_bad_tsv_row_names_file_and_line(tmp_path):
    root = copy_data(tmp_path)
    path = root / "redial" / "redial_movieid_to_dbpedia_KGSF.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = "75828 Ninja Assassin"  # no tabs
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"KGSF\.tsv:5: 3 fields"):
        build_movie_graph(root)


@pytest.fixture(scope="module")
def movie_graph():
    return build_movie_graph()


@pytest.mark.slow
def test_real_graph_matches_the_files(movie_graph):
    G = movie_graph
    entities = json.loads((data_dir() / "redial_kg" / "entity2id.json").read_text())
    assert G.number_of_nodes() == len(entities) == 31161
    assert sum(1 for _, d in G.nodes(data=True) if d.get("item")) == 6281
    assert G.number_of_edges() == 105364 - 24043  # minus the self-loops


@pytest.mark.slow
def test_police_academy_stars_steve_guttenberg(movie_graph):
    G = movie_graph
    [movie] = [n for n, d in G.nodes(data=True) if d.get("title") == "Police Academy (1984)"]
    stars = {G.nodes[t]["name"] for _, t, k in G.out_edges(movie, keys=True) if k == "starring"}
    assert "Steve Guttenberg" in stars
    [steve] = [n for n, d in G.nodes(data=True) if d["name"] == "Steve Guttenberg"]
    assert G.nodes[steve]["type"] == "person"


@pytest.mark.slow
def test_redial_titles_are_normalised(movie_graph):
    titles = {d.get("title") for _, d in movie_graph.nodes(data=True)}
    assert "Angels in the Outfield (1994)" in titles and "Are We There Yet? (2005)" in titles
    assert not any("  " in t for t in titles if t)
