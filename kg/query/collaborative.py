"""Collaborative filtering from training sessions: EASE (Steck, WWW 2019), item-item, closed form.

One session (a training dialogue) is one user; ``X`` (sessions x items) is 1 where the session
mentions the item. With ``P = (XᵀX + l2·I)⁻¹``, the item-item weights are ``B = I - P / diag(P)``
(so ``diag(B) = 0``), and a user's score for item ``j`` is the sum of ``B[i, j]`` over the items
``i`` they mentioned. Only items that some session mentions get a row; each row keeps its
``neighbours`` largest weights, small enough to be cached on the graph (``G.graph``).

EASE needs dense items x items matrices (8 bytes x items² each, a cubic inverse): beyond
``DENSE_ITEMS`` items :func:`fit` takes :func:`fit_cooccurrence` instead, the first term of
EASE's series ``B[i, j] ≈ (XᵀX)[i, j] / ((XᵀX)[i, i] + l2)`` computed with ``scipy.sparse``, one
block of rows at a time, never an items x items dense matrix::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_nodes_from([1, 2, 3, 4], item=True)
    >>> sessions = [(1, 2), (1, 2), (1, 2, 3), (3, 4), (3, 4)]
    >>> add_collaborative(G, sessions, EaseConfig(l2=1.0))
    >>> [item for item, _ in collaborative_scores(G, [1])]
    [2, 3]
    >>> model = fit_cooccurrence(sessions, EaseConfig(l2=1.0))  # the same neighbours, sparse
    >>> [model.items[r] for r in model.neighbours[0] if r >= 0]  # best first
    [2, 3]
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np

from kgrec.kg.errors import ConfigError

GRAPH_KEY = "collaborative"  # G.graph[GRAPH_KEY]: the fitted ItemItem model
#: above this many items :func:`fit` uses :func:`fit_cooccurrence` (EASE's three dense 5,000² float64
#: matrices take 0.6 GB; at 78,000 items one took 45.8 GiB); the shipped movie graph has 2,704
DENSE_ITEMS = 5_000
BLOCK_ROWS = 4_096  # rows of the co-occurrence matrix scored at once by fit_cooccurrence


@dataclass(frozen=True)
class EaseConfig:
    """EASE's one hyper-parameter, and how much of each row is kept."""

    l2: float = field(default=100.0, metadata={"help": "L2 penalty; larger = closer to popularity-free co-occurrence"})
    neighbours: int = field(default=200, metadata={"help": "largest weights kept per item"})

    def __post_init__(self):
        if not self.l2 > 0:
            raise ConfigError(f"EaseConfig.l2={self.l2!r}: expected a positive number")
        if isinstance(self.neighbours, bool) or not isinstance(self.neighbours, int) or self.neighbours < 1:
            raise ConfigError(f"EaseConfig.neighbours={self.neighbours!r}: expected an int >= 1")


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


def fit_cooccurrence(sessions: Iterable[Sequence[int]], config: EaseConfig = EaseConfig()) -> ItemItem:
    """EASE's first-order weights ``(XᵀX)[i, j] / ((XᵀX)[i, i] + l2)`` from sparse matrices, keeping
    each row's ``config.neighbours`` largest: memory grows with the co-occurring pairs, not items²."""
    from scipy import sparse

    sessions = [tuple(dict.fromkeys(s)) for s in sessions]
    items = tuple(sorted({i for s in sessions for i in s}))
    column = {item: c for c, item in enumerate(items)}
    cols = np.fromiter((column[i] for s in sessions for i in s), dtype=np.int64)
    rows = np.repeat(np.arange(len(sessions)), [len(s) for s in sessions])
    X = sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(sessions), len(items)))
    gram = (X.T @ X).tocsr()  # (I, I) sparse XᵀX
    scale = 1.0 / (gram.diagonal() + config.l2)
    n = min(config.neighbours, max(len(items) - 1, 0))
    neighbours = np.full((len(items), n), -1, dtype=np.int32)
    weights = np.zeros((len(items), n), dtype=np.float32)
    for start in range(0, len(items), BLOCK_ROWS):
        _top_of_rows(gram[start:start + BLOCK_ROWS], start, scale, neighbours, weights)
    return ItemItem(items, neighbours, weights, config)


def _top_of_rows(block, start: int, scale: np.ndarray, neighbours: np.ndarray, weights: np.ndarray) -> None:
    """Fill rows ``start..`` of ``neighbours``/``weights`` with each sparse row's largest weights."""
    n = neighbours.shape[1]
    for r in range(block.shape[0]):
        lo, hi = block.indptr[r], block.indptr[r + 1]
        cols, values = block.indices[lo:hi], block.data[lo:hi] * scale[start + r]
        keep = cols != start + r  # never an item's own neighbour
        cols, values = cols[keep], values[keep]
        if len(cols) > n:
            best = np.argpartition(-values, n - 1)[:n]
            cols, values = cols[best], values[best]
        order = np.lexsort((cols, -values))
        neighbours[start + r, :len(cols)] = cols[order]
        weights[start + r, :len(cols)] = values[order]


def fit(sessions: Iterable[Sequence[int]], config: EaseConfig = EaseConfig()) -> ItemItem:
    """:func:`fit_ease` up to ``DENSE_ITEMS`` items, :func:`fit_cooccurrence` beyond."""
    sessions = list(sessions)
    many = len({i for s in sessions for i in s}) > DENSE_ITEMS
    return (fit_cooccurrence if many else fit_ease)(sessions, config)


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
    """Fit EASE (:func:`fit`) on the sessions' catalog items and keep it on ``G.graph`` (in place)."""
    catalog = {n for n, item in G.nodes(data="item") if item}
    G.graph[GRAPH_KEY] = fit([[i for i in s if i in catalog] for s in sessions], config)


def collaborative_scores(G: nx.MultiDiGraph, items: Iterable[int]) -> list[tuple[int, float]]:
    """``(item, summed EASE weight)`` from the given items, best first; ``[]`` without a model."""
    model: ItemItem | None = G.graph.get(GRAPH_KEY)
    if model is None:
        return []
    rows = [model.row_of[i] for i in dict.fromkeys(items) if i in model.row_of]
    if not rows:
        return []
    neighbours, weights = model.neighbours[rows].ravel(), model.weights[rows].ravel()  # (R * N,)
    keep = neighbours >= 0
    touched, where = np.unique(neighbours[keep], return_inverse=True)  # only rows reached: no (I,) array
    scores = np.bincount(where, weights=weights[keep].astype(np.float64), minlength=len(touched))
    order = np.lexsort((touched, -scores))  # best first, ties by row: argsort(-all scores, stable)
    return [(model.items[touched[o]], float(scores[o])) for o in order if scores[o] > 0]
