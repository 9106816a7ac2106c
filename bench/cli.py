"""``kgrec bench``: every speed and memory benchmark of ``bench/`` in one table.

    kgrec bench                                      # every speed benchmark in one table
    kgrec bench --quick --only kg_load,agent_latency
"""
from __future__ import annotations

import argparse

from kgrec.evaluation.report import command_line


def register(subparsers) -> None:
    b = subparsers.add_parser("bench", help="run every speed benchmark of bench/ and gather one table")
    b.add_argument("--only", help="comma-separated subset: kg_load,retrieval_speed,model_speed,train_speed,agent_latency")
    b.add_argument("--timeout", type=float, default=600.0, help="seconds per benchmark script")
    b.add_argument("--out", default="runs/bench")
    b.add_argument("--quick", action="store_true", help="fewer repeats and contexts per script (kgrec.bench.speed.QUICK_ARGS)")
    b.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from kgrec.bench import speed

    command = command_line(args, "bench", {"only": None, "timeout": 600.0, "out": "runs/bench", "quick": False})
    text, paths = speed.run(only=args.only, out=args.out, timeout=args.timeout, command=command, quick=args.quick)
    print(text)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
