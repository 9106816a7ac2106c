"""Python's cyclic garbage collector and a large loaded graph.

A graph of 10^5 items is ~4.5M Python objects (networkx's nested dictionaries, each edge's
attributes). The collector's full pass walks every one of them: measured at the 100k catalog, each
full pass during the load cost up to 2 s of CPU (21 of them while the graph was built), and one
landing in a turn made that turn 2 s slower. None of these objects can be cyclic garbage: a
loaded graph is frozen and lives as long as the process, as do the indexes built on it. So
:func:`quiet` turns the collector off while a graph (or an index of it: :func:`settled`) is built,
and :func:`settle` then moves a large graph's objects out of the collector's reach
(``gc.freeze``); a small graph (the shipped movie KG, tests) is left as is::

    >>> import networkx as nx
    >>> with quiet():
    ...     G = nx.path_graph(3, create_using=nx.MultiDiGraph)
    >>> settle(G) is G, gc.isenabled()
    (True, True)
"""
from __future__ import annotations

import gc
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import networkx as nx

FREEZE_ABOVE = 500_000  # edges: above, a loaded graph's objects leave the collector (gc.freeze)


@contextmanager
def quiet() -> Iterator[None]:
    """No cyclic collection inside (building a graph allocates millions of objects, none cyclic)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G``, its objects (and everything else alive now) frozen out of the collector's passes
    when it has more than ``FREEZE_ABOVE`` edges; they stay alive as long as the process."""
    if sum(map(len, G._adj.values())) > FREEZE_ABOVE:  # neighbours: as kgrec.kg.graph.cached counts
        gc.freeze()
    return G


def settled(build: Callable) -> Callable:
    """``build(G, ...)`` run :func:`quiet`, then ``G`` :func:`settle`-d: for what is built once per
    graph and lives as long as it (``kgrec.kg.query.linking.build_link_index``, ``kgrec.kg.graph.cached``'s builds)."""
    @functools.wraps(build)
    def run(G, *args, **kwargs):
        with quiet():
            value = build(G, *args, **kwargs)
        settle(G)
        return value
    return run
