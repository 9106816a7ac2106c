"""Genres and years: label mapping, linking methods, the shipped TSV, coverage on the real KG."""
import pytest

from kgrec.kg.sources.build import graph_from_triples
from kgrec.kg.sources.enrich import (BROAD_GENRES, HEADER, Film, add_genres, broad_genres, genre_coverage,
                       genre_node_ids, link_movies, write_rows)
from kgrec.kg.errors import DataFileError
from kgrec.kg.schema import DERIVED_ID_BASE

R = "http://dbpedia.org/resource/"


@pytest.mark.parametrize("labels, expected", [
    (["Romantic comedy"], ["comedy", "romance"]),
    (["Family Film", "Animation"], ["animation", "family"]),
    (["Science Fiction", "Superhero"], ["science fiction", "superhero"]),
    (["Family Drama"], ["drama"]),  # a drama about a family is not a family film
    (["Silent film", "Black-and-white", "Short"], []),
    (["Slasher", "Noir", "Christmas movie"], ["crime", "holiday", "horror"]),
])
def test_raw_labels_map_to_broad_genres(labels, expected):
    assert broad_genres(labels) == expected


def test_genre_node_ids_are_stable_and_sorted():
    ids = genre_node_ids()
    assert list(ids) == sorted(ids) == list(BROAD_GENRES)
    assert ids["action"] == DERIVED_ID_BASE and len(ids) >= 20
    assert ids["comedy"] == DERIVED_ID_BASE + BROAD_GENRES.index("comedy")


def tiny():
    uris = {1: f"{R}Closer_(2004_film)", 2: f"{R}Heat_(1995_film)", 3: f"{R}Frozen_(2013_film)",
            4: f"{R}Gremlins", 5: f"{R}Cinderella", 6: f"{R}Joe_Pesci", 7: f"{R}Comedy_film"}
    return graph_from_triples(uris, [(4, "starring", 6), (4, "genre", 7)], items={1, 2, 3, 4, 5})


WIKI = [Film("Closer", 2004, ("Drama", "Romance"), "Closer_(2004_film)"),
        Film("Heat", 1996, ("Crime", "Thriller"), "Heat_(1996_remake)"),
        Film("Cinderella", 1950, ("Animated",), "Cinderella_(1950_film)"),
        Film("Cinderella", 2015, ("Fantasy",), "Cinderella_(2015_film)")]
CMU = [Film("Frozen", 2013, ("Family Film", "Animation")), Film("Frozen", 2010, ("Thriller",)),
       Film("Gremlins", 1984, ("Horror", "Comedy"))]


def test_links_record_how_they_were_made():
    rows = link_movies(tiny(), WIKI, CMU)
    got = {(r["node"], r["source"]): (r["link"], r["genres"], r["year"]) for r in rows}
    assert got == {
        (1, "wikipedia"): ("href", "drama|romance", 2004),
        (2, "wikipedia"): ("title+year±1", "crime|thriller", 1996),
        (3, "cmu"): ("title+year", "animation|family", 2013),
        (4, "cmu"): ("title", "comedy|horror", 1984),  # no year in the KG, unique title
    }  # two Cinderellas and no year: not linked


def test_a_page_listed_again_as_a_re_release_keeps_its_first_year():
    rerelease = [Film("Closer 3D", 2013, ("Action",), "Closer_(2004_film)")]
    for wiki in (WIKI + rerelease, rerelease + WIKI):  # whichever file comes first
        rows = {(r["node"], r["source"]): r for r in link_movies(tiny(), wiki, CMU)}
        assert (rows[1, "wikipedia"]["year"], rows[1, "wikipedia"]["genres"]) == (2004, "drama|romance")
    G = tiny()
    G.nodes[1]["year"] = 2013  # the KG's own year picks the listing of that year
    rows = {(r["node"], r["source"]): r for r in link_movies(G, WIKI + rerelease, CMU)}
    assert rows[1, "wikipedia"]["year"] == 2013


def test_add_genres_from_tsv_adds_nodes_edges_and_years(tmp_path):
    G, path = tiny(), tmp_path / "g.tsv"
    write_rows(link_movies(G, WIKI, CMU), path)
    add_genres(G, path)
    ids = genre_node_ids()
    assert G.nodes[ids["comedy"]] == {"name": "comedy", "type": "genre", "hint": "", "uri": ""}
    assert G.edges[3, ids["family"], "genre"]["source"] == "cmu"
    assert G.edges[4, ids["comedy"], "genre"]["source"] == "cmu"
    assert (G.nodes[4]["year"], G.nodes[4]["title"]) == (1984, "Gremlins (1984)")
    assert G.nodes[2]["year"] == 1995  # the KG's own year wins
    assert genre_coverage(G) == 4 / 5


def test_dbpedia_genre_labels_also_map_to_broad_genres(tmp_path):
    G, path = tiny(), tmp_path / "g.tsv"
    write_rows([], path)
    add_genres(G, path)
    assert G.edges[4, genre_node_ids()["comedy"], "genre"]["source"] == "dbpedia"


def test_bad_tsv_row_names_file_and_line(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("\t".join(HEADER) + "\n" + f"1\t{R}Closer_(2004_film)\t2004\tdrama\twikipedia\thref\n"
                    + f"2\t{R}Heat_(1995_film)\t1995\tcrime|noir\twikipedia\thref\n")
    with pytest.raises(DataFileError, match=r"g\.tsv:3: node id, uri, year"):
        add_genres(tiny(), path)


def test_stale_tsv_row_is_reported(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("\t".join(HEADER) + "\n" + f"1\t{R}Other\t2004\tdrama\twikipedia\thref\n")
    with pytest.raises(DataFileError, match=r"g\.tsv:2: node 1 with uri .* regenerate"):
        add_genres(tiny(), path)


@pytest.mark.slow
def test_real_kg_genre_coverage_is_at_least_80_percent():
    from kgrec.kg.sources.build import build_movie_graph

    G = build_movie_graph()
    add_genres(G)
    assert genre_coverage(G) >= 0.8
    [movie] = [n for n, d in G.nodes(data=True) if d.get("title") == "Police Academy (1984)"]
    assert genre_node_ids()["comedy"] in set(G.successors(movie))
