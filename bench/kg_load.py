"""Cold build vs cached load of the movie KG (target: cached load <= 3 s).

Usage:
    .venv/bin/python -m kgrec.bench.kg_load --runs 3

Uses a fresh temporary cache folder, so the user's cache is left alone.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median quoted)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["KGREC_CACHE"] = cache
        from kgrec.kg.graph import catalog
        from kgrec.kg.storage.store import load_movie_graph

        cold = [timed(lambda: load_movie_graph(rebuild=True)) for _ in range(args.runs)]
        cached = [timed(load_movie_graph) for _ in range(args.runs)]
        G = load_movie_graph()
        size = sum(p.stat().st_size for p in Path(cache).iterdir() if p.is_file())
    cold_s, cached_s = statistics.median(cold), statistics.median(cached)
    print(f"movie KG: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges, "
          f"{len(catalog(G)):,} items; median of {args.runs} runs")
    print(f"{'what':<28}{'median s':>10}{'min s':>8}{'max s':>8}")
    print(f"{'cold build (baseline)':<28}{cold_s:>10.2f}{min(cold):>8.2f}{max(cold):>8.2f}")
    print(f"{'cached load':<28}{cached_s:>10.2f}{min(cached):>8.2f}{max(cached):>8.2f}")
    print(f"{'speed-up (cold / cached)':<28}{cold_s / cached_s:>10.1f}x")
    print(f"target cached <= 3.00 s: {'met' if cached_s <= 3 else 'MISSED'}")
    print(f"cache file: {size / 2**20:.1f} MiB; learned from {G.graph.get('trained_on', 'no interactions')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
