"""The catalog's vectors for the dense encoder (``kgrec.agent.encoder``): standardized, unit length, saved as
plain arrays. numpy only, so ``kgrec.agent.encoder_settings`` reads an adapter's item table without torch.

An adapter's table may also hold **liked-movie vectors** (``kgrec.finetune.dense_liked``): each item's
``liked_query`` row is what it adds to a conversation that liked it, its ``liked_item`` row what meets
that; an item's score is then its cosine with the conversation plus ``liked_item`` times the mean
``liked_query`` of the liked items (one product more, in the cosine's units)::

    >>> index = DenseIndex(np.array([7, 8]), np.eye(2, dtype=np.float32), np.zeros(2), np.ones(2),
    ...                    liked_query=np.array([[1.0], [0.0]]), liked_item=np.array([[0.0], [0.5]]))
    >>> index.scores(np.array([1.0, 0.0])).tolist(), index.scores(np.array([1.0, 0.0]), index.rows([7])).tolist()
    ([1.0, 0.0], [1.0, 0.5])
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class DenseIndex:
    """The whole catalog's standardized, unit-length vectors; ``scores`` is one matrix product."""

    items: np.ndarray  # (N,) node ids
    vectors: np.ndarray  # (N, H) float32, standardized and unit length
    mean: np.ndarray  # (H,) what is subtracted before the cosine
    scale: np.ndarray  # (H,) what it is divided by
    liked_query: np.ndarray | None = None  # (N, r) what a liked item adds to the conversation's side
    liked_item: np.ndarray | None = None  # (N, r) the item's side of that product, in cosine units

    def __post_init__(self):
        liked = (self.liked_query, self.liked_item)
        if (liked[0] is None) != (liked[1] is None) or liked[0] is not None and not (
                liked[0].shape == liked[1].shape and liked[0].ndim == 2 and len(liked[0]) == len(self.items)):
            raise ValueError("DenseIndex: liked_query and liked_item must both be (items, r) arrays, or both absent")

    @classmethod
    def from_raw(cls, items: Sequence[int], raw: np.ndarray) -> DenseIndex:
        mean, scale = raw.mean(0), raw.std(0) + 1e-6
        return cls(np.asarray(items, dtype=np.int64), _unit((raw - mean) / scale), mean, scale)

    def query(self, raw: np.ndarray) -> np.ndarray:
        """``raw`` (H,) or (B, H) standardized like the catalog, unit length."""
        return _unit((raw - self.mean) / self.scale)

    def rows(self, items) -> list[int]:
        """The rows of those of ``items`` that the index holds."""
        if not hasattr(self, "_row"):
            self._row = {int(n): i for i, n in enumerate(self.items)}  # not a field: never saved
        return [self._row[int(n)] for n in items if int(n) in self._row]

    def liked(self, rows) -> np.ndarray | None:
        """The liked items' (``rows``) part of a query: their mean ``liked_query``; None without any."""
        if self.liked_query is None or not len(rows):
            return None
        return self.liked_query[list(rows)].astype(np.float32).mean(0)

    def scores(self, raw: np.ndarray, liked_rows=()) -> np.ndarray:
        """Cosine of ``raw`` (one query, (H,)) with every item, in ``items`` order, plus the liked
        items' (``liked_rows``) product with each item's ``liked_item`` when the index has them."""
        sims = self.vectors @ self.query(raw)
        liked = self.liked(liked_rows)
        return sims if liked is None else sims + np.asarray(self.liked_item, dtype=np.float32) @ liked

    def search_vectors(self) -> np.ndarray:
        """What an inner-product index searches: the vectors, beside ``liked_item`` when there is one."""
        if self.liked_item is None:
            return self.vectors
        return np.hstack([self.vectors, np.asarray(self.liked_item, dtype=np.float32)])

    def search_query(self, raw: np.ndarray, liked_rows=()) -> np.ndarray:
        """The query of :meth:`search_vectors`: its inner products are :meth:`scores`."""
        q = self.query(raw)
        if self.liked_item is None:
            return q
        liked = self.liked(liked_rows)
        return np.concatenate([q, np.zeros(self.liked_item.shape[1], np.float32) if liked is None else liked])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.tmp{os.getpid()}.npz")
        liked = {} if self.liked_query is None else {"liked_query": self.liked_query, "liked_item": self.liked_item}
        np.savez(tmp, items=self.items, vectors=self.vectors, mean=self.mean, scale=self.scale, **liked)
        tmp.replace(path)  # atomic: a killed build leaves no half-written index

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        with np.load(path, allow_pickle=False) as data:  # plain arrays only: a cache file cannot run code
            liked = {k: data[k] for k in ("liked_query", "liked_item") if k in data.files}
            return cls(data["items"], data["vectors"], data["mean"], data["scale"], **liked)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)).astype(np.float32)
