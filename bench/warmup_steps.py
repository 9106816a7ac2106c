"""What the chat's warm-up spends, step by step: wall and CPU seconds of each ``kgrec.agent.warmup`` step.

Run in one fresh process on the cache as it is (``KGREC_CACHE``), so it shows what ``kgrec chat``
does before serving its page, and what ``kgrec prepare`` builds on an empty cache. A library
(torch, transformers, peft) counts in the step that first imports it, as in the chat;
``--preimport`` imports them first, as a row of their own. CPU seconds (all threads) are the
figure to compare on a shared machine; wall seconds swing with the other jobs.

Usage:
    python -m kgrec.bench.warmup_steps                                 # the shipped KG, the user's cache
    python -m kgrec.bench.warmup_steps --preimport                     # the libraries' import apart
    KGREC_CACHE=$(mktemp -d) python -m kgrec.bench.warmup_steps        # an empty cache (builds everything)
    python -m kgrec.bench.warmup_steps --graph inspired                # an installed graph
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kgrec.evaluation.report import markdown_table

MESSAGE = "I loved Police Academy, something like it?"
LIBRARIES = ("torch", "transformers", "transformers.models.llama.modeling_llama", "peft")


@dataclass(frozen=True)
class Timed:
    """One row: what ran, its wall and CPU seconds."""

    what: str
    wall_s: float
    cpu_s: float


class Clock:
    """Wall and CPU time since the last ``lap``."""

    def __init__(self):
        self.wall, self.cpu = time.monotonic(), time.process_time()

    def lap(self, what: str) -> Timed:
        wall, cpu = time.monotonic(), time.process_time()
        timed = Timed(what, wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return timed


def measure(config=None, *, recommender=None, preimport: bool = False) -> list[Timed]:
    """The libraries' import (with ``preimport``), each warm-up step, then one more turn."""
    import importlib

    from kgrec.agent.warmup import warmup

    clock, rows, step = Clock(), [], [None]
    if preimport:
        from kgrec.agent.llm import import_peft  # peft as the chat imports it (no bitsandbytes without CUDA)

        for name in LIBRARIES:
            import_peft() if name == "peft" else importlib.import_module(name)
        rows.append(clock.lap("importing " + ", ".join(LIBRARIES)))

    def progress(p) -> None:
        if p.step != step[0]:
            if step[0] is not None:
                rows.append(clock.lap(step[0]))
            step[0] = f"{p.step}/{p.steps} {p.what}"

    recommender = warmup(config, progress, recommender=recommender)
    rows.append(clock.lap(step[0]))
    recommender.respond(recommender.new_session(), MESSAGE)
    rows.append(clock.lap("a turn after the warm-up"))
    return rows


def table(rows: list[Timed]) -> str:
    """The Markdown table, with the warm-up's total (the last row, a turn after it, is not in it)."""
    body = [[r.what, f"{r.wall_s:,.2f}", f"{r.cpu_s:,.2f}"] for r in rows]
    warm = rows[:-1]
    total = ["total before ready", f"{sum(r.wall_s for r in warm):,.2f}", f"{sum(r.cpu_s for r in warm):,.2f}"]
    return markdown_table(["step", "wall s", "CPU s"], body[:-1] + [total, body[-1]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default=None, metavar="NAME|DIR", help="an installed graph or a graph folder")
    parser.add_argument("--preimport", action="store_true", help="import torch, transformers, peft first, apart")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/warmup_steps.md"))
    args = parser.parse_args(argv)
    from kgrec.agent.config import AgentConfig
    from kgrec.kg.locations import cache_dir

    rows = measure(AgentConfig(graph=args.graph), preimport=args.preimport)
    text = f"cache {cache_dir()}; load {os.getloadavg()[0]:.1f} at the end\n\n{table(rows)}"
    print(text, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
