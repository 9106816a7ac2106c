"""Many chat sessions at once on the real server: per-turn latency and fairness, before and after.

Usage:
    .venv/bin/python -m kgrec.bench.concurrency                          # 20 sessions x 5 turns, both policies
    .venv/bin/python -m kgrec.bench.concurrency --sessions 5 --turns 2 --policies shared

Each policy starts the real chat server (``kgrec.ui.app`` on the real KG and the embedded model with its
shipped adapter) in a child process on 127.0.0.1, loads it with one untimed message, then opens
``--sessions`` ``gradio_client`` sessions at once. Each sends ``--turns`` recommendation requests
(a real ReDial valid opener, then follow-ups), one after the other with no pause, and times each
answer from sending to the last streamed update. The policies:

- ``serial`` (the baseline, how the server ran before): one agent event at a time, each turn waits
  for the model as long as it takes;
- ``shared`` (now): sessions run side by side, the model serves one call at a time in arrival
  order (``kgrec.agent.scheduler.FairLock``), and a turn that waited ``AgentConfig.model_wait_s`` for it
  goes on in the knowledge graph's order.

The server counts the turns whose ranking the model did (``model ranked``). Fairness: the
fastest, median and slowest session's total time. Target: p95 <= 5 s for 20 sessions on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from kgrec.bench.agent_latency import quantile
from kgrec.evaluation.report import markdown_table

POLICIES = {  # name -> (label, sessions_at_once, AgentConfig.model_wait_s)
    "serial": ("one turn at a time, waits for the model (before, baseline)", 1, None),
    "shared": ("sessions side by side, fair model queue, 2 s wait (now)", 32, 2.0),
}
FOLLOW_UPS = ("another one", "something more recent", "more like that", "any other ideas?", "one more please")


def serve(policy: str, port: int, counts: Path) -> int:
    """The child process: the real server with ``policy``; counts model-ranked turns into ``counts``."""
    from kgrec.agent import AgentConfig, Recommender, Reply
    from kgrec.ui.app import build_app, launch
    from kgrec.ui.handlers import Engine

    _, at_once, wait = POLICIES[policy]
    lock = threading.Lock()
    tally = {"turns": 0, "model_ranked": 0}

    class Counted(Recommender):  # the real recommender; only watches each finished turn
        def stream(self, session, message):
            for piece in super().stream(session, message):
                if isinstance(piece, Reply):
                    ranked = [s for s in piece.trace if s.tool == "rank_candidates"]
                    with lock:
                        tally["turns"] += 1
                        tally["model_ranked"] += bool(ranked and not ranked[-1].error)
                        counts.write_text(f"{tally['turns']} {tally['model_ranked']}\n")
                yield piece

    def build():
        rec = Counted(AgentConfig(model_wait_s=wait))
        rec.tools(with_model=True)
        return rec

    demo = build_app(Engine(build), sessions_at_once=at_once)
    url, _ = launch(demo, port=port)
    print(f"serving {url}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    demo.close()
    return 0


def openers(n: int) -> list[str]:
    """``n`` seeker openers of ReDial valid (their first message that links to a movie)."""
    from kgrec.bench.agent_latency import contexts
    from kgrec.kg.storage.store import load_movie_graph

    found = contexts(load_movie_graph(), n * 3)
    return [found[i % len(found)][-300:] for i in range(n)]


def converse(url: str, messages: list[str], out: list, errors: list) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
        for message in messages:
            start = time.perf_counter()
            client.predict(message, api_name="/send")
            out.append(time.perf_counter() - start)
    except Exception as e:  # reported in the table, not raised from a thread
        errors.append(f"{type(e).__name__}: {e}")


def run_policy(policy: str, sessions: int, turns: int, port: int) -> dict:
    counts = Path(f"/tmp/kgrec-concurrency-{os.getpid()}-{policy}.txt")
    child = subprocess.Popen([sys.executable, "-m", "kgrec.bench.concurrency", "--serve", policy, "--port", str(port),
                              "--counts", str(counts)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        if not line.startswith("serving "):
            raise RuntimeError(f"server for {policy} did not start: {line!r}")
        url = line.split()[1]
        converse(url, ["I loved Police Academy"], [], [])  # loads the graph and the model, untimed
        before = [int(x) for x in counts.read_text().split()]
        scripts = [[opener, *(FOLLOW_UPS * turns)[:turns - 1]] for opener in openers(sessions)]
        times, errors = [[] for _ in scripts], []
        threads = [threading.Thread(target=converse, args=(url, s, t, errors)) for s, t in zip(scripts, times)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        done, ranked = (int(x) - b for x, b in zip(counts.read_text().split(), before))
    finally:
        child.stdin.close()
        child.wait(timeout=60)
        counts.unlink(missing_ok=True)
    return {"times": times, "errors": errors, "wall": wall, "ranked": ranked, "done": done}


def row(policy: str, result: dict) -> list:
    every = [t for ts in result["times"] for t in ts] or [float("nan")]
    totals = [sum(ts) for ts in result["times"] if ts] or [float("nan")]
    return [POLICIES[policy][0], len(every), len(result["errors"]), statistics.median(every), quantile(every, 0.95),
            max(every), min(totals), statistics.median(totals), max(totals), f"{result['ranked']}/{result['done']}",
            result["wall"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="chat sessions at once")
    parser.add_argument("--turns", type=int, default=5, help="recommendation requests per session")
    parser.add_argument("--policies", default="serial,shared", help=f"comma-separated of {list(POLICIES)}")
    parser.add_argument("--port", type=int, default=7871, help="port of the child server")
    parser.add_argument("--serve", choices=list(POLICIES), help=argparse.SUPPRESS)
    parser.add_argument("--counts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve, args.port, args.counts)
    names = [p.strip() for p in args.policies.split(",")]
    if unknown := [p for p in names if p not in POLICIES]:
        parser.error(f"unknown policies {unknown}; expected {list(POLICIES)}")
    if args.sessions < 1 or args.turns < 1:
        parser.error(f"--sessions {args.sessions} --turns {args.turns}: expected both >= 1")
    rows, errors = [], []
    for name in names:
        result = run_policy(name, args.sessions, args.turns, args.port)
        rows.append(row(name, result))
        errors += [f"{name}: {e}" for e in result["errors"][:3]]
    print(f"{args.sessions} sessions at once x {args.turns} turns on the real server (127.0.0.1), "
          f"{os.cpu_count()} cores; seconds per turn, from sending to the last update")
    print(markdown_table(["policy", "turns", "errors", "p50", "p95", "max", "fastest session total",
                          "median session total", "slowest session total", "model ranked", "wall"], rows))
    for e in errors:
        print("error:", e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
