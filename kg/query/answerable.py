"""What a graph can answer as a hard filter: a genre only when some catalog item has it and most
items have a genre at all (else a genre filter drops the many items whose genre the KG does not
know, and the genre is a soft preference instead)::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_nodes_from([1, 2], item=True); G.add_node(9, type="genre")
    >>> G.add_node(8, type="genre"); _ = G.add_edge(1, 9, key="genre")
    >>> genre_coverage(G), hard_genres(G, [8, 9])
    (0.5, (9,))
"""
from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from kgrec.kg.graph import catalog_set, is_item
from kgrec.kg.query.adjacency import in_edges

MIN_GENRE_COVERAGE = 0.5  # share of catalog items with a genre for genre words to be hard filters
COVERAGE_KEY = "genre_coverage"  # G.graph cache (the graph's data, computed once)


def genre_coverage(G: nx.MultiDiGraph) -> float:
    """Share of catalog items with at least one genre (cached on ``G.graph``)."""
    if COVERAGE_KEY not in G.graph:
        items = [n for n, item in G.nodes(data="item") if item]
        have = sum(1 for n in items if any(G.nodes[t].get("type") == "genre" for t in G.successors(n)))
        G.graph[COVERAGE_KEY] = have / len(items) if items else 0.0
    return G.graph[COVERAGE_KEY]


def items_with(G: nx.MultiDiGraph, node: int) -> int:
    """How many catalog items have an edge to ``node``."""
    return sum(1 for p in G.predecessors(node) if is_item(G, p)) if node in G else 0


def hard_genres(G: nx.MultiDiGraph, genres: Iterable[int]) -> tuple[int, ...]:
    """The genres the graph can answer as filters (see the module docstring)."""
    if genre_coverage(G) < MIN_GENRE_COVERAGE:
        return ()
    items = catalog_set(G)
    return tuple(g for g in genres if g in G and any(p in items for p in in_edges(G, g)))  # one is enough
