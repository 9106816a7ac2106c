"""How kgrec grows with the catalog: a seeded synthetic catalog imported and chatted with, per size.

Usage:
    .venv/bin/python -m kgrec.bench.scale --items 10000,100000            # the README's table
    .venv/bin/python -m kgrec.bench.scale --items 1000000 --max-memory-gb 12  # 1M, in the background

Per size: :func:`write_catalog` writes the importer's three files (``kg/sources/importer.py``): items
(``id,name,year,genre``), triples (a director, three stars and a writer per item, each drawn
from a Zipf-like pool of people) and interactions (users' likes, items drawn Zipf-like, 1.6
likes per item). ``kgrec kg import ... --out DIR`` imports them in a child process (the real
command; its wall time and peak RSS are the import's). A second child loads the graph with
``Recommender(AgentConfig(graph=DIR, ...))`` and times a scripted conversation (a liked title, a
person, a genre with years, another title) through the Python API. The chat needs no language
model: an imported graph weighs the dense encoder 0, and ``lm_chooses_actions=False``,
``rank_with_model=False``, ``lm_chooses_paths=False`` take the KG's default action and order (the
``baseline`` of ``kgrec.bench.agent_latency``). The table ends with each column's growth exponent
(the slope of log value on log items, least squares over the sizes run). Turn times are wall
clock; "CPU" is the process's own CPU time per turn, which a shared machine inflates less.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgrec.bench.agent_latency import quantile
from kgrec.evaluation.report import markdown_table

GENRES = ("comedy", "drama", "horror", "thriller", "romance", "action", "animation", "documentary",
          "fantasy", "mystery", "western", "musical", "crime", "adventure", "war", "biography")
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]  # 70 invented syllables
LIKES_PER_ITEM, ITEMS_PER_USER = 1.6, 10
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Catalog:
    """Where a synthetic catalog's files are, and what the scripted conversation mentions."""

    items: Path
    triples: Path
    interactions: Path
    titles: tuple[str, ...]  # well-liked item names the conversation says it loved
    people: tuple[str, ...]  # people the conversation asks for


def _words(rng: np.random.Generator, n: int, syllables: int) -> list[str]:
    """``n`` invented capitalised words of ``syllables`` syllables (no real word, no common word)."""
    picks = rng.integers(0, len(SYLLABLES), size=(n, syllables))
    return ["".join(SYLLABLES[s] for s in row).capitalize() for row in picks]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return out


def _zipf(rng: np.random.Generator, pool: int, size: int, s: float = 1.0) -> np.ndarray:
    """``size`` draws from ``0..pool-1``, rank r drawn with probability ~ 1 / (r + 1) ** s."""
    p = 1.0 / np.arange(1, pool + 1) ** s
    return rng.choice(pool, size=size, p=p / p.sum())


def write_catalog(folder: Path, items: int, seed: int = 0) -> Catalog:
    """The importer's three files for ``items`` synthetic items, the same for the same seed."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = _unique([f"{a} {b}" for a, b in zip(_words(rng, items, 2), _words(rng, items, 3))])
    people = _unique([f"{a} {b}" for a, b in zip(_words(rng, items, 2), _words(rng, items, 3))])
    years = rng.integers(1950, 2025, size=items)
    genres = _zipf(rng, len(GENRES), items, 0.8)
    with open(folder / "items.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "name", "year", "genre"])
        out.writerows((i, names[i], years[i], GENRES[genres[i]]) for i in range(items))
    roles = {"director": 1, "starring": 3, "writer": 1}
    pool = max(items // 2, 2)
    with open(folder / "triples.tsv", "w", encoding="utf-8") as f:
        f.write("head\trelation\ttail\n")
        for relation, n in roles.items():
            drawn = _zipf(rng, pool, items * n, 0.9).reshape(items, n)
            f.writelines(f"{i}\t{relation}\t{people[p]}\n" for i in range(items) for p in set(drawn[i]))
    likes = int(items * LIKES_PER_ITEM)
    users = rng.integers(0, max(items // ITEMS_PER_USER, 2), size=likes)
    liked = _zipf(rng, items, likes, 0.7)
    with open(folder / "interactions.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["user", "item", "like"])
        out.writerows(dict.fromkeys(zip(users.tolist(), liked.tolist(), (rng.random(likes) > 0.1).astype(int).tolist())))
    return Catalog(folder / "items.csv", folder / "triples.tsv", folder / "interactions.csv",
                   tuple(names[i] for i in range(0, min(items, 40), 2)), tuple(people[:10]))


def conversation(catalog: Catalog, session: int) -> list[str]:
    """The scripted turns of one session: a liked title, a person, a genre with years, another title."""
    titles, people = catalog.titles, catalog.people
    first, second = titles[(2 * session) % len(titles)], titles[(2 * session + 1) % len(titles)]
    return [f"I loved {first}", f"anything with {people[session % len(people)]}?",
            f"I'd like a {GENRES[session % 4]} from after 1990", f"I also liked {second}"]


# ---------------------------------------------------------------- the children
def run_child(args: list[str], max_memory_gb: float | None) -> tuple[float, float, str]:
    """``(wall seconds, peak RSS MB, stdout)`` of ``python args`` run from the project root."""
    def limit():
        if max_memory_gb:
            cap = int(max_memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=limit, text=True)
    out, err = child.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # max over children so far: see _peak_mb
    if child.returncode != 0:
        lines = err.strip().splitlines() or [f"exited {child.returncode}"]
        raise ChildFailed(f"{args[2] if len(args) > 2 else args[-1]} exited {child.returncode} after {wall:.0f} s: {lines[-1][:500]}")
    return wall, _peak_mb(out, usage), out


class ChildFailed(RuntimeError):
    """An import or chat child ended with an error (its last stderr line: one ``kgrec: error:`` line)."""


def _peak_mb(out: str, usage) -> float:
    """The child's own peak RSS: it prints ``peak_rss_mb=...`` last (getrusage of the children is a max
    over every child so far, so a smaller run after a bigger one would show the bigger one's)."""
    for line in reversed(out.splitlines()):
        if line.startswith("peak_rss_mb="):
            return float(line.split("=", 1)[1])
    return usage.ru_maxrss / 1024


def import_child(argv: list[str]) -> int:
    """``kgrec kg import`` with argv, then the process's peak RSS on the last line."""
    import kgrec.kgrec_cli

    rc = kgrec.kgrec_cli.main(["kg", "import", *argv])
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    return rc


def chat_child(folder: str, catalog_json: str, sessions: int) -> int:
    """Load the graph at ``folder`` and time the scripted conversation; JSON on stdout."""
    from kgrec.agent import AgentConfig, Recommender

    catalog = Catalog(**{k: Path(v) if k in ("items", "triples", "interactions") else tuple(v)
                         for k, v in json.loads(catalog_json).items()})
    start = time.perf_counter()
    rec = Recommender(AgentConfig(graph=folder, dense=False, lm_chooses_actions=False,
                                  rank_with_model=False, lm_chooses_paths=False))
    rec.respond(rec.new_session(), conversation(catalog, sessions)[0])  # graph, link index, caches
    load = time.perf_counter() - start
    turns, cpu, recommended = [], [], 0
    for s in range(sessions):
        session = rec.new_session()
        for message in conversation(catalog, s):
            start, start_cpu = time.perf_counter(), time.process_time()
            reply = rec.respond(session, message)
            turns.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            recommended += bool(reply.items)
    print(json.dumps({"load_s": load, "turns": turns, "cpu": cpu, "recommended": recommended}))
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
    return 0


# ---------------------------------------------------------------- one size, the table
def measure(items: int, work: Path, seed: int = 0, sessions: int = 5,
            max_memory_gb: float | None = None, reuse: bool = False) -> dict:
    """Every column of the table for one catalog size (files under ``work``); ``reuse``: chat with
    the graph an earlier run imported there (import columns NaN)."""
    start = time.perf_counter()
    catalog = write_catalog(work / f"catalog-{items}", items, seed)
    generate = time.perf_counter() - start
    graph = work / f"graph-{items}"
    if reuse and (graph / "meta.json").exists():
        imported, import_mb = float("nan"), float("nan")
    else:
        imported, import_mb = _import(catalog, graph, max_memory_gb)
        disk = sum(p.stat().st_size for p in graph.iterdir()) / 2**20  # said now: a chat that fails loses nothing
        print(f"{items:,} items imported in {imported:.1f} s, peak RSS {import_mb:,.0f} MB, {disk:.1f} MB on disk", flush=True)
    spec = json.dumps({k: str(v) if isinstance(v, Path) else list(v) for k, v in vars(catalog).items()})
    _, chat_mb, out = run_child(["-m", "kgrec.bench.scale", "--chat-child", str(graph), spec, str(sessions)], max_memory_gb)
    chat = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    return {"items": items, "generate_s": generate, "import_s": imported, "import_mb": import_mb,
            "load_s": chat["load_s"], "turn_p50": float(np.median(chat["turns"])),
            "turn_p95": quantile(chat["turns"], 0.95), "turn_cpu_p50": float(np.median(chat["cpu"])),
            "turn_cpu_p95": quantile(chat["cpu"], 0.95), "chat_mb": chat_mb,
            "disk_mb": sum(p.stat().st_size for p in graph.iterdir()) / 2**20,
            "turns": len(chat["turns"]), "recommended": chat["recommended"]}


def _import(catalog: Catalog, graph: Path, max_memory_gb: float | None) -> tuple[float, float]:
    """``kgrec kg import`` of ``catalog`` into ``graph`` in a child: (wall seconds, peak RSS MB)."""
    shutil.rmtree(graph, ignore_errors=True)
    imported, import_mb, _ = run_child(["-m", "kgrec.bench.scale", "--import-child", "--items", str(catalog.items),
                                        "--triples", str(catalog.triples), "--interactions",
                                        str(catalog.interactions), "--noun", "book", "--out", str(graph)],
                                       max_memory_gb)
    return imported, import_mb


COLUMNS = {"import_s": "import s", "import_mb": "import peak RSS MB", "load_s": "load + first turn s",
           "turn_p50": "turn p50 s", "turn_p95": "turn p95 s", "turn_cpu_p50": "turn CPU p50 s", "turn_cpu_p95": "turn CPU p95 s",
           "chat_mb": "chat peak RSS MB",
           "disk_mb": "graph on disk MB"}


def growth(rows: list[dict], key: str) -> float:
    """The slope of log ``key`` on log items (value ~ items ** slope); NaN with one size."""
    if len({r["items"] for r in rows}) < 2:
        return float("nan")
    x = np.log([r["items"] for r in rows])
    y = np.log([max(r[key], 1e-6) for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def table(rows: list[dict]) -> str:
    body = [[f"{r['items']:,}", *(round(r[k], 2) for k in COLUMNS), f"{r['recommended']}/{r['turns']}"]
            for r in rows]
    body.append(["growth exponent", *(round(growth(rows, k), 2) for k in COLUMNS), ""])
    return markdown_table(["items", *COLUMNS.values(), "turns with items"], body)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--import-child"]:
        return import_child(argv[1:])
    if argv[:1] == ["--chat-child"]:
        return chat_child(argv[1], argv[2], int(argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="10000,100000", help="comma-separated catalog sizes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sessions", type=int, default=5, help="scripted sessions of 4 turns each")
    parser.add_argument("--max-memory-gb", type=float, default=None, help="address-space cap of each child")
    parser.add_argument("--work", default=None, help="folder for the catalogs and graphs (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="chat with graphs already imported under --work")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.items.split(",")]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kgrec-scale-"))
    rows, failed = [], []
    for items in sizes:
        try:
            rows.append(measure(items, work, args.seed, args.sessions, args.max_memory_gb, args.reuse))
        except ChildFailed as e:  # e.g. a catalog too big for --max-memory-gb: its one error line
            failed.append(f"{items:,} items: {e}")
            print(failed[-1], flush=True)
            continue
        print(f"{items:,} items: {json.dumps({k: round(v, 3) for k, v in rows[-1].items()})}", flush=True)
    print(f"\nkgrec at scale: synthetic catalogs (seed {args.seed}; {LIKES_PER_ITEM} likes per item), "
          f"{os.cpu_count()} CPUs; {args.sessions} sessions x 4 turns after one warm-up turn")
    print(table(rows) if rows else "(no size completed)")
    for line in failed:
        print(f"not measured: {line}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
