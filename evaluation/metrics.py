"""Ranking metrics for conversational recommendation, as the field computes them.

Every function is pure and takes plain sequences of item ids. A *ranking* is a list of
item ids, best first; *labels* are the items the real recommender suggested in that turn.

Like CRSLab (whose numbers KBRD, KGSF and UniCRS report), each (turn, label) pair is one
sample: a turn that suggests two movies counts twice, and Recall@k is the share of those
samples whose label is in the top k.

>>> recall_at_k([[5, 3, 9]], [[3]], 1), recall_at_k([[5, 3, 9]], [[3]], 2)
(0.0, 1.0)
"""
from __future__ import annotations

import math
from collections.abc import Collection, Sequence

Ranking = Sequence[int]


def rank_of(ranking: Ranking, item: int) -> int | None:
    """0-based position of ``item`` in ``ranking``, or ``None`` if it is absent."""
    try:
        return list(ranking).index(item)
    except ValueError:
        return None


def label_positions(rankings: Sequence[Ranking], labels: Sequence[Sequence[int]]) -> list[int | None]:
    """Position of each label in its turn's ranking, one entry per (turn, label) pair.

    A duplicated item keeps its first (best) position.

    >>> label_positions([[7, 8, 7], [1]], [[7, 9], [1]])
    [0, None, 0]
    """
    if len(rankings) != len(labels):
        raise ValueError(f"{len(rankings)} rankings but {len(labels)} label lists")
    positions: list[int | None] = []
    for ranking, turn_labels in zip(rankings, labels):
        first: dict[int, int] = {}
        for i, item in enumerate(ranking):
            first.setdefault(item, i)
        positions.extend(first.get(label) for label in turn_labels)
    return positions


def recall_at_k(rankings: Sequence[Ranking], labels: Sequence[Sequence[int]], k: int) -> float:
    """Share of (turn, label) pairs whose label is in the turn's top ``k`` (0.0 if no labels)."""
    positions = label_positions(rankings, labels)
    if not positions:
        return 0.0
    return sum(p is not None and p < k for p in positions) / len(positions)


def ndcg_at_k(rankings: Sequence[Ranking], labels: Sequence[Sequence[int]], k: int) -> float:
    """Mean NDCG@k over (turn, label) pairs: ``1 / log2(rank + 2)`` if the label is in the top k.

    With one relevant item per sample the ideal DCG is 1, as in CRSLab.

    >>> round(ndcg_at_k([[4, 2]], [[2]], 10), 4)
    0.6309
    """
    positions = label_positions(rankings, labels)
    if not positions:
        return 0.0
    gains = [1.0 / math.log2(p + 2) if p is not None and p < k else 0.0 for p in positions]
    return sum(gains) / len(positions)


def mrr(rankings: Sequence[Ranking], labels: Sequence[Sequence[int]], k: int | None = None) -> float:
    """Mean reciprocal rank over (turn, label) pairs; a label absent (or below ``k``) counts 0.

    >>> mrr([[4, 2, 3]], [[3, 9]]), mrr([[4, 2, 3]], [[3, 9]], k=2)
    (0.16666666666666666, 0.0)
    """
    positions = label_positions(rankings, labels)
    if not positions:
        return 0.0
    k = k if k is not None else math.inf
    return sum(1.0 / (p + 1) if p is not None and p < k else 0.0 for p in positions) / len(positions)


def off_catalog_share(rankings: Sequence[Ranking], catalog: Collection[int], k: int = 50) -> float:
    """Share of the top-``k`` entries, over all turns, that are not catalog items (should be 0).

    >>> off_catalog_share([[1, 99], [2, 1]], {1, 2}, k=2)
    0.25
    """
    catalog = set(catalog)
    shown = [item for ranking in rankings for item in list(ranking)[:k]]
    if not shown:
        return 0.0
    return sum(item not in catalog for item in shown) / len(shown)


def item_coverage(rankings: Sequence[Ranking], catalog: Collection[int], k: int = 10) -> float:
    """Share of the catalog that appears in at least one turn's top ``k``.

    >>> item_coverage([[1, 2], [1, 3]], {1, 2, 3, 4}, k=1)
    0.25
    """
    catalog = set(catalog)
    if not catalog:
        return 0.0
    shown = {item for ranking in rankings for item in list(ranking)[:k]}
    return len(shown & catalog) / len(catalog)


def exclude_mentioned(
    rankings: Sequence[Ranking], labels: Sequence[Sequence[int]], mentioned: Sequence[Collection[int]]
) -> tuple[list[list[int]], list[list[int]]]:
    """The "new items only" variant (He et al. 2023): drop context items from labels and rankings.

    A label that repeats a movie already mentioned in the context is removed, and so is that
    movie from the ranking (recommending it again is neither rewarded nor penalised). Turns
    left with no label contribute no sample.

    >>> exclude_mentioned([[5, 6, 7]], [[5, 7]], [{5}])
    ([[6, 7]], [[7]])
    """
    if not len(rankings) == len(labels) == len(mentioned):
        raise ValueError("rankings, labels and mentioned must have one entry per turn")
    new_rankings, new_labels = [], []
    for ranking, turn_labels, seen in zip(rankings, labels, mentioned):
        seen = set(seen)
        new_rankings.append([item for item in ranking if item not in seen])
        new_labels.append([label for label in turn_labels if label not in seen])
    return new_rankings, new_labels


def summarize(
    rankings: Sequence[Ranking],
    labels: Sequence[Sequence[int]],
    catalog: Collection[int],
    ks: Sequence[int] = (1, 10, 50),
) -> dict[str, float]:
    """All metrics of one system on one set of turns, keyed ``recall@1``, ``ndcg@10``, ``mrr``, ...

    ``samples`` is the number of (turn, label) pairs the recall is averaged over.
    """
    result: dict[str, float] = {f"recall@{k}": recall_at_k(rankings, labels, k) for k in ks}
    result["ndcg@10"] = ndcg_at_k(rankings, labels, 10)
    result[f"mrr@{max(ks)}"] = mrr(rankings, labels, k=max(ks))
    result["off_catalog"] = off_catalog_share(rankings, catalog, k=max(ks))
    result["coverage@10"] = item_coverage(rankings, catalog, k=10)
    result["samples"] = float(sum(len(turn_labels) for turn_labels in labels))
    result["recall@10_low"], result["recall@10_high"] = bootstrap_recall(rankings, labels, 10)
    return result


def bootstrap_recall(rankings: Sequence[Ranking], labels: Sequence[Sequence[int]], k: int,
                     resamples: int = 1000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of Recall@k, resampling turns (a turn's labels stay together).

    >>> bootstrap_recall([[1], [2]], [[1], [1]], 1, resamples=200)
    (0.0, 1.0)
    """
    import numpy as np

    hits = np.array([sum(label in set(r[:k]) for label in ls) for r, ls in zip(rankings, labels)], dtype=float)
    counts = np.array([len(ls) for ls in labels], dtype=float)
    if not len(hits) or not counts.sum():
        return 0.0, 0.0
    rows = np.random.default_rng(seed).integers(0, len(hits), size=(resamples, len(hits)))  # (R, T)
    recalls = hits[rows].sum(axis=1) / np.maximum(counts[rows].sum(axis=1), 1.0)
    low, high = np.quantile(recalls, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(low), float(high)
