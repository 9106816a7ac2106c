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

import functools
import heapq
import math
from collections.abc import Collection, Iterable

import networkx as nx

from kgrec.kg.comentions import co_mentions
from kgrec.kg.graph import cached, degrees, hubs
from kgrec.kg.query.adjacency import in_edges, neighbours, out_edges
from kgrec.kg.schema import CO_MENTIONED, Fact

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
CO_MENTION_COST = RELATION_COST[CO_MENTIONED]
PREFERENCE = tuple(RELATION_COST)  # tie-break between relations of equal cost
MAX_HOPS = 3
MAX_INNER_DEGREE = 150  # nodes this connected are not walked through on three-edge paths
#: routes leave the candidate through at most this many first hops, the cheapest (the shipped movie
#: KG's items have at most 487, 355 of them inner nodes, so it never binds there; a liked item of a
#: 10^6 catalog has ~13,000, and trying them all cost a second per turn when no route fills the list)
MAX_FIRST_HOPS = 500


def relation_cost(relation: str) -> float:
    return RELATION_COST.get(relation, WEAK)


_RANK = {relation: i for i, relation in enumerate(PREFERENCE)}


def _fact_key(fact: Fact) -> tuple:
    rank = _RANK.get(fact.relation, len(PREFERENCE))
    return (relation_cost(fact.relation), rank, fact.relation)


def has_fact(G: nx.MultiDiGraph, fact: Fact) -> bool:
    """Whether ``head --relation--> tail`` is an edge of ``G`` (a co-mention: a pair of its matrix)."""
    if fact.relation == CO_MENTIONED:
        return co_mentions(G).pair(fact.head, fact.tail) is not None
    return G.has_edge(fact.head, fact.tail, key=fact.relation)


def facts_about(G: nx.MultiDiGraph, node: int,
                relations: Collection[str] | None = None) -> list[Fact]:
    """Every fact with ``node`` at either end, strongest relations first."""
    if node not in G:
        return []
    facts = [Fact(node, rel, other) for other, keys in G.succ[node].items() for rel in keys]
    facts += [Fact(other, rel, node) for other, keys in G.pred[node].items() for rel in keys]
    if relations is None or CO_MENTIONED in relations:
        others = co_mentions(G).row(node)[0].tolist()  # each pair both ways, as the edges were
        facts += [Fact(node, CO_MENTIONED, o) for o in others] + [Fact(o, CO_MENTIONED, node) for o in others]
    if relations is not None:
        facts = [f for f in facts if f.relation in relations]
    return sorted(facts, key=lambda f: (*_fact_key(f), f.head, f.tail))


def _best_fact(G: nx.MultiDiGraph, a: int, b: int) -> Fact | None:
    """The strongest fact between ``a`` and ``b`` in either direction."""
    facts = [Fact(a, rel, b) for rel in out_edges(G, a).get(b, {})]
    facts += [Fact(b, rel, a) for rel in in_edges(G, a).get(b, {})]
    if co_mentions(G).pair(a, b) is not None:
        facts += [Fact(a, CO_MENTIONED, b), Fact(b, CO_MENTIONED, a)]
    return min(facts, key=_fact_key, default=None)


def _neighbours(G: nx.MultiDiGraph, node: int) -> set[int]:
    return neighbours(G, node)


@functools.lru_cache(maxsize=4096)
def _penalty(degree: int) -> float:
    """Passing through a very connected node ("comedy") says less than through a person."""
    return max(0.0, math.log10(max(degree, 1)) - 1.5) * 0.5


def _near(G: nx.MultiDiGraph, item: int, anchors: set[int]) -> list[tuple[int, set[int]]]:
    """``(anchor, its neighbours)`` of each anchor but ``item``, by id: gathered once per candidate, for
    both route searches (a person of a 10^6 catalog has 10^5 neighbours)."""
    return [(a, _neighbours(G, a)) for a in sorted(anchors) if a != item]


def _short_routes(G: nx.MultiDiGraph, item: int, anchors: set[int], max_hops: int,
                  usable, near: list[tuple[int, set[int]]]) -> list[list[int]]:
    """Node sequences of one or two edges from ``item`` to an anchor. The middle node's anchors
    are read from each anchor's neighbours, gathered once (a few sets; asking each of a popular
    item's 10^4 neighbours whether it touches an anchor cost a co-mention lookup each). Of more than
    ``MAX_FIRST_HOPS`` middle nodes, the cheapest first hops are kept (two popular items of a 10^6
    catalog share ~10^4 co-mentioned items)."""
    first = _neighbours(G, item)
    found = [[item, a] for a in sorted(first & anchors)]
    if max_hops >= 2:
        middle = {n for n in first - anchors if usable(n)} & set().union(*(n for _, n in near))
        if len(middle) > MAX_FIRST_HOPS:
            middle = {m for _, m in _first_hops(G, item, middle)}
        for m in sorted(middle):
            found += [[item, m, a] for a, next_to in near if m in next_to]
    return found


def _long_scored(G: nx.MultiDiGraph, item: int, anchors: set[int], allow_hubs: bool, limit: int,
                 found: list[tuple[float, list[int]]], near: list[tuple[int, set[int]]]) -> list[tuple[float, list[int]]]:
    """``(cost, nodes)`` of three-edge routes; very connected nodes (a genre) are not walked through.
    First hops are tried cheapest first, ``MAX_FIRST_HOPS`` at most, and stop once no route through
    them can be chosen (:func:`_bound`): on a large catalog a well-liked anchor has hundreds of
    thousands of routes. The third node's anchors are looked up in ``near`` (``_near``), from the
    second node's few neighbours (inner nodes have at most ``MAX_INNER_DEGREE``): listing every
    inner node next to an anchor instead cost 0.2 s per candidate at 10^6 items (2 x 10^5 of them)."""
    degree, inner = degrees(G), _inner_nodes(G, allow_hubs)
    skip = anchors | {item}
    cost_of: dict[tuple[int, int], float] = {}
    first = _first_hops(G, item, (_neighbours(G, item) - anchors) & inner)
    cheapest = [-c for c in sorted(c for c, _ in found)[:limit]]  # the ``limit`` cheapest costs (a max-heap)
    heapq.heapify(cheapest)
    best, out = {}, []
    for c, nodes in found:
        best[nodes[-1]] = min(best.get(nodes[-1], math.inf), c)
    for low, m1 in first:
        kth = -cheapest[0] if len(cheapest) >= limit else math.inf
        if 3 + low > _bound(kth, best, len(anchors), limit) + 1e-9:  # every later route costs more
            break
        for m2 in sorted((_neighbours(G, m1) & inner) - skip):
            for a, next_to in near:
                if m2 in next_to and a != m1:
                    route = (_cost([item, m1, m2, a], degree, cost_of, G), [item, m1, m2, a])
                    out.append(route)
                    if len(cheapest) < limit:
                        heapq.heappush(cheapest, -route[0])
                    elif route[0] < -cheapest[0]:
                        heapq.heapreplace(cheapest, -route[0])
                    best[a] = min(best.get(a, math.inf), route[0])
    return out


def _first_hops(G: nx.MultiDiGraph, item: int, hops: set[int]) -> list[tuple[float, int]]:
    """``(hop cost + the node's penalty, node)`` of the cheapest ``MAX_FIRST_HOPS`` of ``hops`` (neighbours
    of ``item``), cheapest first. A neighbour without an edge is co-mentioned: its cost needs no lookup."""
    degree, out, into = degrees(G), out_edges(G, item), in_edges(G, item)
    scored = [((_pair_cost(G, item, m) if m in out or m in into else CO_MENTION_COST) + _penalty(degree[m]), m)
              for m in hops]
    return heapq.nsmallest(MAX_FIRST_HOPS, scored)  # sorted(scored)[:MAX_FIRST_HOPS]


def _inner_nodes(G: nx.MultiDiGraph, allow_hubs: bool) -> frozenset[int]:
    """The nodes a three-edge route may pass through: at most ``MAX_INNER_DEGREE`` edges, and no
    hub unless ``allow_hubs`` (cached on the graph: one pass over the nodes, then set operations)."""
    def build(G):
        hub = frozenset() if allow_hubs else hubs(G)
        return frozenset(n for n, d in degrees(G).items() if d <= MAX_INNER_DEGREE and n not in hub)
    return cached(G, ("paths_inner", allow_hubs), build)


def _bound(kth: float, best: dict[int, float], anchors: int, limit: int) -> float:
    """The highest cost :func:`explanation_paths` may still choose: ``kth``, the ``limit``-th cheapest
    route's (inf while fewer), and the best route of each of the ``limit`` first anchors (of every
    anchor when fewer)."""
    firsts = sorted(best.values())
    if len(firsts) >= limit:
        return max(kth, firsts[limit - 1])
    return max(kth, firsts[-1]) if firsts and len(best) == anchors else math.inf


def _pair_cost(G: nx.MultiDiGraph, a: int, b: int) -> float:
    """The relation cost of :func:`_best_fact` ``(G, a, b)`` (its relation is a cheapest one), for
    neighbours ``a`` and ``b`` (as every route's hops are): neighbours without an edge are co-mentioned,
    so the co-mention matrix is asked only when an edge costlier than a co-mention joins them."""
    edges = (*out_edges(G, a).get(b, ()), *in_edges(G, a).get(b, ()))
    cost = min(map(relation_cost, edges), default=math.inf)
    if cost > CO_MENTION_COST and (not edges or co_mentions(G).pair(a, b) is not None):
        cost = CO_MENTION_COST
    return cost


def _cost(nodes: list[int], degree, cost_of: dict, G: nx.MultiDiGraph) -> float:
    """Edges + their relations' costs + the penalties of the nodes passed through."""
    pairs = list(zip(nodes, nodes[1:]))
    return (len(pairs) + sum(cost_of[p] if p in cost_of else cost_of.setdefault(p, _pair_cost(G, *p)) for p in pairs)
            + sum(_penalty(degree[n]) for n in nodes[1:-1]))


def _scored(G: nx.MultiDiGraph, routes: list[list[int]]) -> list[tuple[float, list[int]]]:
    """``(cost, nodes)`` of each route, cheapest first (its facts are built only when chosen)."""
    degree, cost_of = degrees(G), {}  # routes share hops: each pair is looked up once
    return sorted((_cost(nodes, degree, cost_of, G), nodes) for nodes in routes)


def _kept(scored: list[tuple[float, list[int]]], limit: int) -> list[tuple[float, list[int]]]:
    """What :func:`explanation_paths` can choose from ``scored`` (cheapest first): the ``limit``
    cheapest routes and each anchor's cheapest; the rest is dropped (three-edge routes through a
    well-liked item number in the hundreds of thousands on a large catalog)."""
    best: dict[int, tuple] = {}
    for route in scored:
        best.setdefault(route[1][-1], route)
    return sorted({id(r): r for r in [*scored[:limit], *best.values()]}.values())


def _routes(G: nx.MultiDiGraph, item: int, anchors: set[int], max_hops: int, limit: int,
            allow_hubs: bool) -> list[tuple]:
    """Scored routes; three-edge ones only while shorter ones cannot fill ``limit``."""
    hub = frozenset() if allow_hubs else hubs(G)

    def usable(n: int) -> bool:
        return n not in hub

    near = _near(G, item, anchors)
    scored = _scored(G, _short_routes(G, item, anchors, max_hops, usable, near))
    cheap = [s for s in scored if s[0] <= 3.0]  # no three-edge path costs less than 3
    enough = len(cheap) >= limit and len({s[1][-1] for s in cheap}) >= min(limit, len(anchors))
    if max_hops >= 3 and not enough:
        scored = sorted(scored + _long_scored(G, item, anchors, allow_hubs, limit, scored, near))
    return _kept(scored, limit)


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
    for _cost, nodes in scored:  # the best path to each anchor first
        if nodes[-1] not in seen_anchors and len(chosen) < limit:
            chosen.append(nodes)
            seen_anchors.add(nodes[-1])
    for _cost, nodes in scored:
        if len(chosen) < limit and nodes not in chosen:
            chosen.append(nodes)
    return [tuple(_best_fact(G, a, b) for a, b in zip(nodes, nodes[1:])) for nodes in chosen]
