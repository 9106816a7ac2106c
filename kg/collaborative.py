"""Collaborative filtering from training sessions: EASE (Steck, WWW 2019), item-item, closed form.

One session (a training dialogue) is one user; ``X`` (sessions x items) is 1 where the session
mentions the item. With ``P = (XᵀX + l2·I)⁻¹``, the item-item weights are ``B = I - P / diag(P)``
(so ``diag(B) = 0``), and a user's score for item ``j`` is the sum of ``B[i, j]`` over the items
``i`` they mentioned. Only items that some session mentions get a row; each row keeps its
``neighbours`` largest weights, small enough to be cached on the graph (``G.graph``)::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_nodes_from([1, 2, 3, 4], item=True)
    >>> sessions = [(1, 2), (1, 2), (1, 2, 3), (3, 4), (3, 4)]
    >>> add_collaborative(G, sessions, EaseConfig(l2=1.0))
    >>> [item for item, _ in collaborative_scores(G, [1])]
    [2, 3]
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np

GRAPH_KEY = "collaborative"  # G.graph[GRAPH_KEY]: the fitted ItemItem model


@dataclass(frozen=True)
class EaseConfig:
    """EASE's one hyper-parameter, and how much of each row is kept."""

    l2: float = field(default=100.0, metadata={"help": "L2 penalty; larger = closer to popularity-free co-occurrence"})
    neighbours: int = field(default=200, metadata={"help": "largest weights kept per item"})

    def __post_init__(self):
        if not self.l2 > 0:
            raise ValueError(f"EaseConfig.l2={self.l2!r}: expected a positive number")
        if isinstance(self.neighbours, bool) or not isinstance(self.neighbours, int) or self.neighbours < 1:
            raise ValueError(f"EaseConfig.neighbours={self.neighbours!r}: expected an int >= 1")


@dataclass(frozen=True, eq=False)
class ItemItem:
    """Sparse item-item weights: row ``r`` is about ``items[r]``. Equal when every array is."""

    items: tuple[int, ...]  # (I,) node id of each row
    neighbours: np.ndarray  # (I, N) int32 row indices of the neighbours, -1 = none
    weights: np.ndarray  # (I, N) float32 weights, 0 where neighbours is -1
    config: EaseConfig = EaseConfig()

    def __eq__(self, other) -> bool:
        return (isinstance(other, ItemItem) and self.items == other.items and self.config == other.config
                and np.array_equal(self.neighbours, other.neighbours) and np.array_equal(self.weights, other.weights))

    __hash__ = None

    @cached_property
    def row_of(self) -> dict[int, int]:
        """Node id -> its row."""
        return {node: r for r, node in enumerate(self.items)}


def fit_ease(sessions: Iterable[Sequence[int]], config: EaseConfig = EaseConfig()) -> ItemItem:
    """EASE weights from sessions (each a sequence of item ids; repeats count once)."""
    sessions = [tuple(dict.fromkeys(s)) for s in sessions]
    items = tuple(sorted({i for s in sessions for i in s}))
    column = {item: c for c, item in enumerate(items)}
    gram = np.zeros((len(items), len(items)))  # (I, I) XᵀX
    for s in sessions:
        cols = [column[i] for i in s]
        gram[np.ix_(cols, cols)] += 1.0
    gram[np.diag_indices_from(gram)] += config.l2
    precision = np.linalg.inv(gram)  # (I, I) P
    weights = -precision / np.diag(precision)  # B off the diagonal
    np.fill_diagonal(weights, -np.inf)  # never an item's own neighbour
    return _sparsify(items, weights, config)


def _sparsify(items: tuple[int, ...], weights: np.ndarray, config: EaseConfig) -> ItemItem:
    n = min(config.neighbours, max(len(items) - 1, 0))
    if n == 0:
        empty = np.zeros((len(items), 0))
        return ItemItem(items, empty.astype(np.int32), empty.astype(np.float32), config)
    top = np.argpartition(-weights, n - 1, axis=1)[:, :n]  # (I, n) unordered best
    values = np.take_along_axis(weights, top, axis=1)
    keep = values > 0
    return ItemItem(items, np.where(keep, top, -1).astype(np.int32),
                    np.where(keep, values, 0.0).astype(np.float32), config)


def add_collaborative(G: nx.MultiDiGraph, sessions: Iterable[Sequence[int]],
                      config: EaseConfig = EaseConfig()) -> None:
    """Fit EASE on the sessions' catalog items and keep it on ``G.graph`` (in place)."""
    catalog = {n for n, item in G.nodes(data="item") if item}
    G.graph[GRAPH_KEY] = fit_ease([[i for i in s if i in catalog] for s in sessions], config)


def collaborative_scores(G: nx.MultiDiGraph, items: Iterable[int]) -> list[tuple[int, float]]:
    """``(item, summed EASE weight)`` from the given items, best first; ``[]`` without a model."""
    model: ItemItem | None = G.graph.get(GRAPH_KEY)
    if model is None:
        return []
    rows = [model.row_of[i] for i in dict.fromkeys(items) if i in model.row_of]
    if not rows:
        return []
    scores = np.zeros(len(model.items))  # (I,)
    for r in rows:
        keep = model.neighbours[r] >= 0
        np.add.at(scores, model.neighbours[r][keep], model.weights[r][keep])
    order = [int(r) for r in np.argsort(-scores, kind="stable") if scores[r] > 0]
    return [(model.items[r], float(scores[r])) for r in order]
