"""Inverted indexes for the hard filters, so that a filter costs what it returns, not the catalog.

Genre -> items and person -> items need no index of their own: the graph's adjacency is one
(``G.pred[genre]`` are the items of that genre). Years are a sorted array, cached on the graph
(``kgrec.kg.graph.cached``), cut by binary search. :func:`admitted` applies every filter of a
``Constraints`` by set algebra on these (what ``kgrec.kg.query.retrieval.satisfies`` decides item by item)::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([(1, {"item": True, "year": 1984}), (2, {"item": True, "year": 2009}),
    ...                   (3, {"item": True}), (4, {"item": True, "year": 1999})])
    >>> sorted(items_in_years(G, 1990, 2010)), sorted(items_in_years(G, None, None))
    ([2, 4], [1, 2, 4])
    >>> items_in_years(G, 2020, None)
    frozenset()
    >>> G.add_node(7, type="genre"); G.add_edge(1, 7, key="genre"); G.add_edge(4, 7, key="genre")
    'genre'
    'genre'
    >>> sorted(admitted(G, Constraints(not_genres=frozenset({7}))))
    [2, 3]
    >>> sorted(admitted(G, Constraints(genres=frozenset({7}), not_years=frozenset({(1980, 1990)}))))
    [4]
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from kgrec.kg.graph import cached, catalog, catalog_set
from kgrec.kg.query.adjacency import in_edges, out_edges
from kgrec.kg.query.lexicon import normalize
from kgrec.kg.schema import Constraints


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
    index, start, stop = _span(G, low, high)
    return frozenset(index.items[start:stop].tolist())


def _span(G: nx.MultiDiGraph, low: int | None, high: int | None) -> tuple[YearIndex, int, int]:
    """The year index and the positions of ``low..high`` in it."""
    index = year_index(G)
    start = 0 if low is None else int(np.searchsorted(index.years, low, side="left"))
    stop = len(index.years) if high is None else int(np.searchsorted(index.years, high, side="right"))
    return index, start, stop


def admitted(G: nx.MultiDiGraph, c: Constraints, pool: frozenset[int] | None = None) -> frozenset[int]:
    """The catalog items of ``pool`` (default: the catalog) that pass every filter of ``c``: the
    items ``kgrec.kg.query.retrieval.satisfies`` accepts, found from the filters' own item sets (a genre's
    items, a person's, a year range's), so a broad filter no longer checks each item it keeps. The
    smallest set is intersected first, and a year range far wider than what is left is checked item
    by item instead of built (at 10^6 items a range after 1990 is 700k items; a person's, a few)."""
    pool = catalog_set(G) if pool is None else pool & catalog_set(G)
    wanted = [_heads(G, nodes) for nodes in (c.genres, c.themes) if nodes]  # at least one of them (an edge item -> node)
    wanted += [_near(G, person) for person in c.people]  # every one of them, by an edge either way
    for items in sorted(wanted, key=len):
        pool = pool & items
    if c.year_min is not None or c.year_max is not None or c.not_years:
        pool = _in_years(G, pool, c.year_min, c.year_max)  # an item without a year never passes
    for low, high in c.not_years:
        pool = pool - _in_years(G, pool, low, high)
    out = _heads(G, c.not_genres | c.not_themes)
    for person in c.not_people:
        out |= _near(G, person)
    return pool - c.exclude - out


SPARSE_POOL = 8  # a pool this many times smaller than a year range is checked item by item


def _in_years(G: nx.MultiDiGraph, pool: frozenset[int], low: int | None, high: int | None) -> frozenset[int]:
    """The items of ``pool`` whose year is within ``low..high`` (:func:`items_in_years`'s rule)."""
    index, start, stop = _span(G, low, high)
    if len(pool) * SPARSE_POOL < stop - start:
        nodes = G.nodes
        return frozenset(n for n in pool if (year := nodes[n].get("year")) is not None
                         and (low is None or year >= low) and (high is None or year <= high))
    return pool & frozenset(index.items[start:stop].tolist())


def _heads(G: nx.MultiDiGraph, nodes: frozenset[int]) -> frozenset[int]:
    """The nodes with an edge to any of ``nodes`` (the items of a genre or theme)."""
    return frozenset().union(*(in_edges(G, n).keys() for n in nodes if n in G))


def _near(G: nx.MultiDiGraph, node: int) -> frozenset[int]:
    """The nodes one edge from ``node`` either way (a person's items)."""
    return frozenset(in_edges(G, node).keys() | out_edges(G, node).keys()) if node in G else frozenset()


def namesakes(G: nx.MultiDiGraph, items: Iterable[int]) -> frozenset[int]:
    """The other catalog items titled like one of ``items`` that are not a remake of it: the KG's
    second entry of the same film (no year, or the same), a series or restaurant of that name, or
    another film no person links to it ("The Notebook (2013)", a Hungarian film that ReDial's
    linking gave 88 mentions, for "The Notebook (2004)"). A film of another year that shares a
    person with it is a remake and stays ("Ghostbusters (2016)", "Total Recall (2012)")::

        >>> G = nx.MultiDiGraph()
        >>> G.add_nodes_from([(1, {"item": True, "name": "The Notebook", "year": 2004}),
        ...                   (2, {"item": True, "name": "The Notebook", "year": 2013}),
        ...                   (3, {"item": True, "name": "Titanic", "year": 1997}),
        ...                   (4, {"item": True, "name": "Titanic", "year": 2030}), (9, {"type": "person"})])
        >>> _ = G.add_edge(3, 9, key="director"); _ = G.add_edge(4, 9, key="director")
        >>> sorted(namesakes(G, [1])), sorted(namesakes(G, [3]))
        ([2], [])
    """
    items = set(items)
    by_title = cached(G, "items_by_title", _by_title)
    same = {n for item in items if item in G and G.nodes[item].get("item")
            for n in by_title.get(_title(G.nodes[item]), ()) if n not in items and not _remake(G, item, n)}
    return frozenset(same)


def _remake(G: nx.MultiDiGraph, film: int, other: int) -> bool:
    """``other`` is a film of another year that shares a person with ``film``."""
    years = G.nodes[film].get("year"), G.nodes[other].get("year")
    if not all(isinstance(y, int) for y in years) or years[0] == years[1]:
        return False
    people = {n for n in G.succ[film] if G.nodes[n].get("type") == "person"}
    return any(n in people for n in G.succ[other])


def _title(data: dict) -> str:
    return normalize(re.sub(r"\s*\(\d{4}\)\s*$", "", data.get("name") or data.get("title") or ""))


def _by_title(G: nx.MultiDiGraph) -> dict[str, tuple[int, ...]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for item in catalog(G):
        title = _title(G.nodes[item])
        if title:
            groups[title].append(item)
    return {title: tuple(items) for title, items in groups.items() if len(items) > 1}
