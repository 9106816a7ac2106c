"""The personalised PageRank walk over a graph's undirected, hub-free projection (``kgrec.kg.query.retrieval.from_seeds``).

The power method over every edge on a graph of up to ``WalkConfig.push_above`` walk edges, a local
push from the seeds beyond (``kgrec.kg.query.push``); the projection is cached on ``G.graph``::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([1, 2, 3, 4], type="movie", item=True, popularity=0)
    >>> G.add_nodes_from([8, 9], type="person")
    >>> for movie, person in [(1, 8), (2, 8), (2, 9), (3, 9)]:
    ...     _ = G.add_edge(movie, person, key="starring")
    >>> scores = walk_scores(G, [1])  # 2 shares a star with 1, 3 one with 2, 4 none
    >>> scores[2] > scores[3] > 0, 4 in scores
    (True, False)
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from kgrec.kg.comentions import co_mentions
from kgrec.kg.errors import ConfigError
from kgrec.kg.graph import cached, hubs, is_item
from kgrec.kg.query import push
from kgrec.kg.schema import CO_MENTIONED

#: how strongly a walk follows each relation (others: 1.0)
RELATION_WEIGHTS = {
    "starring": 1.0, "director": 1.5, "writer": 1.0, "subsequent_work": 2.0,
    "previous_work": 2.0, "genre": 0.5, "producer": 0.5, "music_composer": 0.5,
    "cinematography": 0.3, "editing": 0.3, "distributor": 0.2, "production_company": 0.3,
    "company": 0.3, "location": 0.3, CO_MENTIONED: 1.0,
    "has_theme": 0.0,  # themes filter and boost asked-for content; the walk does not follow them (unmeasured)
}


CO_MENTION_STRENGTHS = ("count", "cosine")


@dataclass(frozen=True)
class WalkConfig:
    """Personalised PageRank on the undirected, hub-free projection of the graph."""

    alpha: float = 0.7  # probability of following an edge rather than restarting
    degree_power: float = -0.3  # step weight x degree ** -degree_power (< 0: to the well known)
    co_mention_weight: float = 1.0  # weight of co_mentioned edges (0: left out)
    #: a co_mentioned edge's strength: "count" (1 + log of sessions sharing both) or "cosine" (sessions
    #: sharing both / sqrt of each one's sessions), which keeps the walk from drifting to the most
    #: popular items where co-mentions outnumber the KG's own edges (ratings data)
    co_mention: str = "count"
    iterations: int = 15
    #: above this many walk edges (both directions) the walk is a local push from the seeds
    #: (kgrec.kg.query.push: its cost bounded by 1 / ((1 - alpha) * push_epsilon), not by the graph);
    #: below, the power method's ``iterations`` over every edge (the shipped movie KG: 0.25M)
    push_above: int = 1_000_000
    push_epsilon: float = 1e-6

    def __post_init__(self):
        if not 0 < self.alpha < 1:
            raise ConfigError(f"WalkConfig.alpha={self.alpha!r}: expected 0 < alpha < 1")
        if not -1 <= self.degree_power <= 2:
            raise ConfigError(f"WalkConfig.degree_power={self.degree_power!r}: expected -1..2")
        if self.co_mention not in CO_MENTION_STRENGTHS:
            raise ConfigError(f"WalkConfig.co_mention={self.co_mention!r}: expected one of {', '.join(CO_MENTION_STRENGTHS)}")
        if self.push_above < 0 or not 0 < self.push_epsilon < 1:
            raise ConfigError(f"WalkConfig push_above={self.push_above!r} (>= 0), push_epsilon={self.push_epsilon!r} (0..1)")
        if self.co_mention_weight < 0 or self.iterations < 1:
            raise ConfigError(f"WalkConfig co_mention_weight={self.co_mention_weight!r} (>= 0), "
                             f"iterations={self.iterations!r} (>= 1)")


WALK_KEY = "walk_co_mention"  # G.graph: the walk's co-mention strength, when set (else walk_config decides)


def walk_config(G: nx.MultiDiGraph) -> WalkConfig:
    """The walk for ``G``: co-mentions by "cosine" where they outnumber the KG's own edges (ratings
    data, where counts led the walk to the most popular items), else by "count"; ``G.graph[WALK_KEY]`` overrides."""
    def build(G):  # each co-mention pair counted as the two edges it was
        co = len(co_mentions(G))
        return WalkConfig(co_mention=G.graph.get(WALK_KEY) or ("cosine" if co > G.number_of_edges() else "count"))
    return cached(G, WALK_KEY, build)


# ---------------------------------------------------------------- the walk
@dataclass(frozen=True)
class _Walk:
    nodes: list[int]
    position: dict[int, int]
    src: np.ndarray | None  # (E,) edge sources (None: a push graph, which needs only ``transitions``)
    dst: np.ndarray | None  # (E,) edge targets
    prob: np.ndarray | None  # (E,) transition probability src -> dst
    items: np.ndarray  # (I,) positions of catalog items
    is_item: np.ndarray  # (N,) bool: position holds a catalog item
    transitions: push.Transitions  # the same edges by source (CSR), for the local push

    @property
    def power(self) -> bool:
        """The power method over every edge (``src``/``dst``/``prob`` kept), not a local push."""
        return self.src is not None


def _co_mention_weights(G: nx.MultiDiGraph, config: WalkConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(heads, tails, weights)`` of the co-mention facts (node ids, both ways): "count" weighs a
    pair ``1 + log(count)``, "cosine" ``count / sqrt(sessions of each end)`` (their popularity)."""
    heads, tails, count = co_mentions(G).entries()
    if config.co_mention == "count":  # math.log of each distinct count: the very floats of one edge at a time
        values, where = np.unique(count, return_inverse=True)
        strength = np.array([1 + math.log(c) for c in values.tolist()], dtype=np.float64)[where]
    else:
        popularity = np.array([max(G.nodes[n].get("popularity") or 1, 1) for n in co_mentions(G).items.tolist()],
                              dtype=np.int64)
        at = np.searchsorted(co_mentions(G).items, [heads, tails])
        strength = count / np.sqrt((popularity[at[0]] * popularity[at[1]]).astype(np.float64))
    return heads, tails, RELATION_WEIGHTS[CO_MENTIONED] * strength * config.co_mention_weight


def _walk(G: nx.MultiDiGraph, config: WalkConfig) -> _Walk:
    return cached(G, config, lambda G: _build_walk(G, config))


def _both_ways(heads: np.ndarray, tails: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(src, dst)``: each ``heads[i] - tails[i]`` as two entries, ``heads[i] -> tails[i]`` then back."""
    return np.stack([heads, tails], axis=1).ravel(), np.stack([tails, heads], axis=1).ravel()


def _build_walk(G: nx.MultiDiGraph, config: WalkConfig) -> _Walk:
    """Every walk edge both ways (the KG's, then the co-mentions'), built as int32 positions: arrays of
    the edges' size only, never a Python object per edge (10^6 items: 62.6M entries). A graph the local
    push walks (more than ``config.push_above`` entries) keeps only the CSR ``transitions`` (int32);
    a smaller one also keeps the edge lists, as native ints, for the power method."""
    nodes = list(G.nodes)
    position = {node: i for i, node in enumerate(nodes)}
    hub = hubs(G)
    kg = np.fromiter(((position[h], position[t], w) for h, t, relation in G.edges(keys=True)
                      if (w := RELATION_WEIGHTS.get(relation, 1.0)) > 0 and h not in hub and t not in hub),
                     dtype=[("h", np.int32), ("t", np.int32), ("w", np.float64)])
    heads, tails, co = _co_mention_weights(G, config)  # each fact both ways, as an edge was
    keep = (co > 0) & ~np.isin(heads, list(hub)) & ~np.isin(tails, list(hub))
    ids = np.array(nodes, dtype=np.int64)
    by_id = np.argsort(ids, kind="stable").astype(np.int32)  # node id -> position, vectorised
    heads, tails = (by_id[np.searchsorted(ids, x[keep], sorter=by_id)] for x in (heads, tails))
    co = co[keep]
    del keep
    kg_src, kg_dst = _both_ways(kg["h"], kg["t"])
    co_src, co_dst = _both_ways(heads, tails)
    del heads, tails
    src, dst = np.concatenate([kg_src, co_src]), np.concatenate([kg_dst, co_dst])
    del kg_src, kg_dst, co_src, co_dst
    weight = np.concatenate([np.repeat(kg["w"], 2), np.repeat(co, 2)])
    del kg, co
    degree = np.bincount(src, minlength=len(nodes)).astype(float)
    prob = weight * np.maximum(degree[dst], 1.0) ** -config.degree_power  # damped
    del weight
    prob /= np.bincount(src, weights=prob, minlength=len(nodes))[src]
    items = np.array([position[n] for n in nodes if is_item(G, n)], dtype=np.int64)
    mask = np.zeros(len(nodes), dtype=bool)
    mask[items] = True
    T = push.transitions(len(nodes), src, dst, prob)
    if len(src) > config.push_above:
        src = dst = prob = None
    else:  # the power method indexes with them every iteration: native ints, no cast each time (4 ms a turn)
        src, dst = src.astype(np.intp), dst.astype(np.intp)
    return _Walk(nodes, position, src, dst, prob, items, mask, T)


def _walk_vector(G: nx.MultiDiGraph, seeds: list[int],
                 config: WalkConfig) -> tuple[_Walk, np.ndarray]:
    """Personalised PageRank mass of every node, less the seeds' own restart mass."""
    walk = _walk(G, config)
    starts = [walk.position[s] for s in dict.fromkeys(seeds) if s in walk.position]
    restart = np.zeros(len(walk.nodes))
    if not starts:
        return walk, restart
    restart[starts] = 1.0 / len(starts)
    x = restart.copy()
    for _ in range(config.iterations):
        moved = np.bincount(walk.dst, weights=x[walk.src] * walk.prob, minlength=len(x))
        lost = x.sum() - moved.sum()  # mass at nodes without edges restarts
        x = (1 - config.alpha) * restart + config.alpha * (moved + lost * restart)
    return walk, x - (1 - config.alpha) * restart


def _item_mass(G: nx.MultiDiGraph, seeds: list[int], config: WalkConfig) -> tuple[_Walk, np.ndarray, np.ndarray]:
    """``(walk, positions, mass)`` of the items the walk reaches (mass > 1e-12), positions ascending:
    the power method on a graph of up to ``config.push_above`` edges, a local push beyond."""
    walk = _walk(G, config)
    if walk.power:
        walk, x = _walk_vector(G, seeds, config)
        positions = walk.items[x[walk.items] > 1e-12]
        return walk, positions, x[positions]
    starts = list(dict.fromkeys(walk.position[s] for s in seeds if s in walk.position))
    if not starts:
        return walk, np.zeros(0, dtype=np.int64), np.zeros(0)
    nodes, mass = push.push(walk.transitions, dict.fromkeys(starts, 1.0 / len(starts)), config.alpha,
                            config.push_epsilon, rounds=config.iterations)
    mass[np.isin(nodes, starts)] -= (1 - config.alpha) / len(starts)  # as the power method: less the restart
    keep = walk.is_item[nodes] & (mass > 1e-12)
    return walk, nodes[keep], mass[keep]


def walk_scores(G: nx.MultiDiGraph, seeds: Iterable[int],
                config: WalkConfig = WalkConfig()) -> dict[int, float]:
    """Item -> personalised PageRank from ``seeds`` (items the walk reaches)."""
    walk, positions, mass = _item_mass(G, list(seeds), config)
    return {walk.nodes[p]: float(m) for p, m in zip(positions.tolist(), mass.tolist())}
