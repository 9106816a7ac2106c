"""The graph helpers every layer shares: names, the catalog, degrees and hubs."""
import networkx as nx

from kgrec.kg.graph import HUB_DEGREE, catalog, degrees, display, hubs, is_item
from kgrec.kg.query.linking import build_link_index, link


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node(3, type="movie", item=True, name="Heat", title="Heat (1995)")
    G.add_node(1, type="movie", item=True, name="Ronin")  # no title: its name
    G.add_node(2, type="movie", item=False, name="Heat 2")  # in the graph, not recommendable
    G.add_node(7, type="language", name="English language")
    G.add_node(8, type="company", name="Warner")
    for n in (1, 3):
        G.add_edge(n, 7, key="language")
    return G


def test_display_names_a_movie_by_title_then_name_then_id():
    G = _graph()
    assert [display(G, n) for n in (3, 1, 404)] == ["Heat (1995)", "Ronin", "404"]


def test_the_catalog_is_the_sorted_recommendable_items():
    G = _graph()
    assert catalog(G) == [1, 3] and is_item(G, 3) and not is_item(G, 2) and not is_item(G, 404)


def test_hubs_are_languages_and_very_connected_companies_and_follow_graph_changes():
    G = _graph()
    assert hubs(G) == {7} and degrees(G)[7] == 2
    for n in range(100, 101 + HUB_DEGREE):
        G.add_edge(n, 8, key="distributor")
    assert hubs(G) == {7, 8} and degrees(G)[8] == HUB_DEGREE + 1


def test_the_linker_knows_only_the_data_set_words_it_is_given():
    G = _graph()
    assert [m.node for m in link(build_link_index(G), "@111 was great")] == []
    assert [m.node for m in link(build_link_index(G, redial_ids={111: 1}), "@111 was great")] == [1]
