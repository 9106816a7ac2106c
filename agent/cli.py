"""``kgrec prepare``: fill the caches the chat needs (``kgrec.agent.warmup``), with a progress bar.

Usage:
    kgrec prepare                   # the shipped movie KG, the embedded model and its adapters
    kgrec prepare --graph inspired  # an installed graph (kgrec kg list) or a graph folder

``make`` runs it after installing, so the first message in ``kgrec chat`` waits for nothing.
Everything is cached by content under ``kgrec.kg.locations.cache_dir()``; a second run takes seconds.
"""
from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("prepare", help="build the caches the chat needs, with a progress bar",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", default=None, metavar="NAME|DIR",
                        help="an installed graph (kgrec kg list) or a graph folder (default: the shipped movie KG)")
    parser.set_defaults(func=run)


class ConsoleBar:
    """One ``tqdm`` bar per warm-up step, on stderr; a step without units shows its name and time."""

    def __init__(self, file=sys.stderr):
        self.file, self.bar, self.step = file, None, 0

    def __call__(self, progress) -> None:
        from tqdm.auto import tqdm

        if progress.step != self.step or (self.bar is not None and self.bar.total != progress.total):
            self.close()
            self.step = progress.step
            self.bar = tqdm(total=progress.total, desc=f"[{progress.step}/{progress.steps}] {progress.what}",
                            unit="batch" if progress.total else "", file=self.file, leave=True,
                            bar_format=None if progress.total else "{desc} ({elapsed})")
        if progress.total:
            self.bar.n = progress.done
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run(args: argparse.Namespace) -> int:
    import time

    from kgrec.agent.config import AgentConfig
    from kgrec.agent.warmup import warmup
    from kgrec.kg.locations import cache_dir

    config = AgentConfig(graph=args.graph)  # an unknown graph: one line naming the installed ones
    start, bar = time.monotonic(), ConsoleBar()
    try:
        warmup(config, progress=bar)
    finally:
        bar.close()
    print(f"kgrec prepare: ready in {time.monotonic() - start:.0f} s (caches in {cache_dir()})", flush=True)
    return 0
