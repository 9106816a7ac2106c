"""The graph's own adjacency dictionaries, read without networkx's per-access views.

``G.succ[node]`` wraps each lookup in a view object (``AtlasView``, then one per neighbour when
iterated with ``.items()``): on a popular item of a large catalog, with tens of thousands of
co-mention neighbours, the views cost more than the work. These return the same dictionaries
networkx keeps (``neighbour -> {relation -> edge data}``), in the same order. They are read-only
by contract: loaded graphs are frozen, and nothing here or in a caller may change them::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge(1, 9, key="starring"); G.add_edge(2, 9, key="director")
    'starring'
    'director'
    >>> dict(out_edges(G, 1)), list(in_edges(G, 9)), sorted(neighbours(G, 9))
    ({9: {'starring': {}}}, [1, 2], [1, 2])
"""
from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from kgrec.kg.comentions import co_mentions

EdgeMap = Mapping[int, Mapping[str, Mapping]]  # neighbour -> relation -> edge data


def out_edges(G: nx.MultiDiGraph, node: int) -> EdgeMap:
    """``node``'s successors with their edges by relation (``G.succ[node]``, without the views)."""
    return G._succ[node]


def in_edges(G: nx.MultiDiGraph, node: int) -> EdgeMap:
    """``node``'s predecessors with their edges by relation (``G.pred[node]``, without the views)."""
    return G._pred[node]


def neighbours(G: nx.MultiDiGraph, node: int) -> set[int]:
    """Every node one edge or co-mention from ``node`` in either direction (``node`` itself left out)."""
    near = G._succ[node].keys() | G._pred[node].keys()
    others = co_mentions(G).row(node)[0]
    if len(others):
        near |= set(others.tolist())
    near.discard(node)
    return near
