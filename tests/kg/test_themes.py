"""Themes and premises: derived from the sources by rules, shipped, read back as KG edges."""
import json

import pytest

from kgrec.kg.errors import DataFileError
from kgrec.kg.schema import Fact, HAS_THEME
from kgrec.kg.sources.build import graph_from_triples
from kgrec.kg.sources.enrich import Film
from kgrec.kg.sources.themes import (THEMES, add_themes, coverage, derive_rows, label_themes, premise, sentences,
                       text_themes, theme_node_ids, write_rows)
from kgrec.kg.query.verbalize import verbalize

R = "http://dbpedia.org/resource/"
LEAD = ("Back to the Future Part II is a 1989 American science fiction film directed by Robert Zemeckis. "
        "It stars Michael J. Fox and Christopher Lloyd. It follows Marty McFly and Dr. Emmett Brown as they "
        "travel from 1985 to 2015 in a time machine. The film grossed $332 million.")


def tiny():
    uris = {1: f"{R}Back_to_the_Future_Part_II", 2: f"{R}Reservoir_Dogs", 3: f"{R}Heat_(1995_film)"}
    return graph_from_triples(uris, [], items={1, 2, 3})


WIKI = [Film("Back to the Future Part II", 1989, ("Science Fiction",), "Back_to_the_Future_Part_II", LEAD),
        Film("Reservoir Dogs", 1992, ("Crime",), "Reservoir_Dogs",
             "Reservoir Dogs is a 1992 American crime film. It follows a group of criminals whose jewelry heist "
             "goes wrong.")]
CMU = [Film("Heat", 1995, ("Crime Thriller", "Heist", "Drama"))]


@pytest.mark.parametrize("labels, expected", [
    (["Time travel", "Comedy"], ["time travel"]),
    (["Zombie Film", "Horror Comedy"], ["zombies"]),
    (["Courtroom Drama"], ["courtroom drama"]),
    (["Drama", "Black-and-white", "English Language"], []),  # broad genres and formats are no themes
])
def test_source_labels_map_to_readable_themes(labels, expected):
    assert label_themes(labels) == expected


def test_the_lead_names_themes_but_not_through_the_title():
    assert text_themes("A boxer fights his way up.", "") == ["boxing"]
    assert "animals" not in text_themes("Reservoir Dogs is a crime film.", "Reservoir Dogs")


def test_premise_keeps_the_story_sentences_only():
    assert sentences("Dr. Brown meets Michael J. Fox. Then he leaves.") == [
        "Dr. Brown meets Michael J. Fox.", "Then he leaves."]
    text = premise(LEAD)
    assert text.startswith("It follows Marty McFly and Dr. Emmett Brown") and "grossed" not in text
    assert "directed" not in text and "stars" not in text
    assert premise("Heat is a 1995 film directed by Michael Mann. It stars Al Pacino.") == ""


def test_derived_file_builds_theme_edges_premises_and_sentences(tmp_path):
    G, path = tiny(), tmp_path / "documents.jsonl"
    write_rows(derive_rows(G, WIKI, CMU), path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert {r["node"]: r["themes"] for r in rows} == {1: ["time travel"], 2: ["heist"], 3: ["heist"]}
    assert rows[0]["page"] == "Back_to_the_Future_Part_II" and rows[0]["links"] == {"wikipedia": "href"}
    assert add_themes(G, path) == 3
    ids = theme_node_ids()
    assert G.nodes[ids["time travel"]]["type"] == "theme" and G.has_edge(1, ids["heist"], HAS_THEME) is False
    assert ids["zombies"] not in G  # a theme no movie has gets no node
    assert "time machine" in G.nodes[1]["premise"]
    assert verbalize(G, Fact(1, HAS_THEME, ids["time travel"])) == \
        "Back to the Future Part II is about time travel."
    assert verbalize(G, Fact(3, HAS_THEME, ids["heist"])) == "Heat (1995) is about a heist."
    assert coverage(G) == (2 / 3, 1.0)


def test_bad_or_stale_rows_name_file_and_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"node": 1, "uri": "x", "premise": "", "themes": ["not a theme"]}\n')
    with pytest.raises(DataFileError, match=r"d\.jsonl:1: a JSON object"):
        add_themes(tiny(), path)
    path.write_text(json.dumps({"node": 1, "uri": "elsewhere", "premise": "", "themes": []}) + "\n")
    with pytest.raises(DataFileError, match=r"d\.jsonl:1: node 1 with uri 'elsewhere'"):
        add_themes(tiny(), path)


def test_theme_ids_are_stable_and_after_the_genres():
    ids = theme_node_ids()
    assert list(ids) == list(THEMES) and len(set(ids.values())) == len(THEMES)
    assert min(ids.values()) == 1_001_000


@pytest.mark.slow
def test_real_kg_movies_have_themes_and_premises():
    from kgrec.kg.query.documents import document, themes
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    with_premise, with_theme = coverage(G)
    assert with_premise >= 0.3 and with_theme >= 0.5
    [bttf2] = [n for n, d in G.nodes(data=True) if d.get("title") == "Back to the Future Part II (1989)"]
    assert "time travel" in themes(G, bttf2)
    assert verbalize(G, Fact(bttf2, HAS_THEME, theme_node_ids()["time travel"])) == \
        "Back to the Future Part II (1989) is about time travel."
    assert "Robert Zemeckis" in document(G, bttf2) and "2015" in document(G, bttf2)
