"""Explanation paths: short, informative chains of real edges between a candidate and what a
user likes ("Police Academy 2 stars Steve Guttenberg, who stars in Police Academy").

Paths never pass through a hub ("English language", "United States", a big studio) unless no
other path exists, and prefer strong relations (cast, crew, sequels, genre) over weak ones
(distributor, language). Each path is a tuple of ``Fact``s with edges as stored, walking from
the candidate to an anchor::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([1, 2], type="movie"); G.add_node(9, type="person")
    >>> G.add_edge(1, 9, key="starring"); G.add_edge(2, 9, key="starring")
    'starring'
    'starring'
    >>> explanation_paths(G, 2, [1])
    [(Fact(head=2, relation='starring', tail=9), Fact(head=1, relation='starring', tail=9))]
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable

import networkx as nx

from kg.graph import cached, degrees, hubs
from kg.schema import CO_MENTIONED, Fact

#: relation -> extra cost of a hop along it (unknown relations: WEAK); lower reads better
RELATION_COST = {
    **dict.fromkeys(("subsequent_work", "previous_work", "director", "starring", "writer",
                     "author"), 0.0),
    "genre": 0.3, "has_theme": 0.3,
    **dict.fromkeys(("producer", "executive_producer", "music_composer", "composer",
                     "cinematography", "editing", "editor", "narrator", "person"), 0.5),
    CO_MENTIONED: 1.2,  # "people also mention" explains less than a shared star
    **dict.fromkeys(("company", "production_company", "distributor", "network", "format",
                     "location"), 1.0),
    **dict.fromkeys(("language", "country"), 2.0),
}
WEAK = 0.5
PREFERENCE = tuple(RELATION_COST)  # tie-break between relations of equal cost
MAX_HOPS = 3
MAX_INNER_DEGREE = 150  # nodes this connected are not walked through on three-edge paths


def relation_cost(relation: str) -> float:
    return RELATION_COST.get(relation, WEAK)


_RANK = {relation: i for i, relation in enumerate(PREFERENCE)}


def _fact_key(fact: Fact) -> tuple:
    rank = _RANK.get(fact.relation, len(PREFERENCE))
    return (relation_cost(fact.relation), rank, fact.relation)


def has_fact(G: nx.MultiDiGraph, fact: Fact) -> bool:
    """Whether ``head --relation--> tail`` is an edge of ``G``."""
    return G.has_edge(fact.head, fact.tail, key=fact.relation)


def facts_about(G: nx.MultiDiGraph, node: int,
                relations: Collection[str] | None = None) -> list[Fact]:
    """Every fact with ``node`` at either end, strongest relations first."""
    if node not in G:
        return []
    facts = [Fact(node, rel, other) for other, keys in G.succ[node].items() for rel in keys]
    facts += [Fact(other, rel, node) for other, keys in G.pred[node].items() for rel in keys]
    if relations is not None:
        facts = [f for f in facts if f.relation in relations]
    return sorted(facts, key=lambda f: (*_fact_key(f), f.head, f.tail))


def _best_fact(G: nx.MultiDiGraph, a: int, b: int) -> Fact | None:
    """The strongest fact between ``a`` and ``b`` in either direction."""
    facts = [Fact(a, rel, b) for rel in G.succ[a].get(b, {})]
    facts += [Fact(b, rel, a) for rel in G.pred[a].get(b, {})]
    return min(facts, key=_fact_key, default=None)


def _neighbours(G: nx.MultiDiGraph, node: int) -> set[int]:
    return (set(G.succ[node]) | set(G.pred[node])) - {node}


def _penalty(degree: int) -> float:
    """Passing through a very connected node ("comedy") says less than through a person."""
    return max(0.0, math.log10(max(degree, 1)) - 1.5) * 0.5


def _short_routes(G: nx.MultiDiGraph, item: int, anchors: set[int], max_hops: int,
                  usable) -> list[list[int]]:
    """Node sequences of one or two edges from ``item`` to an anchor."""
    first = _neighbours(G, item)
    found = [[item, a] for a in sorted(first & anchors)]
    if max_hops >= 2:
        for m in sorted(n for n in first - anchors if usable(n)):
            found += [[item, m, a] for a in sorted(_neighbours(G, m) & anchors) if a != item]
    return found


def _long_routes(G: nx.MultiDiGraph, item: int, anchors: set[int], usable) -> list[list[int]]:
    """Node sequences of three edges; very connected nodes (a genre) are not walked through."""
    degree = degrees(G)

    def inner(n: int) -> bool:
        return usable(n) and degree[n] <= MAX_INNER_DEGREE

    before: dict[int, list[int]] = defaultdict(list)  # node next to an anchor -> anchors
    for a in sorted(anchors):
        for n in _neighbours(G, a):
            if n != item and n not in anchors and inner(n):
                before[n].append(a)
    found = []
    for m1 in sorted(n for n in _neighbours(G, item) - anchors if inner(n)):
        for m2 in sorted(_neighbours(G, m1) & before.keys()):
            found += [[item, m1, m2, a] for a in before[m2] if m2 != item and a != m1]
    return found


def _scored(G: nx.MultiDiGraph, routes: list[list[int]]) -> list[tuple]:
    degree = degrees(G)
    # routes share hops: each pair is looked up once (on a loaded, frozen graph once per process)
    best: dict[tuple[int, int], Fact | None] = cached(G, "best_facts", lambda G: {}) if nx.is_frozen(G) else {}
    scored = []
    for nodes in routes:
        path = tuple(best[pair] if pair in best else best.setdefault(pair, _best_fact(G, *pair))
                     for pair in zip(nodes, nodes[1:]))
        cost = (len(path) + sum(relation_cost(f.relation) for f in path)
                + sum(_penalty(degree[n]) for n in nodes[1:-1]))
        scored.append((cost, nodes, path))
    return sorted(scored, key=lambda s: (s[0], s[1]))


def _routes(G: nx.MultiDiGraph, item: int, anchors: set[int], max_hops: int, limit: int,
            allow_hubs: bool) -> list[tuple]:
    """Scored routes; three-edge ones only while shorter ones cannot fill ``limit``."""
    hub = frozenset() if allow_hubs else hubs(G)

    def usable(n: int) -> bool:
        return n not in hub

    scored = _scored(G, _short_routes(G, item, anchors, max_hops, usable))
    cheap = [s for s in scored if s[0] <= 3.0]  # no three-edge path costs less than 3
    enough = len(cheap) >= limit and len({s[1][-1] for s in cheap}) >= min(limit, len(anchors))
    if max_hops >= 3 and not enough:
        scored = sorted(scored + _scored(G, _long_routes(G, item, anchors, usable)),
                        key=lambda s: (s[0], s[1]))
    return scored


def explanation_paths(G: nx.MultiDiGraph, item: int, anchors: Iterable[int], max_hops: int = 3,
                      limit: int = 3) -> list[tuple[Fact, ...]]:
    """Up to ``limit`` cheapest paths (``<= max_hops`` facts) from ``item`` to any anchor.

    Paths to different anchors come first; hubs are used only when nothing else connects.
    """
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops={max_hops!r}: expected 1, 2 or 3")
    anchors = {a for a in anchors if a in G and a != item}
    if item not in G or not anchors:
        return []
    scored = (_routes(G, item, anchors, max_hops, limit, allow_hubs=False)
              or _routes(G, item, anchors, max_hops, limit, allow_hubs=True))
    chosen, seen_anchors = [], set()
    for _cost, nodes, path in scored:  # the best path to each anchor first
        if nodes[-1] not in seen_anchors and len(chosen) < limit:
            chosen.append(path)
            seen_anchors.add(nodes[-1])
    for _cost, _nodes, path in scored:
        if len(chosen) < limit and path not in chosen:
            chosen.append(path)
    return chosen
