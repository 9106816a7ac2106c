"""The ``kgrec`` command. Each package contributes its subcommands through ``<pkg>/cli.py``.

Usage:
    kgrec kg stats
    kgrec finetune --config configs/smollm2-cpu.yaml --max-steps 10
    kgrec prepare
    kgrec chat --port 7860
    kgrec eval redial --limit 50
    kgrec bench

A ``cli`` module defines ``register(subparsers)`` and imports nothing heavy at module level.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from kgrec.kg.errors import KgrecError

#: modules whose ``register(subparsers)`` adds subcommands, in help order
CLI_MODULES = ("kgrec.kg.cli", "kgrec.finetune.cli", "kgrec.agent.cli", "kgrec.ui.cli", "kgrec.evaluation.cli", "kgrec.bench.cli")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgrec", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # that package has no CLI yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = make_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KgrecError as e:  # a user's mistake: one line; our own bugs still raise
        print(f"kgrec: error: {e}", file=sys.stderr)
        return 2
    except MemoryError as e:  # a graph too big for this machine (loading it, or its per-graph arrays)
        command = " ".join(a for a in argv[:2] if not a.startswith("-"))
        print(f"kgrec: error: kgrec {command} needed more memory than this machine allows "
              f"({type(e).__name__}{': ' + str(e).strip()[:200] if str(e).strip() else ''}); "
              f"see docs/scaling.md for what each stage needs per catalog size", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
