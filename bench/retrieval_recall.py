"""Recall@10 / Recall@50 of the combined retriever on the ReDial valid split, beside popularity.

Usage:
    .venv/bin/python -m bench.retrieval_recall            # valid split (never the test split)
    .venv/bin/python -m bench.retrieval_recall --parts    # also each retriever on its own

For every recommendation turn the seeds are the KG items mentioned in the context plus the
entities linked in the seeker's messages. No constraint is applied; like ``retrieve``, the
baseline never proposes a seed, so labels that repeat a context movie (printed) are misses for
both. One sample per (turn, label), as CRSLab counts. Recall@50 is the ceiling of any
reranker that sees the top 50. The walk and fusion weights were tuned on this subset.
"""
from __future__ import annotations

import argparse
import time

from bench.metrics import recall_at_k


def turn_seeds(index, turn) -> list[int]:
    """Items mentioned in the context, then entities linked in the seeker's messages."""
    from kg.linking import link

    linked = [m.node for u in turn.context if u.role == "seeker" for m in link(index, u.text)]
    return list(dict.fromkeys([*turn.mentioned, *linked]))


def systems(G) -> dict:
    """Name -> ``(seeds) -> ranked item ids``; popularity first (the baseline)."""
    from kg import retrieval as r
    from kg.schema import Constraints

    def only(name):
        weights = {key: float(key == name) for key in r.FUSION_WEIGHTS}
        return lambda seeds: [c.item for c in r.retrieve(G, seeds, k=50, weights=weights)]

    return {
        "popular (baseline)": lambda seeds: [
            c.item for c in r.popular(G, Constraints(exclude=frozenset(seeds)), k=50)],
        "walk only (PPR)": only("walk"),
        "co-mentions only": only("comention"),
        "retrieve (combined)": lambda seeds: [c.item for c in r.retrieve(G, seeds, k=50)],
    }


def evaluate(G, turns, seeds, names=None) -> list[tuple[str, float, float, float]]:
    """``(system, Recall@10, Recall@50, median ms)`` for each system."""
    rows = []
    for name, rank in systems(G).items():
        if names is not None and name not in names:
            continue
        rankings, times = [], []
        for turn_seed in seeds:
            start = time.perf_counter()
            rankings.append(rank(turn_seed))
            times.append(time.perf_counter() - start)
        labels = [t.targets for t in turns]
        median_ms = sorted(times)[len(times) // 2] * 1000
        rows.append((name, recall_at_k(rankings, labels, 10), recall_at_k(rankings, labels, 50),
                     median_ms))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="redial/valid.jsonl",
                        help="dialogues under data/ (default: the valid split)")
    parser.add_argument("--parts", action="store_true", help="also each retriever on its own")
    args = parser.parse_args(argv)
    from kg.linking import build_link_index
    from kg.locations import data_dir
    from kg.redial import load_dialogues, recommendation_turns
    from kg.store import load_movie_graph

    G = load_movie_graph()
    index = build_link_index(G)
    turns = recommendation_turns(G, load_dialogues(data_dir() / args.split))
    seeds = [turn_seeds(index, t) for t in turns]
    samples = sum(len(t.targets) for t in turns)
    in_context = sum(len(set(t.targets) & set(s)) for t, s in zip(turns, seeds))
    names = None if args.parts else {"popular (baseline)", "retrieve (combined)"}
    rows = evaluate(G, turns, seeds, names)
    print(f"{args.split}: {len(turns)} recommendation turns, {samples} (turn, label) samples, "
          f"{in_context} labels already among the seeds")
    print(f"{'system':<24}{'Recall@10':>10}{'Recall@50':>10}{'median ms':>10}")
    for name, r10, r50, ms in rows:
        print(f"{name:<24}{r10:>10.3f}{r50:>10.3f}{ms:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
