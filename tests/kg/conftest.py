"""A tiny movie graph built in code, shared by the kg tests (see kg/schema.py for the contract).

    Police Academy (1984) --subsequent_work--> Police Academy 2 (1985)
    both star Steve Guttenberg; Hugh Wilson directed and wrote the first
    comedy: both Police Academies and Scary Movie; horror: Scary Movie;
    animation: Cinderella (1950), Cinderella (2015), Up; every movie is in English (a hub)
    co-mentions: PA <-> PA2 (3), PA <-> Scary Movie (1), Cinderella 1950 <-> Up (2)
    themes: both Cinderellas are about fairy tales; Up has a premise
"""
import networkx as nx
import pytest

from kgrec.kg.comentions import from_pairs, set_co_mentions
from kgrec.kg.schema import DERIVED_ID_BASE, HAS_THEME

PA, PA2, CIN50, CIN15, UP, SCARY = 1, 2, 3, 4, 5, 6
GUTTENBERG, WILSON = 10, 11
COMEDY, HORROR, ANIMATION = DERIVED_ID_BASE + 1, DERIVED_ID_BASE + 2, DERIVED_ID_BASE + 3
ENGLISH = 30
FAIRY_TALES = DERIVED_ID_BASE + 1000
UP_PREMISE = "A widower ties balloons to his house and flies it to South America."

MOVIES = {  # id: (name, year, popularity)
    PA: ("Police Academy", 1984, 10),
    PA2: ("Police Academy 2: Their First Assignment", 1985, 4),
    CIN50: ("Cinderella", 1950, 6),
    CIN15: ("Cinderella", 2015, 3),
    UP: ("Up", 2009, 8),
    SCARY: ("Scary Movie", 2000, 5),
}


def tiny_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(name="tiny", domain_noun="movie")
    for node, (name, year, popularity) in MOVIES.items():
        G.add_node(node, name=name, type="movie", hint=f"{year} film", uri="", year=year,
                   title=f"{name} ({year})", item=True, popularity=popularity)
    G.nodes[PA2]["title"] = "Police Academy 2 (1985)"
    for node, name, kind in [(GUTTENBERG, "Steve Guttenberg", "person"),
                             (WILSON, "Hugh Wilson", "person"),
                             (COMEDY, "comedy", "genre"), (HORROR, "horror", "genre"),
                             (ANIMATION, "animation", "genre"),
                             (ENGLISH, "English language", "language"),
                             (FAIRY_TALES, "fairy tales", "theme")]:
        G.add_node(node, name=name, type=kind, hint="", uri="")
    G.nodes[UP]["premise"] = UP_PREMISE

    def edge(head, relation, tail, **attrs):
        G.add_edge(head, tail, key=relation, relation=relation, source="test", **attrs)

    edge(PA, "starring", GUTTENBERG)
    edge(PA2, "starring", GUTTENBERG)
    edge(PA, "director", WILSON)
    edge(PA, "writer", WILSON)
    edge(PA, "subsequent_work", PA2)
    for movie in (PA, PA2, SCARY):
        edge(movie, "genre", COMEDY)
    edge(SCARY, "genre", HORROR)
    for movie in (CIN50, CIN15, UP):
        edge(movie, "genre", ANIMATION)
    for movie in MOVIES:
        edge(movie, "language", ENGLISH)
    for movie in (CIN50, CIN15):
        edge(movie, HAS_THEME, FAIRY_TALES)
    # co-mentions live outside networkx's edges (kgrec.kg.comentions): (a, b, count, liked)
    set_co_mentions(G, from_pairs([(a, b, count, 0) for a, b, count in [(PA, PA2, 3), (PA, SCARY, 1), (CIN50, UP, 2)]],
                                  source="test"))
    return G


@pytest.fixture
def tiny() -> nx.MultiDiGraph:
    return tiny_graph()
