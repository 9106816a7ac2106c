"""kgrec.kg.query.linking never links a title to an edgeless non-film node (the shipped graph's Toy_Story_(franchise))."""
import networkx as nx

from kgrec.kg.query.linking import build_link_index, link


def graph(with_film: bool) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(name="toys", domain_noun="movie")
    G.add_node(1, name="Toy Story", title="Toy Story", type="movie", hint="franchise", item=True, popularity=0)
    G.add_node(3, name="Toy Story 3", title="Toy Story 3 (2010)", type="movie", hint="", year=2010, item=True)
    G.add_node(9, name="Tom Hanks", type="person", hint="")
    G.add_edge(3, 9, key="starring")
    if with_film:
        G.add_node(2, name="Toy Story", title="Toy Story (1995)", type="movie", hint="1995 film", year=1995, item=True)
        G.add_edge(2, 9, key="starring")
    return G


def test_the_film_is_linked_not_the_edgeless_franchise():
    G = graph(with_film=True)
    assert [m.node for m in link(build_link_index(G, {}, ()), "I loved Toy Story") if m.type == "movie"] == [2]


def test_without_the_film_the_edgeless_franchise_is_never_linked():
    G = graph(with_film=False)
    assert 1 not in [m.node for m in link(build_link_index(G, {}, ()), "I loved Toy Story")]
