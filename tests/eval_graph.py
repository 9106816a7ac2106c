"""A tiny movie graph built in code for the bench and evaluation tests (kg/schema.py is the contract).

Movies carry the real DBpedia URIs of ReDial's mapping file, so the official-format
conversion (kgrec.kg.sources.redial) maps ReDial ids onto them:

    Police Academy (1984)  [ReDial 151656]  popularity 10, stars Steve Guttenberg, comedy
    Police Academy 2 (1985)[ReDial 94688]   popularity 4,  stars Steve Guttenberg, comedy
    Super Troopers (2001)  [ReDial 111776]  popularity 7,  comedy
    Up (2009)                               popularity 8,  animation
    Scary Movie (2000)                      popularity 5,  comedy, horror
"""
import networkx as nx

from kgrec.kg.schema import DERIVED_ID_BASE

PA, PA2, TROOPERS, UP, SCARY = 1, 2, 3, 4, 5
GUTTENBERG = 10
COMEDY, HORROR, ANIMATION = DERIVED_ID_BASE + 1, DERIVED_ID_BASE + 2, DERIVED_ID_BASE + 3
RESOURCE = "http://dbpedia.org/resource/"
MOVIES = {  # id: (name, year, popularity, uri page)
    PA: ("Police Academy", 1984, 10, "Police_Academy_(film)"),
    PA2: ("Police Academy 2: Their First Assignment", 1985, 4, "Police_Academy_2:_Their_First_Assignment"),
    TROOPERS: ("Super Troopers", 2001, 7, "Super_Troopers"),
    UP: ("Up", 2009, 8, "Up_(2009_film)"),
    SCARY: ("Scary Movie", 2000, 5, "Scary_Movie"),
}


def tiny_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(name="tiny", domain_noun="movie")
    for node, (name, year, popularity, page) in MOVIES.items():
        G.add_node(node, name=name, type="movie", hint="film", uri=RESOURCE + page, year=year,
                   title=f"{name} ({year})", item=True, popularity=popularity)
    for node, name, kind in [(GUTTENBERG, "Steve Guttenberg", "person"), (COMEDY, "comedy", "genre"),
                             (HORROR, "horror", "genre"), (ANIMATION, "animation", "genre")]:
        G.add_node(node, name=name, type=kind, hint="", uri="")

    def edge(head, relation, tail):
        G.add_edge(head, tail, key=relation, relation=relation, source="test")

    edge(PA, "starring", GUTTENBERG)
    edge(PA2, "starring", GUTTENBERG)
    edge(PA, "subsequent_work", PA2)
    for movie in (PA, PA2, TROOPERS, SCARY):
        edge(movie, "genre", COMEDY)
    edge(SCARY, "genre", HORROR)
    edge(UP, "genre", ANIMATION)
    return G
