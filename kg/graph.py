"""Small questions every layer asks of a graph: a node's display name, the catalog, degrees, hubs.

Pure functions of ``G``; the per-graph ones are cached on ``G.graph`` until the graph changes size::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, type="movie", item=True, name="Up", title="Up (2009)")
    >>> G.add_node(9, type="person", name="Pete Docter")
    >>> G.add_edge(1, 9, key="director")
    'director'
    >>> display(G, 1), display(G, 9), display(G, 404)
    ('Up (2009)', 'Pete Docter', '404')
    >>> catalog(G), is_item(G, 9), degrees(G)[9]
    ([1], False, 1)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx

from kgrec.kg import heap
from kgrec.kg.comentions import KEY as COMENTIONS_KEY
from kgrec.kg.comentions import co_mentions

HUB_TYPES = frozenset({"language", "country"})
HUB_DEGREE = 100  # a company or "other" node with more edges than this is a hub
CACHE_KEY = "_kgrec_walk"


def display(G: nx.MultiDiGraph, node: int) -> str:
    """The name a reader knows a node by: a movie's title with year, else its name, else its id."""
    data = G.nodes[node] if node in G else {}
    return str(data.get("title") or data.get("name") or node)


def is_item(G: nx.MultiDiGraph, node: int) -> bool:
    """Whether ``node`` is a recommendable catalog item (``item=True``)."""
    return node in catalog_set(G)


def catalog_set(G: nx.MultiDiGraph) -> frozenset[int]:
    """The catalog as a set, cached on the graph (a lookup per scored node, many per turn)."""
    return cached(G, "items", lambda G: frozenset(n for n, item in G.nodes(data="item") if item))


def catalog(G: nx.MultiDiGraph) -> list[int]:
    """Sorted ids of the recommendable items (``item=True``)."""
    return sorted(n for n, item in G.nodes(data="item") if item)


def cached(G: nx.MultiDiGraph, what: Any, build: Callable[[nx.MultiDiGraph], Any]) -> Any:
    """``build(G)``, cached on ``G.graph`` under ``what`` until the graph changes size or co-mentions.

    A frozen graph (``nx.freeze``: every loaded one) cannot change, so its size is never
    recounted: that count walks every node and cost 2 ms a call, many calls a turn.
    """
    cache = G.graph.setdefault(CACHE_KEY, {})
    if nx.is_frozen(G) and "size" in cache:
        return cache[what] if what in cache else cache.setdefault(what, heap.settled(build)(G))
    size = (len(G), sum(map(len, G._adj.values())), id(G.graph.get(COMENTIONS_KEY)))  # number_of_edges() is slow
    if cache.get("size") != size:
        cache.clear()
        cache["size"] = size
    if what not in cache:
        cache[what] = heap.settled(build)(G)  # no collector passes; frozen out of them on a large graph
    return cache[what]


def degrees(G: nx.MultiDiGraph) -> dict[int, int]:
    """Node -> number of edges (in and out), co-mentions counted as the two edges each pair is
    (``kgrec.kg.comentions``), cached on the graph."""
    def build(G):
        degree = dict(G.degree())
        for node, more in co_mentions(G).degrees().items():
            if node in degree:
                degree[node] += more
        return degree
    return cached(G, "degrees", build)


def hubs(G: nx.MultiDiGraph) -> frozenset[int]:
    """Languages, countries and very well connected companies ("English language", "Warner")."""
    def build(G):
        degree = degrees(G)
        return frozenset(n for n, kind in G.nodes(data="type") if kind in HUB_TYPES or (
            kind in ("company", "other") and degree[n] > HUB_DEGREE))
    return cached(G, "hubs", build)


def is_hub(G: nx.MultiDiGraph, node: int) -> bool:
    """Whether ``node`` is one of ``hubs(G)``."""
    return node in hubs(G)
