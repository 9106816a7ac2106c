"""Linking of library-style titles, genre lists and same-named nodes without edges (tiny graphs in code)."""
import networkx as nx

from kgrec.kg.query.linking import build_link_index, link


def graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(name="forms", domain_noun="movie")
    for node, name in [(1, "Comedy-drama"), (2, "Comedy"), (3, "Drama"), (4, "Documentary film")]:
        G.add_node(node, name=name, type="genre", hint="", uri="")
    for node, name, year in [(10, "Usual Suspects, The", 1995), (11, "Toy Story", None), (12, "Toy Story", 1995)]:
        G.add_node(node, name=name, title=name if year is None else f"{name} ({year})", type="movie", item=True,
                   popularity=5 if node == 11 else 1, year=year, hint="", uri="")
    G.add_node(20, name="Tom Hanks", type="person", hint="", uri="")
    for head, relation, tail in [(10, "genre", 1), (10, "genre", 2), (12, "genre", 3), (12, "genre", 4),
                                 (12, "starring", 20)]:
        G.add_edge(head, tail, key=relation, relation=relation)
    return G


def names(text: str) -> list[str]:
    return [m.name for m in link(build_link_index(graph(), redial_ids={}), text)]


def test_a_list_of_genres_is_not_the_one_genre_comedy_drama():
    assert names("I like comedy, drama and documentaries") == ["Comedy", "Drama", "Documentary film"]
    assert names("a good comedy drama") == ["Comedy-drama"]


def test_title_comma_the_links_from_the_usual_word_order():
    assert names("I loved the usual suspects") == ["Usual Suspects, The (1995)"]
    assert names("I loved Usual Suspects, The") == ["Usual Suspects, The (1995)"]


def test_a_title_links_to_the_film_with_edges_not_to_a_more_popular_edgeless_node():
    G = graph()
    mentions = link(build_link_index(G, redial_ids={}), "something like Toy Story")
    assert [m.node for m in mentions] == [12, 11]  # ambiguous: both, the film with edges first
    assert G.degree(mentions[0].node) > 0
