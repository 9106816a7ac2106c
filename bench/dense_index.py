"""Where a nearest-neighbour index starts to beat the dense list's plain matrix product.

Usage:
    .venv/bin/python -m kgrec.bench.dense_index --sizes 10000,100000            # docs/scaling.md's table
    .venv/bin/python -m kgrec.bench.dense_index --sizes 1000000 --methods numpy,ivf

The dense list (``kgrec.agent.encoder.DenseIndex``) scores one conversation against every catalog item:
``vectors @ query`` then the ``k`` best. Per size this bench makes ``n`` seeded, clustered,
unit-length float32 vectors of the encoder's width (576, SmolLM2-135M's hidden size: sqrt(n)
Gaussian clusters as wide as they are apart, with a decaying spectrum, so an index has some
structure to find, as real embeddings do) and times one query at a time, as a turn asks, for each method:

* ``numpy``: what ``DenseIndex`` does now: the matrix product and an ``argsort`` of every score;
* ``numpy-top``: the same product, ``argpartition`` for the ``k`` best, then a sort of those;
* ``hnsw``: FAISS ``IndexHNSWFlat`` (M=32, efSearch=``max(2k, 256)``), inner product;
* ``ivf``: FAISS ``IndexIVFFlat`` (``sqrt(n)`` lists trained on at most 64k vectors, nprobe=32).

Columns: build time (wall and CPU), the query's p50 and p95 wall and CPU p50 in milliseconds,
recall@k against the exact top ``k`` (the share of the exact ``k`` the method returns), and the
index's memory. FAISS is optional (``pip install faiss-cpu``, the ``ann`` extra); without it only
the numpy rows are measured and the table says so.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from kgrec.bench.agent_latency import quantile
from kgrec.evaluation.report import markdown_table

DIM = 576  # SmolLM2-135M's hidden size: the width of kgrec.agent.encoder's vectors
METHODS = ("numpy", "numpy-top", "hnsw", "ivf")


def vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    """``(n, dim)`` float32 unit vectors in ``sqrt(n)`` clusters, the same for the same seed."""
    rng = np.random.default_rng(seed)
    clusters = max(int(np.sqrt(n)), 1)
    spectrum = (1.0 / np.arange(1, dim + 1) ** 0.5).astype(np.float32)  # a few directions dominate
    centres = rng.standard_normal((clusters, dim), dtype=np.float32) * spectrum
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: the noise of 1M rows at once is another 2.3 GB
        stop = min(start + 100_000, n)
        block = centres[rng.integers(0, clusters, stop - start)]
        block += rng.standard_normal((stop - start, dim), dtype=np.float32) * spectrum
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def queries(base: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    """``count`` queries near catalog vectors (a conversation resembles items), unit length."""
    rng = np.random.default_rng(seed)
    q = base[rng.integers(0, len(base), count)] + 0.05 * rng.standard_normal((count, base.shape[1]), dtype=np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def exact(base: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """``(k,)`` positions of the ``k`` highest inner products, best first (ties by position)."""
    return top_k(base @ q, k)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The positions of the ``k`` highest ``scores``, best first (ties by position)."""
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.lexsort((top, -scores[top]))]


class Numpy:
    """The plain matrix product; ``full``: ``argsort`` every score (``DenseIndex`` today)."""

    def __init__(self, base: np.ndarray, full: bool):
        self.base, self.full = base, full

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        scores = self.base @ q
        if self.full:
            return np.argsort(-scores, kind="stable")[:k]
        return top_k(scores, k)

    def memory_mb(self) -> float:
        return self.base.nbytes / 2**20


class Faiss:
    """A FAISS index of ``kind`` ``"hnsw"`` or ``"ivf"`` over ``base`` (inner product)."""

    def __init__(self, base: np.ndarray, kind: str, k: int):
        import faiss

        dim = base.shape[1]
        if kind == "hnsw":
            self.index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = 64
            self.index.hnsw.efSearch = max(2 * k, 256)
        else:
            lists = max(int(np.sqrt(len(base))), 16)
            self.index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
            sample = base[np.random.default_rng(2).choice(len(base), min(len(base), 64 * lists, 65_536), replace=False)]
            self.index.train(sample)
            self.index.nprobe = 32
        self.index.add(base)
        self.kind, self.rows = kind, len(base)

    def search(self, q: np.ndarray, k: int) -> np.ndarray:
        _, found = self.index.search(q[None, :], k)
        return found[0]

    def memory_mb(self) -> float:
        import faiss

        return len(faiss.serialize_index(self.index)) / 2**20


def build(method: str, base: np.ndarray, k: int):
    if method in ("numpy", "numpy-top"):
        return Numpy(base, full=method == "numpy")
    return Faiss(base, method, k)


def measure(method: str, base: np.ndarray, qs: np.ndarray, truth: list[np.ndarray], k: int) -> dict:
    """Build time, query times and recall@k of one method on one catalog."""
    start, start_cpu = time.perf_counter(), time.process_time()
    index = build(method, base, k)
    built, built_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    wall, cpu, recall = [], [], []
    for q, want in zip(qs, truth):
        start, start_cpu = time.perf_counter(), time.process_time()
        found = index.search(q, k)
        wall.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
        recall.append(len(set(found.tolist()) & set(want.tolist())) / k)
    return {"method": method, "items": len(base), "build_s": built, "build_cpu_s": built_cpu,
            "p50_ms": float(np.median(wall)), "p95_ms": quantile(wall, 0.95), "cpu_p50_ms": float(np.median(cpu)),
            "recall": float(np.mean(recall)), "memory_mb": index.memory_mb()}


def available(methods: list[str]) -> tuple[list[str], str]:
    """The methods that can run here, and a note on the ones that cannot."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        kept = [m for m in methods if m.startswith("numpy")]
        return kept, "" if kept == methods else "faiss-cpu is not installed: FAISS rows left out"
    return methods, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated catalog sizes")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated: {', '.join(METHODS)}")
    parser.add_argument("--k", type=int, default=200, help="items per query (the dense list's depth)")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--dim", type=int, default=DIM)
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"--methods {','.join(unknown)}: expected some of {', '.join(METHODS)}")
    methods, note = available(methods)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        base = vectors(n, args.dim)
        qs = queries(base, args.queries)
        truth = [exact(base, q, args.k) for q in qs]
        for method in methods:
            rows.append(measure(method, base, qs, truth, args.k))
            print({k: round(v, 4) if isinstance(v, float) else v for k, v in rows[-1].items()}, flush=True)
        del base
    print(f"\ndense top-{args.k} of one query, {args.dim}-wide float32, {os.cpu_count()} CPUs "
          f"(load average {os.getloadavg()[0]:.1f}){'; ' + note if note else ''}")
    print(markdown_table(["items", "method", "build s (wall / CPU)", "query p50 / p95 ms", "query CPU p50 ms",
                          f"recall@{args.k}", "index MB"],
                         [[f"{r['items']:,}", r["method"], f"{r['build_s']:.1f} / {r['build_cpu_s']:.1f}",
                           f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f}", f"{r['cpu_p50_ms']:.2f}",
                           f"{r['recall']:.3f}", f"{r['memory_mb']:.0f}"] for r in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
