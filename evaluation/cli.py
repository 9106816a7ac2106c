"""``kgrec eval redial`` and ``kgrec eval simulate`` (``kgrec bench`` is ``bench/cli.py``).

    kgrec eval redial --limit 500 --seed 0           # CRSLab test turns, all baselines
    kgrec eval redial --entities prev_entity         # the file's context entities instead of linking
    kgrec eval redial --data data/redial/test_data.jsonl --systems popularity,retriever
    kgrec eval redial --graph inspired --systems popularity,retriever   # an imported graph, its valid turns
    kgrec eval redial --graph inspired --data other/test.jsonl          # any CRSLab file over that graph
    kgrec eval tune --graph inspired                 # fusion weights + re-mention prior from its train turns
    kgrec eval ratings                               # leave-one-out on users' ratings: retrievers vs item-kNN
    kgrec eval simulate --dialogues 200 --seed 0     # scripted seekers, success within 5 turns
    kgrec eval content                               # content requests ("a vampire movie"): precision@3
"""
from __future__ import annotations

import argparse

from kgrec.evaluation.redial import SYSTEM_NAMES
from kgrec.evaluation.report import command_line


def _systems(value: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in value.split(",") if s.strip())


def register(subparsers) -> None:
    ev = subparsers.add_parser("eval", help="measure recommendation quality (ReDial replay, user simulation)")
    which = ev.add_subparsers(dest="eval_command", required=True)

    r = which.add_parser("redial", help="replay ReDial's recommendation turns and score the rankings")
    r.add_argument("--data", help="CRSLab test.jsonl (default: data/redial_kg/test.jsonl) or official ReDial JSONL")
    r.add_argument("--graph", default=None, metavar="NAME|DIR",
                   help="an installed graph or graph folder (default: the shipped movie KG); default --data: its valid turns")
    r.add_argument("--limit", type=int, help="evaluate a sample of this many turns (default: all 3,552)")
    r.add_argument("--seed", type=int, default=0, help="sampling seed (same seed, same numbers)")
    r.add_argument("--entities", default="text", help="text (the agent's linking, default) or prev_entity")
    r.add_argument("--systems", type=_systems, default="popularity,retriever,base,lora",
                   help="comma-separated: " + ",".join(SYSTEM_NAMES))
    r.add_argument("--out", default="runs/eval-redial", help="folder for results.md/.json/.png")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_redial)

    t = which.add_parser("tune", help="tune an imported graph's retriever on its train turns (held out by fold)")
    from kgrec.evaluation import tune_graph

    tune_graph.add_arguments(t)
    t.set_defaults(func=tune_graph.run)

    g = which.add_parser("ratings", help="ratings-style data: leave one liked item out per user, retrievers vs item-kNN")
    from kgrec.evaluation import ratings

    ratings.add_arguments(g)
    g.set_defaults(func=ratings.run)

    c = which.add_parser("content", help="requests that say what a movie is about: precision@3 against the KG's themes")
    from kgrec.evaluation import content

    content.add_arguments(c)
    c.set_defaults(func=content.run)

    s = which.add_parser("simulate", help="scripted seekers from ReDial test dialogues look for a target movie")
    s.add_argument("--data", help="official ReDial JSONL (default: data/redial/test_data.jsonl)")
    s.add_argument("--dialogues", type=int, default=200, help="number of simulated seekers (default 200)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--max-turns", type=int, default=5, help="success = target recommended within this many turns")
    s.add_argument("--systems", type=_systems, default="popularity,retriever,base,lora",
                   help="comma-separated: popularity,retriever,base,lora")
    s.add_argument("--hints", type=_systems, default="genre,starring,director,year",
                   help="what the seeker may reveal, comma-separated (fewer kinds: a harder search)")
    s.add_argument("--out", default="runs/eval-simulate")
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=_simulate)


def _redial(args: argparse.Namespace) -> int:
    from kgrec.evaluation import report
    from kgrec.evaluation.redial import RedialEvalConfig, evaluate

    systems = args.systems if isinstance(args.systems, tuple) else _systems(args.systems)
    config = RedialEvalConfig(data=args.data, graph=args.graph, limit=args.limit, seed=args.seed, entities=args.entities,
                              systems=systems, out=args.out)
    command = command_line(args, "eval redial", {"data": None, "graph": None, "limit": None, "seed": None, "entities": "text",
                                              "systems": "popularity,retriever,base,lora", "out": "runs/eval-redial"})
    result = evaluate(config, progress=not args.no_progress, command=command)
    paths = report.write_redial(config.out, report.merge_previous(config.out, result))
    print(paths[0].read_text(encoding="utf-8"))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from kgrec.evaluation import report
    from kgrec.evaluation.simulate import SimulateConfig, evaluate

    systems = args.systems if isinstance(args.systems, tuple) else _systems(args.systems)
    config = SimulateConfig(data=args.data, dialogues=args.dialogues, seed=args.seed, max_turns=args.max_turns,
                            systems=systems, out=args.out, hints=args.hints)
    command = command_line(args, "eval simulate", {"data": None, "dialogues": None, "seed": None, "max_turns": 5,
                                                "systems": "popularity,retriever,base,lora", "out": "runs/eval-simulate",
                                                "hints": "genre,starring,director,year"})
    result = evaluate(config, progress=not args.no_progress, command=command)
    paths = report.write_simulate(config.out, report.merge_previous(config.out, result, report.SAME_SEEKERS))
    print(paths[0].read_text(encoding="utf-8"))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
