"""Inverted indexes for the hard filters, so that a filter costs what it returns, not the catalog.

Genre -> items and person -> items need no index of their own: the graph's adjacency is one
(``G.pred[genre]`` are the items of that genre). Years are a sorted array, cached on the graph
(``kg.graph.cached``), cut by binary search::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([(1, {"item": True, "year": 1984}), (2, {"item": True, "year": 2009}),
    ...                   (3, {"item": True}), (4, {"item": True, "year": 1999})])
    >>> sorted(items_in_years(G, 1990, 2010)), sorted(items_in_years(G, None, None))
    ([2, 4], [1, 2, 4])
    >>> items_in_years(G, 2020, None)
    frozenset()
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from kg.graph import cached, catalog


@dataclass(frozen=True, eq=False)
class YearIndex:
    years: np.ndarray  # (I,) int64, ascending: the years of the items that have one
    items: np.ndarray  # (I,) int64 the item of each year


def year_index(G: nx.MultiDiGraph) -> YearIndex:
    """The catalog's items with a year, sorted by year (then id), cached on ``G``."""
    def build(G):
        pairs = sorted((year, n) for n in catalog(G) if (year := G.nodes[n].get("year")) is not None)
        return YearIndex(np.array([y for y, _ in pairs], dtype=np.int64), np.array([n for _, n in pairs], dtype=np.int64))
    return cached(G, "year_index", build)


def items_in_years(G: nx.MultiDiGraph, low: int | None, high: int | None) -> frozenset[int]:
    """The items whose year is within ``low..high`` (either end open when ``None``); no year: never."""
    index = year_index(G)
    start = 0 if low is None else int(np.searchsorted(index.years, low, side="left"))
    stop = len(index.years) if high is None else int(np.searchsorted(index.years, high, side="right"))
    return frozenset(index.items[start:stop].tolist())
