"""Tune an imported graph's retriever on its own **train** turns, held out by fold (``kgrec eval tune``).

Usage:
    kgrec eval tune --graph inspired              # writes tuning.json into the graph's folder
    kgrec eval tune --graph inspired --dry-run    # the table only

The graph's train dialogues (its ``train.jsonl`` turns) are split into ``--folds`` folds by
dialogue. For each fold, popularity, co-mentions and the EASE model are rebuilt from the other
folds' dialogues only (a dialogue's session: the catalog items of its turns' contexts and
labels, the labels counted as positive), and the fold's turns are replayed exactly as
``kgrec eval redial`` replays a test file (``kgrec.evaluation.systems.AgentReplay``). The re-mention prior
(``kgrec.kg.query.remention``: how often an item of the conversation is suggested again) is counted on the
other folds' turns. Coordinate ascent (``kgrec.evaluation.tune_fusion.coordinate_ascent``) then picks the
``kgrec.kg.query.retrieval.FusionWeights`` with the best mean Recall@10 of the two protocols (all labels;
labels that repeat a context item dropped), ties by Recall@50, then Recall@1, over every held-out turn. The
weights and the prior counted on all train turns are saved with the graph
(``kgrec.kg.storage.registry.save_tuning``); ``kgrec.kg.storage.registry.load_graph`` hands them to the retriever. The valid
split is never read, so ``kgrec eval redial --graph NAME`` still measures on unseen turns.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from kgrec.kg.errors import KgrecError

FOLDS = 4


@dataclass
class Fold:
    """One fold's held-out turns, replayed on a graph that learned from the other folds only."""

    replay: object  # kgrec.evaluation.systems.AgentReplay over the fold's graph
    prepared: list  # kgrec.evaluation.systems.Prepared, lists computed with the fold's prior
    fallback: list[int]  # the fold graph's popularity order


def without_interactions(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` with no dialogue knowledge: no co-mentions, popularity 0, no EASE model."""
    from kgrec.kg import comentions
    from kgrec.kg.query import collaborative, remention, retrieval

    H = G.copy()
    for _, data in H.nodes(data=True):
        if data.get("item"):
            data["popularity"] = 0
    for key in (comentions.KEY, collaborative.GRAPH_KEY, retrieval.WEIGHTS_KEY, remention.GRAPH_KEY):
        H.graph.pop(key, None)
    return uncached(H)


def uncached(H: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``H`` without the caches its copy shares with the graph it was copied from."""
    from kgrec.kg import graph
    from kgrec.kg.query import similarity

    for key in (graph.CACHE_KEY, similarity.CACHE_KEY):
        H.graph.pop(key, None)
    return H


def sessions_by_dialogue(rows: list[dict], catalog: set[int]) -> dict[str, object]:
    """Dialogue id -> ``kgrec.kg.sources.interactions.Session`` of its turns' catalog items (labels positive)."""
    from kgrec.kg.sources.interactions import Session

    items, positive = defaultdict(list), defaultdict(set)
    for row in rows:
        d = str(row.get("dialog_id", ""))
        items[d] += [n for n in [*row["prev_entity"], *row["rec"]] if n in catalog]
        positive[d] |= set(row["rec"])
    return {d: Session(tuple(dict.fromkeys(items[d])), frozenset(positive[d])) for d in items}


def fold_graph(base: nx.MultiDiGraph, sessions: list) -> nx.MultiDiGraph:
    """``base`` plus popularity, co-mentions and EASE from ``sessions``, frozen as a loaded graph is (its
    caches then never recount its size: on an unfrozen graph each cached lookup walked every node, and
    the search spent its time there)."""
    from kgrec.kg.query import collaborative
    from kgrec.kg.sources.interactions import add_interactions

    H = uncached(base.copy())
    add_interactions(H, sessions, source="train folds")
    collaborative.add_collaborative(H, [s.items for s in sessions])
    return nx.freeze(H)


def build_folds(G: nx.MultiDiGraph, rows: list[dict], turns: list, folds: int, seed: int = 0):
    """The held-out folds and the prior counted on all train turns."""
    from dataclasses import asdict

    from kgrec.evaluation.redial import popularity_order
    from kgrec.evaluation.systems import AgentReplay, Prepared
    from kgrec.kg.graph import catalog
    from kgrec.kg.query import remention

    items = set(catalog(G))
    sessions = sessions_by_dialogue(rows, items)
    dialogues = sorted(sessions)
    random.Random(seed).shuffle(dialogues)
    fold_of = {d: i % folds for i, d in enumerate(dialogues)}
    base = without_interactions(G)
    replays, states, observed = [], [], []
    for f in range(folds):
        H = fold_graph(base, [sessions[d] for d in dialogues if fold_of[d] != f])
        replay = AgentReplay(H)
        mine = [t for t in turns if fold_of.get(t.dialog_id) == f]
        fold_states = [(t, replay.replayed(t)) for t in mine]
        observed.append([(remention.roles(**dict(r.request.again)), set(t.labels)) for t, r in fold_states])
        replays.append(replay)
        states.append(fold_states)
    result = []
    for f, replay in enumerate(replays):
        prior = remention.fit_prior(o for g in range(folds) if g != f for o in observed[g])
        replay.G.graph[remention.GRAPH_KEY] = asdict(prior)  # read by kgrec.agent.turn.candidate_lists
        prepared = [Prepared(t, tuple(r.session.prefs.liked), (), r, replay.lists(r)) for t, r in states[f]]
        result.append(Fold(replay, prepared, popularity_order(replay.G, catalog(replay.G))))
    return result, remention.fit_prior(o for fold in observed for o in fold)


def scores(folds: list[Fold], weights) -> dict[str, float]:
    """Recall@10/@50 in both protocols over every fold's held-out turns (rankings padded as in the eval)."""
    from kgrec.agent.turn import retrieve
    from kgrec.evaluation.metrics import exclude_mentioned, recall_at_k
    from kgrec.evaluation.redial import KEEP, pad

    rankings, labels, seen = [], [], []
    for fold in folds:
        for p in fold.prepared:
            found = [] if weights is None or not p.lists else [
                c.item for c in retrieve(fold.replay.G, p.replayed.request, weights, p.lists)]
            rankings.append(pad(found, fold.fallback, KEEP + len(p.turn.annotated)))
            labels.append(list(p.turn.labels))
            seen.append(set(p.turn.annotated))
    new_rankings, new_labels = exclude_mentioned(rankings, labels, seen)
    return {f"{protocol}R@{k}": recall_at_k(r, y, k) for protocol, r, y in
            (("", rankings, labels), ("new ", new_rankings, new_labels)) for k in (1, 10, 50)}


def objective(result: dict[str, float]) -> tuple[float, float, float]:
    """Both protocols count: mean Recall@10, then mean Recall@50, then mean Recall@1 (small catalogs)."""
    return tuple((result[f"R@{k}"] + result[f"new R@{k}"]) / 2 for k in (10, 50, 1))


def tune(spec: str, folds: int = FOLDS, rounds: int = 2) -> tuple[object, object, list[tuple[str, dict]]]:
    """``(weights, prior, table rows)`` for the graph ``spec``, from its train turns only."""
    from kgrec.evaluation.tune_fusion import coordinate_ascent
    from kgrec.evaluation.turns import load_turns
    from kgrec.kg.query.retrieval import FusionWeights
    from kgrec.kg.storage import registry

    path = registry.turns_file(spec, "train")
    if path is None:
        raise KgrecError(f"--graph {spec}: it has no imported train turns to tune on "
                         "(kgrec kg import ... --dialogues train=FILE)")
    G = registry.load_graph(spec)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    fold_list, prior = build_folds(G, rows, load_turns(path, G), folds)
    evaluate = lambda w: scores(fold_list, w)  # noqa: E731
    rows_out = [("popularity", evaluate(None)), ("FusionWeights() (ReDial's)", evaluate(FusionWeights()))]
    best, best_result, _ = coordinate_ascent(evaluate, FusionWeights(), rounds, objective)
    rows_out.append(("tuned", best_result))
    return best, prior, rows_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--graph", required=True, metavar="NAME|DIR", help="an imported graph with train turns")
    parser.add_argument("--folds", type=int, default=FOLDS, help=f"held-out folds of the train dialogues (default {FOLDS})")
    parser.add_argument("--rounds", type=int, default=2, help="coordinate-ascent rounds (default 2)")
    parser.add_argument("--dry-run", action="store_true", help="print the table, save nothing")


def run(args: argparse.Namespace) -> int:
    from kgrec.kg.storage import registry

    if args.folds < 2:
        raise KgrecError(f"--folds {args.folds}: expected at least 2")
    folder = registry.graph_folder(args.graph)
    if folder is None:
        raise KgrecError("kgrec eval tune: the shipped graph's weights are tuned on ReDial valid (python -m kgrec.evaluation.tune_fusion)")
    weights, prior, table = tune(args.graph, args.folds, args.rounds)
    print(f"graph {args.graph}: {args.folds} folds of its train turns, each replayed on a graph built from the other folds")
    print(f"{'system':<28}" + "".join(f"{m:>10}" for m in table[0][1]))
    for name, result in table:
        print(f"{name:<28}" + "".join(f"{v:>10.3f}" for v in result.values()))
    print(f"weights: {weights}\nre-mention prior: {prior}")
    if not args.dry_run:
        report = {"folds": args.folds, "rounds": args.rounds, "held_out": {name: r for name, r in table}}
        print(f"saved {registry.save_tuning(folder, weights, prior, report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
