"""Model speed: shared-prefix KV-cache scoring vs naive batching, load cold vs cached, peak RSS.

Usage:
    .venv/bin/python -m kgrec.bench.model_speed --runs 5
    .venv/bin/python -m kgrec.bench.model_speed --runs 3 --skip-cold   # keep the user's cache, no dequantizing

The cold load dequantizes the embedded GGUF into a fresh temporary cache (the user's cache is
left alone); "cached" reloads that float copy. Scoring uses a real rank prompt (a ReDial valid
turn) and its 20 retrieved candidates; both methods score the same strings in the same process.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time

from kgrec.evaluation.report import markdown_table


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_times(runs: int, skip_cold: bool) -> list[list]:
    from kgrec.agent.llm import ModelConfig, load_lm

    rows = []
    if not skip_cold:
        with tempfile.TemporaryDirectory() as cache:
            previous = os.environ.get("KGREC_CACHE")
            os.environ["KGREC_CACHE"] = cache
            cold, _ = timed(lambda: load_lm(ModelConfig(adapter=None)))
            cached = [timed(lambda: load_lm(ModelConfig(adapter=None)))[0] for _ in range(runs)]
            if previous is None:
                del os.environ["KGREC_CACHE"]
            else:
                os.environ["KGREC_CACHE"] = previous
        rows.append(["load: cold, dequantize GGUF (baseline)", cold, "-", 1.0])
        rows.append(["load: cached float copy", statistics.median(cached), min(cached), cold / statistics.median(cached)])
    else:
        cached = [timed(lambda: load_lm(ModelConfig(adapter=None)))[0] for _ in range(runs)]
        rows.append(["load: cached float copy", statistics.median(cached), min(cached), "-"])
    adapter = [timed(lambda: load_lm(ModelConfig()))[0] for _ in range(runs)]
    rows.append(["load: cached + shipped adapter", statistics.median(adapter), min(adapter), "-"])
    return rows


def real_prompt_and_titles(lm, k: int):
    from kgrec.agent.ranking import RankConfig, rank_prompt
    from kgrec.evaluation.turns import split_turns, turn_candidates, turn_context
    from kgrec.kg.graph import display
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    turn = max(split_turns(G, "valid")[:40], key=lambda t: len(t.context))  # a long conversation
    prompt = rank_prompt(lm, G, turn_context(turn), RankConfig())
    return prompt, [display(G, c.item) for c in turn_candidates(G, turn, k)]


def scoring_rows(lm, prompt: str, titles: list[str], runs: int) -> tuple[list[list], float]:
    naive = [timed(lambda: lm.score(prompt, titles, shared_prefix=False)) for _ in range(runs)]
    cached = [timed(lambda: lm.score(prompt, titles, shared_prefix=True)) for _ in range(runs)]
    diff = max(abs(a - b) for a, b in zip(naive[0][1], cached[0][1]))
    n_med, c_med = statistics.median(t for t, _ in naive), statistics.median(t for t, _ in cached)
    return [[f"score {len(titles)} titles: naive batch (baseline)", n_med, min(t for t, _ in naive), 1.0],
            [f"score {len(titles)} titles: shared prefix, packed", c_med, min(t for t, _ in cached), n_med / c_med]], diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median quoted)")
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold (dequantizing) load")
    args = parser.parse_args(argv)
    import torch

    from kgrec.agent.llm import ModelConfig, load_lm

    rows = load_times(args.runs, args.skip_cold)
    lm = load_lm(ModelConfig(adapter=None))
    prompt, titles = real_prompt_and_titles(lm, args.candidates)
    score_rows, diff = scoring_rows(lm, prompt, titles, args.runs)
    rows += score_rows
    seconds, pieces = timed(lambda: list(lm.stream(prompt, max_new_tokens=32)))
    print(f"SmolLM2-135M-Instruct on CPU ({torch.get_num_threads()} threads); prompt "
          f"{len(lm.prompt_ids(prompt))} tokens; median of {args.runs} runs")
    print(markdown_table(["what", "median s", "min s", "speed-up"], rows))
    print(f"\nmax |naive - cached| score difference: {diff:.2e}; greedy generation: "
          f"{len(pieces) / seconds:.1f} pieces/s; peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
