"""The dense list's nearest items on a large catalog: a FAISS inverted-file index instead of the
matrix product over every item.

``kgrec.bench.dense_index`` measured one query's top 200 on 576-wide vectors (docs/scaling.md): the
product costs ~7 ms of CPU at 10^4 items, ~22-38 ms at 10^5 and grows linearly, while an IVF index
(``sqrt(n)`` lists, ``NPROBE`` probed) answers in 0.4-1.5 ms at a recall of ~0.975 of the exact
top 200. Below ``ANN_ABOVE`` items the product is exact and a small share of a turn, so
``kgrec.agent.encoder.dense_candidates`` keeps it (the shipped 6,281-movie catalog: unchanged); above,
it asks :func:`candidates` here, which falls back to the product (returns ``None``) when FAISS
is not installed (the optional ``ann`` extra) or a narrow filter leaves too few allowed items
among the index's ``depth`` nearest. The index is built once per ``DenseIndex`` (seconds per 10^5
items; never saved: it is rebuilt from the vectors, which are the cache).
"""
from __future__ import annotations

from collections.abc import Collection

import numpy as np

ANN_ABOVE = 200_000  # items: the product's CPU passes ~10% of the 0.5 s turn budget about here
NPROBE = 32  # lists searched per query (recall ~0.975 of the exact top 200 in kgrec.bench.dense_index)
TRAIN_ROWS = 65_536  # vectors the list centroids are trained on


def build(vectors: np.ndarray):
    """A FAISS ``IndexIVFFlat`` (inner product) over ``vectors`` ((N, H) float32, unit length);
    ``None`` without FAISS."""
    try:
        import faiss
    except ImportError:
        return None
    n, dim = vectors.shape
    lists = max(int(np.sqrt(n)), 16)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    rows = np.random.default_rng(0).choice(n, min(n, TRAIN_ROWS), replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(rows)]))
    index.add(np.ascontiguousarray(vectors))
    index.nprobe = min(NPROBE, lists)
    return index


def ann(dense, above: int | None = None):
    """The IVF index of ``dense`` (an ``kgrec.agent.encoder.DenseIndex``), built on first use and kept on
    it; ``None`` at or below ``above`` (default ``ANN_ABOVE``) items or without FAISS."""
    if len(dense.items) <= (ANN_ABOVE if above is None else above):
        return None
    if not hasattr(dense, "_ann"):
        dense._ann = build(dense.search_vectors())  # not a dataclass field: never saved, never compared
    return dense._ann


def candidates(dense, raw_query: np.ndarray, allowed: Collection[int], k: int,
               above: int | None = None, liked_rows=()) -> list[tuple[int, float]] | None:
    """``(item, score)`` of the ``k`` allowed items nearest ``raw_query`` (and the liked items' ``liked_rows``,
    ``DenseIndex.scores``), scored as ``dense_candidates`` scores them (the score minus the first one not
    taken); ``None`` when the exact product must answer (no index, or fewer than ``k + 1`` allowed among the nearest)."""
    index = ann(dense, above)
    if index is None:
        return None
    depth = min(max(8 * k, 2000), len(dense.items))
    sims, found = index.search(dense.search_query(raw_query, liked_rows)[None, :].astype(np.float32), depth)
    taken: list[tuple[int, float]] = []
    for position, sim in zip(found[0].tolist(), sims[0].tolist()):
        if position < 0:
            break
        item = int(dense.items[position])
        if item not in allowed:
            continue
        if len(taken) == k:
            return [(n, round(s - sim + 1e-6, 6)) for n, s in taken]
        taken.append((item, sim))
    return None
