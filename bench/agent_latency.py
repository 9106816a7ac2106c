"""Agent turn latency on real ReDial contexts: p50/p95 per stage, first streamed piece, peak RSS.

Usage:
    .venv/bin/python -m kgrec.bench.agent_latency                    # 100 valid-split contexts, all variants
    .venv/bin/python -m kgrec.bench.agent_latency --contexts 20 --variants baseline,default

Each context (a recommendation turn of ``data/redial/valid.jsonl``, in file order) gets
a fresh session; its seeker messages are sent as one message (the last ones, capped) and the
turn is timed through ``Recommender.stream``. Stages come from ``Session.last_timings``:
linking (entity linking + preference update), retrieval, ranking, explanation, choice (the
model's action choice). The baseline, measured in the same run, ranks by retrieval order with no
model call. Targets on the 2-core machine: p95 <= 1.0 s per recommendation turn, first piece <=
0.3 s, peak RSS <= 1.5 GB.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time

from kgrec.evaluation.report import markdown_table

VARIANTS = {  # key -> (label, AgentConfig overrides)
    "baseline": ("KG retrieval order, no encoder, no reranking (baseline)",
                 {"rank_with_model": False, "lm_chooses_paths": False, "dense": False}),
    "default": ("default: AgentConfig()", {}),
    "rerank": ("the model reranks 20 candidates (rank_with_model)", {"rank_with_model": True}),
    "pool10": ("the model reranks the best 10 (rank_pool=10)", {"rank_with_model": True, "rank_pool": 10}),
    "paths": ("default + the model picks cited paths", {"lm_chooses_paths": True}),
}
STAGES = ("linking", "retrieval", "ranking", "explanation", "choice")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (``q`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def contexts(G, n: int) -> list[str]:
    """The seeker's words before ``n`` recommendation turns of the valid split (the last 3 messages)."""
    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import VALID_FILE, load_dialogues, recommendation_turns

    turns = recommendation_turns(G, load_dialogues(data_dir() / VALID_FILE))
    out = []
    for turn in turns:
        said = [u.text for u in turn.context if u.role == "seeker"][-3:]
        if said:
            out.append(" ".join(said))
        if len(out) == n:
            break
    return out


def run_variant(rec, messages: list[str]) -> dict:
    """Time one turn per message, each in a fresh session."""
    total, first, stages, recommended = [], [], {s: [] for s in STAGES}, 0
    for message in messages:
        session = rec.new_session()
        start = time.perf_counter()
        first_piece = None
        for piece in rec.stream(session, message):
            if first_piece is None:
                first_piece = time.perf_counter() - start
        reply = piece
        if not reply.items:
            continue
        recommended += 1
        total.append(time.perf_counter() - start)
        first.append(first_piece)
        for stage in STAGES:
            stages[stage].append(session.last_timings.get(stage, 0.0))
    return {"total": total, "first": first, "stages": stages, "recommended": recommended}


def row(name: str, result: dict) -> list:
    total, first = result["total"] or [float("nan")], result["first"] or [float("nan")]
    medians = [statistics.median(result["stages"][s]) if result["stages"][s] else float("nan") for s in STAGES]
    return [name, result["recommended"], statistics.median(total), quantile(total, 0.95), *medians,
            statistics.median(first), quantile(first, 0.95)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", type=int, default=100, help="ReDial valid contexts (one turn each)")
    parser.add_argument("--variants", default="all", help=f"comma-separated of {list(VARIANTS)} or 'all'")
    parser.add_argument("--warmup", type=int, default=3, help="untimed turns first (caches, allocator)")
    args = parser.parse_args(argv)
    import torch

    from kgrec.agent import AgentConfig, Recommender
    from kgrec.agent.llm import ModelConfig, load_lm
    from kgrec.kg.storage.store import load_movie_graph

    names = list(VARIANTS) if args.variants == "all" else [v.strip() for v in args.variants.split(",")]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; expected {list(VARIANTS)}")
    start = time.perf_counter()
    G = load_movie_graph()
    lm = load_lm(ModelConfig())
    dense = Recommender(AgentConfig(), graph=G).dense  # the LM encoder, where the graph weighs it: shared
    load_s = time.perf_counter() - start
    messages = contexts(G, args.contexts)
    rows = []
    for name in names:
        label, overrides = VARIANTS[name]
        config = AgentConfig(**overrides)
        rec = Recommender(config, graph=G, lm=lm, dense=dense if config.dense else False)
        run_variant(rec, messages[:args.warmup])
        rows.append(row(label, run_variant(rec, messages)))
    adapter = "shipped adapter" if getattr(lm, "adapter", None) else "no adapter"
    if dense is not None:
        adapter += f"; LM encoder: first {dense.encoder.config.layers} layers, {len(dense.index.items):,}-item index"
    print(f"Agent turn latency, SmolLM2-135M ({adapter}) on CPU, {torch.get_num_threads()} threads; "
          f"{len(messages)} ReDial valid contexts, one fresh session each; recommendation turns only; "
          f"seconds (graph + model load {load_s:.1f} s)")
    print(markdown_table(["variant", "turns", "p50", "p95", *(f"{s} p50" for s in STAGES), "first piece p50",
                          "first piece p95"], rows))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB (graph, link index, model, encoder); targets: p95 <= 1.0 s, "
          f"first piece <= 0.3 s, RSS <= 1536 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
