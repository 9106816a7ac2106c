"""Tune the fused retriever's weights (``kgrec.kg.query.retrieval.FusionWeights``) on ReDial **valid**, never test.

Usage:
    .venv/bin/python -m kgrec.evaluation.tune_fusion --dense lora    # valid.jsonl, every weight at once (the shipped setting)
    .venv/bin/python -m kgrec.evaluation.tune_fusion --trials 60     # quicker
    .venv/bin/python -m kgrec.evaluation.tune_fusion --trials 0 --sweep content=0,1,2,3   # one weight, others at default
    .venv/bin/python -m kgrec.evaluation.tune_fusion --before 17000  # on later train dialogues instead (kgrec.evaluation.temporal)
    .venv/bin/python -m kgrec.evaluation.tune_fusion --hold remention  # search the others, keep these at data/tuning.json's

Each valid dialogue's recommendation turns are replayed exactly as ``kgrec eval redial`` replays
the test (``kgrec.evaluation.systems.AgentReplay``: the agent's turn stages, ``kgrec.agent.turn``, up to
``kgrec.agent.turn.retrieve`` and its one hard-filter check), each retriever's list is computed once per turn, and only the fusion is
redone per weight setting. The weights are searched jointly (:func:`joint_search`: every weight
of a trial changes at once, first drawn over ``GRID``, then around the best so far), for the best
mean Recall@10 of the two protocols (all labels; labels that repeat a context movie dropped), then
mean Recall@50. The ``remention`` weight is tuned with the others, on the graph's re-mention prior
(counted on the train dialogues at build, ``kgrec.kg.sources.redial.add_remention_prior``). The table shows
popularity (the baseline), every retriever on its own, the current weights and the best found.
Copy the best weights into ``data/tuning.json`` (the shipped graph's tuning, read as an
imported graph's: ``kgrec.kg.storage.registry.read_tuning``).
``close_first`` (sequels and close relatives lead) is a product rule, not tuned: the table shows
what it costs.
"""
from __future__ import annotations

import argparse
import math
import random
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kgrec.evaluation.metrics import exclude_mentioned, recall_at_k

if TYPE_CHECKING:
    from kgrec.kg.query.retrieval import FusionWeights

GRID = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


def scores(replay, prepared, fallback, weights) -> dict[str, float]:
    """Recall@10/@50 in both protocols of one weight setting (rankings padded as in the eval)."""
    from kgrec.agent.turn import retrieve
    from kgrec.evaluation.redial import KEEP, pad

    rankings, labels, seen = [], [], []
    for p in prepared:
        found = [c.item for c in retrieve(replay.G, p.replayed.request, weights, p.lists)] if p.lists else []
        rankings.append(pad(found, fallback, KEEP + len(p.turn.annotated)))
        labels.append(list(p.turn.labels))
        seen.append(set(p.turn.annotated))
    new_rankings, new_labels = exclude_mentioned(rankings, labels, seen)
    return {"R@10": recall_at_k(rankings, labels, 10), "R@50": recall_at_k(rankings, labels, 50),
            "new R@10": recall_at_k(new_rankings, new_labels, 10),
            "new R@50": recall_at_k(new_rankings, new_labels, 50)}


def objective(result: dict[str, float]) -> tuple[float, float]:
    """All labels' Recall@10, then Recall@50 (``coordinate_ascent``'s default)."""
    return result["R@10"], result["R@50"]


def both_protocols(result: dict[str, float]) -> tuple[float, float]:
    """Mean Recall@10 of the two protocols, then mean Recall@50 (``joint_search``'s default)."""
    return tuple((result[f"R@{k}"] + result[f"new R@{k}"]) / 2 for k in (10, 50))


def _jitter(value: float, rng: random.Random) -> float:
    """A nearby weight: off / back on now and then, else scaled by up to about x1.5 either way."""
    if rng.random() < 0.15:
        return 0.0 if value else rng.choice((0.1, 0.25, 0.5))
    return round(value * math.exp(rng.gauss(0.0, 0.35)), 3)


def joint_search(evaluate, start, trials: int, seed: int = 0, objective=both_protocols, names=None, report=None):
    """Best weights by random search in which every weight of a trial changes at once (``names``,
    default all): the first third drawn from ``GRID`` for each weight, the rest around the best so
    far; ``(weights, result, log)``. ``report(trial, weights, result)`` hears of each improvement."""
    rng = random.Random(seed)
    names = list(names or start.sources())
    best, best_result = start, evaluate(start)
    log = [(asdict(best), best_result)]
    for t in range(trials):
        if t < trials // 3:
            trial = replace(start, **{name: rng.choice(GRID) for name in names})
        else:
            trial = replace(best, **{name: _jitter(getattr(best, name), rng) for name in names})
        if not any(getattr(trial, name) for name in names):
            continue
        result = evaluate(trial)
        if objective(result) > objective(best_result):
            best, best_result = trial, result
            log.append((asdict(best), best_result))
            if report:
                report(t, best, best_result)
    return _rescaled(evaluate, best, best_result, names, objective), best_result, log


def _rescaled(evaluate, best, result, names, objective):
    """``best`` with its searched weights divided by the largest (the fused order only depends on their
    ratios; the search drifts their scale), where that scores the same after rounding."""
    top = max(getattr(best, name) for name in names)
    scaled = replace(best, **{name: round(getattr(best, name) / top, 3) for name in names})
    return scaled if objective(evaluate(scaled)) >= objective(result) else best


def coordinate_ascent(evaluate, start, rounds: int, objective=objective):
    """Best weights by changing one weight at a time over ``GRID`` (``objective`` of a result: higher
    is better); ``(weights, result, log)``."""
    best, best_result = start, evaluate(start)
    log = [(asdict(best), best_result)]
    for _ in range(rounds):
        improved = False
        for name in best.sources():
            for value in GRID:
                if value == getattr(best, name):
                    continue
                trial = replace(best, **{name: value})
                result = evaluate(trial)
                if objective(result) > objective(best_result):
                    best, best_result, improved = trial, result, True
                    log.append((asdict(best), best_result))
        if not improved:
            break
    return best, best_result, log


def sweep_weights(sweep: str, base: FusionWeights | None = None) -> list[tuple[str, FusionWeights]]:
    """``"content=0,1"`` -> ``[("content=0", FusionWeights(content=0.0)), ...]``, the others as in
    ``base`` (default ``FusionWeights()``); a mistyped name or value is a ``ConfigError`` naming it."""
    from kgrec.kg.errors import ConfigError
    from kgrec.kg.query.retrieval import FusionWeights

    name, _, values = sweep.partition("=")
    try:
        cast = [v == "True" if name == "close_first" else float(v) for v in values.split(",")]
    except ValueError as e:
        raise ConfigError(f"--sweep {sweep!r}: expected NAME=NUMBER,NUMBER,... ({e})") from e
    FusionWeights.from_dict({name: cast[0]})  # an unknown name is refused here
    base = base or FusionWeights()
    return [(f"{name}={v}", replace(base, **{name: c})) for v, c in zip(values.split(","), cast)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=None, help="ReDial dialogues (default: data/redial/valid.jsonl)")
    parser.add_argument("--trials", type=int, default=240, help="weight settings tried, all weights at once (default 240)")
    parser.add_argument("--seed", type=int, default=0, help="the search's seed")
    parser.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="also score these values of one weight, the others as the graph weighs them")
    parser.add_argument("--dense", choices=("base", "lora"), help="add the LM encoder's list (dense-base or "
                        "dense-lora, as kgrec eval redial builds them) to every turn's lists")
    parser.add_argument("--hold", default="", metavar="NAME,...",
                        help="weights kept as the graph weighs them, not searched (e.g. remention: the re-mention "
                        "weight raises only the all-labels protocol, and the chat would show its last list again)")
    parser.add_argument("--before", type=int, metavar="ID", help="a temporal split made from train instead of valid: "
                        "the graph learned from the train conversations before this id, the train dialogues from it "
                        "on held out (kgrec.evaluation.temporal; ReDial's test comes after train)")
    args = parser.parse_args(argv)
    if args.before is not None and (args.dense or args.split):
        parser.error("--before holds out train dialogues: the dense adapter learned from them (no --dense), and "
                     "it makes its own split (no --split)")
    from kgrec.kg.errors import ConfigError
    from kgrec.kg.query.retrieval import FusionWeights, graph_weights

    held = [name for name in args.hold.split(",") if name]
    if unknown := [name for name in held if name not in FusionWeights.sources()]:
        parser.error(f"--hold {','.join(unknown)}: expected weights among {', '.join(FusionWeights.sources())}")

    try:
        for sweep in args.sweep:  # a mistyped one is refused before any data is loaded
            sweep_weights(sweep)
    except ConfigError as e:
        parser.error(str(e))
    from kgrec.evaluation.redial import PART_NAMES, popularity_order
    from kgrec.evaluation.systems import AgentReplay
    from kgrec.evaluation.turns import official_turns
    from kgrec.kg.graph import catalog
    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import VALID_FILE, load_dialogues
    from kgrec.kg.storage.store import load_movie_graph

    if args.before is not None:  # the graph from the earlier conversations, the later dialogues held out
        import tempfile

        from kgrec.evaluation.temporal import graph_from, split_root

        with tempfile.TemporaryDirectory(prefix="kgrec-temporal-") as folder:  # links and three files, removed after
            root = Path(folder)
            try:
                counts = split_root(data_dir(), args.before, root)
            except ConfigError as e:
                parser.error(str(e))
            print(f"temporal split at id {args.before}: {counts[0]:,} train dialogues, {counts[1]:,} held out, "
                  f"{counts[2]:,} mention-only conversations", flush=True)
            G = graph_from(root)
            turns = official_turns(G, load_dialogues(root / VALID_FILE))
        path = f"the train dialogues from id {args.before} on"
    else:
        G, path = load_movie_graph(), args.split or data_dir() / VALID_FILE
        turns = official_turns(G, load_dialogues(path))
    dense = None
    if args.dense:  # its list joins every turn's lists (where the agent retrieves), as Recommender.dense's would
        from kgrec.agent.llm import default_dense_adapter_dir
        from kgrec.evaluation.redial import load_dense_noted

        notes: list[str] = []
        dense = load_dense_noted(f"dense-{args.dense}", G, default_dense_adapter_dir() if args.dense == "lora" else None, notes)
        print("\n".join(notes))
    replay = AgentReplay(G, dense=dense)
    prepared = [replay.prepare(t) for t in turns]
    fallback = popularity_order(G, catalog(G))
    evaluate = lambda w: scores(replay, prepared, fallback, w)  # noqa: E731
    rows = [("popularity (baseline)", evaluate(FusionWeights.only("popular")))]
    rows += [(f"{name} only", evaluate(FusionWeights.only(name))) for name in PART_NAMES]
    current = graph_weights(G)  # FusionWeights() and what the graph changes (data/tuning.json)
    rows.append(("current (graph_weights)", evaluate(current)))
    rows.append(("current, close_first=False", evaluate(replace(current, close_first=False))))
    rows += [(label, evaluate(weights)) for sweep in args.sweep for label, weights in sweep_weights(sweep, current)]
    present = {name for p in prepared for name in p.lists}  # without --dense, its weight is not searched
    names = [name for name in current.sources() if name in present and name not in held]
    best, best_result, log = joint_search(evaluate, current, args.trials, args.seed, names=names,
                                          report=lambda t, w, r: print(f"trial {t}: {asdict(w)} -> {r}", flush=True))
    rows.append(("tuned", best_result))
    samples = sum(len(t.labels) for t in turns)
    print(f"{path}: {len(turns)} recommendation turns, {samples} (turn, label) samples; "
          f"graph learned from {G.graph.get('trained_on')}; re-mention prior "
          f"{G.graph.get('remention_prior')} from {G.graph.get('remention_trained_on')}")
    print(f"{'system':<28}" + "".join(f"{m:>10}" for m in rows[0][1]))
    for name, result in rows:
        print(f"{name:<28}" + "".join(f"{v:>10.3f}" for v in result.values()))
    print("\nsteps that improved (weights -> R@10, R@50):")
    for weights, result in log:
        print(f"  {weights} -> {result['R@10']:.3f}, {result['R@50']:.3f}")
    print(f"\nbest: {best}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
