"""Latency of linking, retrieval and explanation paths on real ReDial turns (valid split).

Usage:
    .venv/bin/python -m kgrec.bench.retrieval_speed --turns 100

Targets on this machine: link < 20 ms per message, retrieve < 150 ms. ``popular`` (a sorted
list, filtered) is the baseline measured in the same run. Medians are quoted; the first call
of each operation (which builds the cached walk projection) is timed apart.
"""
from __future__ import annotations

import argparse
import statistics
import time


def turn_seeds(index, turn) -> list[int]:
    """Items mentioned in the context, then entities linked in the seeker's messages."""
    from kgrec.kg.query.linking import link

    linked = [m.node for u in turn.context if u.role == "seeker" for m in link(index, u.text)]
    return list(dict.fromkeys([*turn.mentioned, *linked]))


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=100, help="turns to time (default 100)")
    args = parser.parse_args(argv)
    from kgrec.kg.locations import data_dir
    from kgrec.kg.query.linking import build_link_index, link
    from kgrec.kg.query.paths import explanation_paths
    from kgrec.kg.query.retrieval import popular, retrieve
    from kgrec.kg.sources.redial import link_words
    from kgrec.kg.sources.redial import VALID_FILE, load_dialogues, recommendation_turns
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    index_ms, index = timed(lambda: build_link_index(G, **link_words(G)))
    turns = recommendation_turns(G, load_dialogues(data_dir() / VALID_FILE))
    turns = turns[: args.turns]
    first_ms, _ = timed(lambda: retrieve(G, turn_seeds(index, turns[0])))
    times: dict[str, list[float]] = {"popular (baseline)": [], "link (one message)": [],
                                     "retrieve k=50": [], "explanation_paths x3": []}
    for turn in turns:
        for utterance in turn.context:
            times["link (one message)"].append(timed(lambda: link(index, utterance.text))[0])
        seeds = turn_seeds(index, turn)
        times["popular (baseline)"].append(timed(lambda: popular(G, k=50))[0])
        ms, candidates = timed(lambda: retrieve(G, seeds))
        times["retrieve k=50"].append(ms)
        top = [c.item for c in candidates[:3]]
        times["explanation_paths x3"].append(
            timed(lambda: [explanation_paths(G, item, seeds) for item in top])[0])
    print(f"{len(turns)} valid turns; build_link_index {index_ms:.0f} ms once, "
          f"first retrieve (builds the walk cache) {first_ms:.0f} ms")
    print(f"{'operation':<24}{'calls':>7}{'median ms':>11}{'p90 ms':>9}")
    for name, values in times.items():
        values = sorted(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"{name:<24}{len(values):>7}{statistics.median(values):>11.1f}{p90:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
