"""The fine-tuning validation: ranking quality on the valid split (retriever alone, base model, LoRA).

Usage:
    python -m kgrec.evaluation.validation                              # retriever / base / shipped adapter
    python -m kgrec.evaluation.validation --formulations title yesno listwise --adapter none --limit 100
    python -m kgrec.evaluation.validation --adapter data/adapters/smollm2-kgrec --json out.json

``kgrec.finetune.callbacks.RankingValidation`` runs :func:`evaluate_lm` during training (early stopping).
Each (turn, suggested movie) pair is one sample (as CRSLab counts, ``kgrec.evaluation.metrics``); Recall@10
is the share of samples whose movie is in the top 10. The model scores every candidate once; the mix
weight ``lm_weight`` is then tuned on the same turns over a grid (the reported number says so).
Unlike ``kgrec eval redial``, the ranker sees the questionnaires' liked/disliked answers
(``kgrec.evaluation.turns.turn_context``), as it does in training.
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from kgrec.agent.ranking import RankConfig, RankContext, combine, lm_scores
from kgrec.evaluation import metrics
from kgrec.evaluation.turns import EvalTurn, as_eval_turns, split_turns, turn_candidates, turn_context
from kgrec.kg.schema import Candidate

WEIGHTS = tuple(round(0.1 * i, 1) for i in range(11))


@dataclass(frozen=True)
class RankCase:
    """One turn as the ranker is validated on it: the turn, what the ranker knows, its candidates."""

    turn: EvalTurn  # turn.labels: the movies the real recommender suggested
    context: RankContext
    candidates: tuple[Candidate, ...]


def rank_cases(G: nx.MultiDiGraph, turns: Sequence, k: int) -> list[RankCase]:
    """``kgrec.kg.sources.redial.Turn`` values (``kgrec.evaluation.turns.split_turns``) with their ``k`` retrieved candidates."""
    return [RankCase(e, turn_context(t), tuple(turn_candidates(G, t, k))) for t, e in zip(turns, as_eval_turns(turns))]


def recall_ndcg(rankings: Sequence[Sequence[int]], labels: Sequence[Sequence[int]], k: int = 10) -> dict:
    """Recall@k and NDCG@k with one sample per (turn, label) (``kgrec.evaluation.metrics``)."""
    return {f"recall@{k}": metrics.recall_at_k(rankings, labels, k), f"ndcg@{k}": metrics.ndcg_at_k(rankings, labels, k),
            "samples": sum(len(ls) for ls in labels)}


def reachable(case: RankCase, config: RankConfig) -> bool:
    """Whether a suggested movie is among the re-scored candidates (else no reranking can find it)."""
    return any(c.item in case.turn.labels for c in case.candidates[:config.max_candidates])


def score_table(lm, G: nx.MultiDiGraph, turns: Sequence[RankCase], config: RankConfig) -> list:
    """The model's score of every candidate of every turn (the expensive part, done once).

    Turns whose suggested movies are not among the candidates get ``None``: their Recall and
    NDCG are 0 whatever the order, so they are not scored (5x less work on ReDial valid).
    """
    return [lm_scores(lm, G, t.context, [c.item for c in t.candidates[:config.max_candidates]], config)
            if reachable(t, config) else None for t in turns]


def metrics_at(turns: Sequence[RankCase], table: Sequence[Sequence[float]] | None, weight: float) -> dict:
    """Metrics of the mixed ranking at ``weight`` (``table=None`` or a ``None`` row: the retriever's order)."""
    rankings = []
    for turn, scores in zip(turns, table or [None] * len(turns)):
        cands = list(turn.candidates)
        if scores is None:
            rankings.append([c.item for c in cands])
            continue
        head = cands[:len(scores)]
        mixed = combine(scores, [c.score for c in head], weight)
        order = sorted(range(len(head)), key=lambda i: -mixed[i])
        rankings.append([head[i].item for i in order] + [c.item for c in cands[len(head):]])
    return recall_ndcg(rankings, [t.turn.labels for t in turns])


def tune_weight(turns: Sequence[RankCase], table, metric: str = "recall@10") -> tuple[float, dict]:
    """The grid weight with the best ``metric`` (ties: the smaller weight, i.e. trust the retriever)."""
    results = [(w, metrics_at(turns, table, w)) for w in WEIGHTS]
    best = max(results, key=lambda r: (r[1][metric], r[1]["ndcg@10"], -r[0]))
    return best


def evaluate_lm(lm, G, turns: Sequence[RankCase], config: RankConfig, metric: str = "recall@10") -> dict:
    """Scores once, then: tuned weight and its metrics, and the model alone (weight 1)."""
    table = score_table(lm, G, turns, config)
    weight, tuned = tune_weight(turns, table, metric)
    alone = metrics_at(turns, table, 1.0)
    return {"lm_weight": weight, **tuned, "lm_only_recall@10": alone["recall@10"], "lm_only_ndcg@10": alone["ndcg@10"]}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--adapter", default="default", help="'default', a folder, or 'none' (base only)")
    parser.add_argument("--formulations", nargs="+", default=["title"])
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--limit", type=int, default=0, help="first N valid turns (0: all)")
    parser.add_argument("--json", default="", help="also write the results here")
    return parser


def main(argv: list[str] | None = None) -> dict:
    from kgrec.agent.llm import ModelConfig, attach_adapter, load_lm, resolve_adapter
    from kgrec.kg.storage.store import load_movie_graph

    args = make_parser().parse_args(argv)
    G = load_movie_graph()
    turns = split_turns(G, "valid")[:args.limit or None]
    evt = rank_cases(G, turns, args.candidates)
    results = {"turns": len(evt), "candidates": args.candidates, "retriever": metrics_at(evt, None, 0.0)}
    lm = load_lm(ModelConfig(model=args.model, adapter=None))
    models = {"base": lm}
    adapter = None if args.adapter == "none" else resolve_adapter(ModelConfig(model=args.model, adapter=args.adapter))
    for name in ("base", "lora"):
        if name == "lora":
            if adapter is None:
                break
            models["lora"] = type(lm)(attach_adapter(lm.model, adapter).eval(), lm.tokenizer)  # wraps lm.model
        for formulation in args.formulations:
            config = RankConfig(formulation=formulation, max_candidates=args.candidates)
            start = time.perf_counter()
            result = evaluate_lm(models[name], G, evt, config)
            result["seconds"] = round(time.perf_counter() - start, 1)
            results[f"{name}/{formulation}"] = result
            print(name, formulation, result, flush=True)
    _print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


def _print_table(results: dict) -> None:
    print(f"\nReDial valid split: {results['turns']} turns, {results['candidates']} candidates each")
    print(f"{'ranker':<22}{'Recall@10':>10}{'NDCG@10':>9}{'weight':>8}{'LM alone R@10':>15}")
    r = results["retriever"]
    print(f"{'retriever (baseline)':<22}{r['recall@10']:>10.3f}{r['ndcg@10']:>9.3f}{'-':>8}{'-':>15}")
    for name, r in results.items():
        if "/" in name:
            print(f"{name:<22}{r['recall@10']:>10.3f}{r['ndcg@10']:>9.3f}{r['lm_weight']:>8.1f}"
                  f"{r['lm_only_recall@10']:>15.3f}")


if __name__ == "__main__":
    main()
