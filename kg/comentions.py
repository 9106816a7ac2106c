"""Co-mentions ("people who mention X also mention Y") as one sparse matrix on the graph.

A co-mention is an item-item fact counted from sessions: ``count`` sessions mention both items,
``liked`` of them were positive about both. They are the bulk of a ratings-style catalog's facts
(24M of 30M at 10^6 items), so they are not networkx edges: they live in :class:`CoMentions`, a
symmetric CSR matrix on ``G.graph[KEY]`` (beside the collaborative model), counted with
``scipy.sparse`` as ``XᵀX`` over the sessions x items matrix, saved in the graph file's arrays.
Each row holds an item's co-mentioned items in ascending id order. Every reader asks here:
``co_mentions(G).row(item)``, ``.pair(a, b)``; ``kgrec.kg.graph.degrees`` counts them as the two
directed edges each pair was::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_nodes_from([1, 2, 3], item=True)
    >>> set_co_mentions(G, count_co_mentions([(1, 2), (1, 2, 3)], [{1, 2}, set()], G, source="x"))
    >>> co_mentions(G).pair(1, 2), co_mentions(G).pair(2, 3), co_mentions(G).pair(1, 9)
    ((2, 1), (1, 0), None)
    >>> [int(n) for n in co_mentions(G).row(1)[0]], len(co_mentions(G))
    ([2, 3], 6)
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import networkx as nx
import numpy as np

KEY = "co_mentions"  # G.graph[KEY]: the graph's CoMentions (absent: none)


@dataclass(frozen=True, eq=False)
class CoMentions:
    """Symmetric sparse counts: row ``r`` is about ``items[r]``, its entries ``indptr[r]:indptr[r + 1]``."""

    items: np.ndarray  # (I,) int64 node ids with at least one co-mention, ascending
    indptr: np.ndarray  # (I + 1,) int64
    indices: np.ndarray  # (P,) int32 row of the other item, ascending within a row (P = 2 x pairs)
    count: np.ndarray  # (P,) int32 sessions mentioning both
    liked: np.ndarray  # (P,) int32 sessions positive about both
    source: str = ""  # where the sessions came from ("redial", an importer's file)

    def __post_init__(self):
        n, p = len(self.items), len(self.indices)
        ok = (self.items.ndim == 1 and self.items.dtype == np.int64 and self.indptr.dtype == np.int64
              and self.indptr.shape == (n + 1,) and self.indices.dtype == np.int32
              and self.count.dtype == np.int32 and self.liked.dtype == np.int32
              and self.count.shape == self.liked.shape == (p,) and (n == 0 or int(self.indptr[-1]) == p)
              and (p == 0 or (int(self.indices.min()) >= 0 and int(self.indices.max()) < n)))
        if ok and n:  # rows in order, ids ascending, each row sorted (pair() searches it)
            lengths = np.diff(self.indptr)
            starts = np.zeros(p, dtype=bool)
            starts[self.indptr[:-1][lengths > 0]] = True
            ok = (int(self.indptr[0]) == 0 and bool((lengths >= 0).all()) and bool((np.diff(self.items) > 0).all())
                  and bool((starts[1:] | (np.diff(self.indices) > 0)).all()))
        if not ok:
            raise ValueError("CoMentions: inconsistent arrays")
        for name in ("items", "indptr", "indices", "count", "liked"):
            getattr(self, name).flags.writeable = False  # shared by every reader of the graph: read-only

    def __eq__(self, other) -> bool:
        return isinstance(other, CoMentions) and self.source == other.source and all(
            np.array_equal(getattr(self, a), getattr(other, a)) for a in ("items", "indptr", "indices", "count", "liked"))

    __hash__ = None

    def __len__(self) -> int:
        """Directed co-mention facts (each pair both ways), as networkx counted them."""
        return len(self.indices)

    @cached_property
    def row_of(self) -> dict[int, int]:
        """Node id -> its row (a dict: a lookup costs 0.05 µs, a binary search in numpy 3 µs)."""
        return dict(zip(self.items.tolist(), range(len(self.items))))

    def _row(self, node: int) -> int:
        return self.row_of.get(node, -1)

    def size(self, node: int) -> int:
        """How many items are co-mentioned with ``node``."""
        r = self._row(node)
        return 0 if r < 0 else int(self.indptr[r + 1] - self.indptr[r])

    def row(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        """``(others, counts)``: the items co-mentioned with ``node`` (ascending ids) and their counts."""
        r = self._row(node)
        if r < 0:
            return _NONE
        lo, hi = self.indptr[r], self.indptr[r + 1]
        return self.items[self.indices[lo:hi]], self.count[lo:hi]

    def others(self, node: int) -> set[int]:
        """The items co-mentioned with ``node``, as a set of ids."""
        return set(self.row(node)[0].tolist())

    def pair(self, a: int, b: int) -> tuple[int, int] | None:
        """``(count, liked)`` of ``a`` and ``b``, ``None`` when they were never mentioned together."""
        rows = self.row_of
        if a not in rows or b not in rows:  # not both items with co-mentions: the common case, kept cheap
            return None
        r, s = rows[a], rows[b]
        lo, hi = int(self.indptr[r]), int(self.indptr[r + 1])
        j = lo + int(self.indices[lo:hi].searchsorted(s))
        return (int(self.count[j]), int(self.liked[j])) if j < hi and self.indices[j] == s else None

    def degrees(self) -> dict[int, int]:
        """Item -> directed co-mention edges at it (in and out: twice its row's length)."""
        return dict(zip(self.items.tolist(), (2 * np.diff(self.indptr)).tolist()))

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(heads, tails, counts)`` of every directed fact (node ids), row by row."""
        heads = np.repeat(self.items, np.diff(self.indptr))
        return heads, self.items[self.indices], self.count


_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))  # the row of a node without co-mentions
for _array in _NONE:
    _array.flags.writeable = False
EMPTY = CoMentions(np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                   np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))


def co_mentions(G: nx.MultiDiGraph) -> CoMentions:
    """``G``'s co-mentions (:data:`EMPTY` when it has none)."""
    return G.graph.get(KEY, EMPTY)


def set_co_mentions(G: nx.MultiDiGraph, matrix: CoMentions) -> None:
    """Keep ``matrix`` on ``G`` (in place); ``kgrec.kg.graph.cached`` recounts what counted the old one."""
    G.graph[KEY] = matrix


def session_matrix(sessions: Sequence[Collection[int]], items: Sequence[int]):
    """The sessions x ``items`` 0/1 matrix (``scipy.sparse`` CSR, int32): 1 where a session holds the
    item; ``items`` ascending, ids outside it left out (repeats in a session count once)."""
    from scipy import sparse

    items = np.asarray(items, dtype=np.int64)
    ids = [np.unique(np.fromiter(s, dtype=np.int64, count=len(s))) for s in sessions]
    cols = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(ids)), [len(i) for i in ids])
    at = np.minimum(np.searchsorted(items, cols), max(len(items) - 1, 0))
    keep = items[at] == cols if len(items) else np.zeros(len(cols), dtype=bool)
    X = sparse.csr_matrix((np.ones(int(keep.sum()), dtype=np.int32), (rows[keep], at[keep])),
                          shape=(len(ids), len(items)))
    X.sum_duplicates()
    return X


def count_co_mentions(sessions: Iterable[Collection[int]], positive: Iterable[Collection[int]],
                      nodes: Collection[int], *, source: str = "") -> CoMentions:
    """Co-mentions of ``sessions`` (each a collection of item ids) among ``nodes``: ``XᵀX`` for the
    counts and ``PᵀP`` for the liked counts (``P``: the items a session was positive about), off
    the diagonal; memory grows with the co-mentioned pairs, never with items²."""
    sessions = [set(s) for s in sessions]
    positive = [set(p) & s for p, s in zip(positive, sessions)]
    items = np.array(sorted({i for s in sessions for i in s if i in nodes}), dtype=np.int64)
    X = session_matrix(sessions, items)
    counts = _off_diagonal((X.T @ X).tocsr())  # (I, I) sessions sharing both
    P = session_matrix(positive, items)
    liked = _off_diagonal((P.T @ P).tocsr())  # (I, I) sessions positive about both
    return _compact(items, counts, _aligned(counts, liked), source)


def _off_diagonal(M):
    """``M`` (square CSR) without its diagonal, indices sorted within each row."""
    M.sort_indices()
    rows = np.repeat(np.arange(M.shape[0], dtype=np.int64), np.diff(M.indptr))
    keep = (M.indices != rows) & (M.data != 0)
    M.data, M.indices = M.data[keep], M.indices[keep]
    M.indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep], minlength=M.shape[0])))).astype(M.indptr.dtype)
    return M


def _aligned(counts, liked) -> np.ndarray:
    """``liked``'s values on ``counts``' entries (its pattern is a subset: positive items are mentioned)."""
    width = np.int64(counts.shape[1])
    def keys(M):
        return np.repeat(np.arange(M.shape[0], dtype=np.int64), np.diff(M.indptr)) * width + M.indices
    out = np.zeros(len(counts.data), dtype=np.int32)
    out[np.searchsorted(keys(counts), keys(liked))] = liked.data
    return out


def _compact(items: np.ndarray, counts, liked: np.ndarray, source: str) -> CoMentions:
    """Rows with at least one co-mention only, indices renumbered to them."""
    lengths = np.diff(counts.indptr)
    kept = np.flatnonzero(lengths)
    renumber = np.full(len(items), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    indptr = np.concatenate(([0], np.cumsum(lengths[kept]))).astype(np.int64)
    return CoMentions(items[kept], indptr, renumber[counts.indices].astype(np.int32),
                      counts.data.astype(np.int32), liked, source)


def from_pairs(pairs: Iterable[tuple[int, int, int, int]], *, source: str = "") -> CoMentions:
    """:class:`CoMentions` from ``(a, b, count, liked)`` facts (each pair once, either way round, or
    both ways with the same counts): a graph file written before co-mentions left networkx, or a test graph."""
    from scipy import sparse

    rows = {(min(a, b), max(a, b)): (count, liked) for a, b, count, liked in pairs if a != b}
    items = np.array(sorted({n for pair in rows for n in pair}), dtype=np.int64)
    if not rows:
        return replace(EMPTY, source=source)
    a, b = (np.searchsorted(items, np.array([p[i] for p in rows], dtype=np.int64)) for i in (0, 1))
    values = np.array(list(rows.values()), dtype=np.int64).reshape(-1, 2)
    shape = (len(items), len(items))
    def matrix(column):
        return sparse.csr_matrix((np.concatenate([column, column]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=shape)
    counts = _off_diagonal(matrix(values[:, 0] + 1))  # + 1: a zero count is still a fact
    counts.data = counts.data - 1
    liked = _off_diagonal(matrix(values[:, 1] + 1))
    return _compact(items, counts, (liked.data - 1).astype(np.int32), source)
