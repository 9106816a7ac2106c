"""How long a new user waits: from setup to the chat's first reply, on an empty cache and a warm one.

Every run uses a temporary cache (``KGREC_CACHE`` and ``XDG_CACHE_HOME``), never the user's, and
real subprocesses: ``kgrec prepare`` (what ``make`` runs after installing) and ``kgrec chat``.
Times per chat: from the command to the page served (HTTP 200), from the page served to
"ready" (the server's ``kgrec: ready`` line: the status line says ready and the input opens; ~0 when
the chat loads before serving, its default), from then to the first reply asked through
``gradio_client``, and the first reply from the page served (what a user sending at once waits) and
from the command.
CPU seconds (user + system: ``kgrec prepare`` with its children, the chat process with its
threads) beside them: on a shared machine they mean more than wall time. Rows:

- empty cache: ``kgrec prepare``, then ``kgrec chat`` (the path ``make`` takes on a fresh machine)
- warm cache: ``kgrec chat`` again (the baseline a second start is compared with), and
  ``kgrec chat --wait 0`` (the page served first, loading behind it: what a start did before ``--wait``)
- second clone of the same commit, same cache: ``kgrec prepare`` + ``kgrec chat``; files the cache
  gained (0: nothing rebuilt)
- ``--unprepared``: ``kgrec chat`` on an empty cache (the page loads everything in the background)
- ``--setup``: ``make setup`` in a fresh clone with a fresh venv (downloads from PyPI): each step

Usage:
    python -m kgrec.bench.cold_start                        # ~3 min on 2 free cores (6 on a busy one)
    python -m kgrec.bench.cold_start --setup --unprepared   # + a fresh venv (~2-5 min) + a cold chat
    python -m kgrec.bench.cold_start --unprepared --no-prepared   # only the cold chat
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from kgrec.evaluation.report import markdown_table
from kgrec.kg.locations import REPO_ROOT

MESSAGE = "I loved Police Academy, something like it?"
STEP_LINE = re.compile(r"^make: step (\S+): ([\d.]+) s$", re.M)  # what the Makefile's `step` prints
READY = "kgrec: ready ("  # what kgrec.ui.handlers.Engine prints when a message is answered now
HEADER = ["scenario", "prepare s (CPU s)", "prepare peak RSS MB", "chat: page served s", "ready s after page",
          "first reply s after ready", "first reply s after page", "first reply s after `kgrec chat`",
          "chat CPU s to page / to ready", "serving peak RSS MB", "cache files added"]


@dataclass(frozen=True)
class Row:
    """One scenario's measurements (None: not part of that scenario)."""

    scenario: str
    prepare_s: str | None = None  # "wall (CPU)"
    prepare_rss_mb: float | None = None
    page_s: float | None = None  # from starting `kgrec chat` to the page answering HTTP 200
    ready_s: float | None = None  # from the page served to the server's "ready" (the input opens)
    reply_s: float | None = None  # from "ready" to the first reply's last piece
    after_page_s: float | None = None  # from the page served to the first reply (a user sending at once waits this)
    total_s: float | None = None  # from starting `kgrec chat` to the first reply
    chat_cpu_s: str | None = None  # the chat process's CPU seconds from its start to the page, to "ready"
    serve_rss_mb: float | None = None
    added_files: int | None = None  # files the cache gained during the scenario


def table(rows: list[Row]) -> str:
    """The Markdown table of ``rows`` ("-" where a scenario has no such step)."""
    def cell(x):
        return "-" if x is None else (f"{x:,.1f}" if isinstance(x, float) else x)
    return markdown_table(HEADER, [[cell(v) for v in asdict(row).values()] for row in rows])


def setup_table(steps: list[tuple[str, float]]) -> str:
    """``make``'s steps and their total, in seconds."""
    rows = [[name, f"{s:,.1f}"] for name, s in steps] + [["total", f"{sum(s for _, s in steps):,.1f}"]]
    return markdown_table(["make step", "s"], rows)


def parse_steps(make_output: str) -> list[tuple[str, float]]:
    """("torch", 61.2), ... from the lines the Makefile prints."""
    return [(name, float(s)) for name, s in STEP_LINE.findall(make_output)]


# ---------------------------------------------------------------- running the commands


def environment(cache: Path) -> dict[str, str]:
    env = dict(os.environ, KGREC_CACHE=str(cache), XDG_CACHE_HOME=str(cache.parent / "xdg"),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("OMP_NUM_THREADS", None)
    return env


def cache_files(cache: Path) -> set[str]:
    return {str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()} if cache.exists() else set()


def run_waited(cmd: list[str], cwd: Path, env: dict, log: Path) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak RSS in MB of the process and its children) of ``cmd``; raises if it fails."""
    start = time.monotonic()
    with open(log, "ab") as out:
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({process.returncode}); see {log}")
    return time.monotonic() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def prepare(repo: Path, python: str, env: dict, log: Path) -> tuple[float, float, float]:
    return run_waited([python, str(repo / "kgrec_cli.py"), "prepare"], repo, env, log)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _served(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ready_in(log: Path, offset: int) -> bool:
    """Whether the server wrote its "ready" line to ``log`` after byte ``offset``."""
    with open(log, "rb") as f:
        f.seek(offset)
        return READY.encode() in f.read()


def chat(repo: Path, python: str, env: dict, log: Path, timeout: float = 1800, options: tuple[str, ...] = ()) -> dict:
    """One ``kgrec chat`` (with ``options``): page_s, ready_s (after the page; ~0 when it loads before
    serving), reply_s (after ready), after_page_s, total_s, chat_cpu_s (to ready), serve_rss_mb and the
    reply's text."""
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    offset = log.stat().st_size if log.exists() else 0
    start = time.monotonic()
    with open(log, "ab") as out:
        process = subprocess.Popen([python, str(repo / "kgrec_cli.py"), "chat", "--port", str(port), *options], cwd=repo,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while not _served(url):
            if process.poll() is not None or time.monotonic() - start > timeout:
                raise RuntimeError(f"kgrec chat never served {url}; see {log}")
            time.sleep(0.05)
        page, page_cpu = time.monotonic(), cpu_s(process.pid)
        client = Client(url, verbose=False)
        while not ready_in(log, offset):
            if process.poll() is not None or time.monotonic() - start > timeout:
                raise RuntimeError(f"kgrec chat never got ready; see {log}")
            time.sleep(0.05)
        ready, cpu = time.monotonic(), cpu_s(process.pid)
        result = client.predict(MESSAGE, api_name="/send")
        reply = time.monotonic()
        return {"page_s": page - start, "ready_s": ready - page, "reply_s": reply - ready,
                "after_page_s": reply - page, "total_s": reply - start,
                "chat_cpu_s": f"{page_cpu:,.1f} / {cpu:,.1f}",
                "serve_rss_mb": peak_rss_mb(process.pid), "text": last_reply(result)}
    finally:
        process.terminate()
        process.wait(60)


def last_reply(result) -> str:
    """The last assistant message's text in what ``/send`` returned (its outputs, the chat among them)."""
    for output in result if isinstance(result, (list, tuple)) else [result]:
        if isinstance(output, list) and output and isinstance(output[0], dict) and "role" in output[0]:
            said = [m for m in output if m.get("role") == "assistant" and not m.get("metadata")]
            content = said[-1]["content"] if said else ""
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def clone(repo: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(repo), str(target)], check=True)
    return target


# ---------------------------------------------------------------- scenarios


def scenario(name: str, repo: Path, python: str, cache: Path, log: Path, *, with_prepare: bool,
             options: tuple[str, ...] = ()) -> Row:
    before, env = cache_files(cache), environment(cache)
    prep_s, prep_cpu, prep_rss = prepare(repo, python, env, log) if with_prepare else (None, None, None)
    measured = chat(repo, python, env, log, options=options)
    text = measured.pop("text")
    if not text or text.startswith(("Still loading", "Sorry")):
        raise RuntimeError(f"{name}: the first reply was {text[:200]!r}; see {log}")
    prepared = None if prep_s is None else f"{prep_s:,.1f} ({prep_cpu:,.1f})"
    added = sorted(cache_files(cache) - before)
    row = Row(name, prepared, prep_rss, **measured, added_files=len(added))
    print(f"{name}: cache files added: {added}", file=sys.stderr, flush=True)
    print(f"{row} {text[:120]!r}", file=sys.stderr, flush=True)
    return row


def prepared_rows(repo: Path, python: str, work: Path, log: Path) -> list[Row]:
    """Empty cache (prepare, chat), the same cache again (chat; and the baseline ``--wait 0``, the page
    served before loading), a second clone on it (prepare, chat)."""
    cache = work / "cache"
    rows = [scenario("empty cache: prepare, then chat", repo, python, cache, log, with_prepare=True),
            scenario("warm cache: chat", repo, python, cache, log, with_prepare=False),
            scenario("warm cache: chat --wait 0 (baseline: page first, then load)", repo, python, cache, log,
                     with_prepare=False, options=("--wait", "0"))]
    second = clone(repo, work / "second-clone")
    return rows + [scenario("second clone, same cache: prepare, then chat", second, python, cache, log,
                            with_prepare=True)]


def make_setup(repo: Path, work: Path, log: Path) -> tuple[list[tuple[str, float]], float]:
    """``make setup`` in a fresh clone with a fresh venv: (steps, peak RSS MB)."""
    fresh = clone(repo, work / "fresh-clone")
    env = dict(environment(work / "setup-cache"), PIP_NO_CACHE_DIR="1")
    _, _, rss = run_waited(["make", "setup"], fresh, env, log)
    return parse_steps(log.read_text(errors="replace")), rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help="also time `make setup` in a fresh clone and venv")
    parser.add_argument("--unprepared", action="store_true", help="also `kgrec chat` on an empty cache, no prepare")
    parser.add_argument("--no-prepared", dest="prepared", action="store_false",
                        help="skip the prepare / warm / second-clone rows (with --unprepared: only that row)")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="the checkout to measure (its HEAD is cloned)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/cold_start.md"))
    args = parser.parse_args(argv)
    python, lines = sys.executable, []
    with tempfile.TemporaryDirectory(prefix="kgrec-cold-") as tmp:
        work = Path(tmp)
        log = work / "commands.log"
        if args.setup:
            steps, rss = make_setup(args.repo, work, work / "make.log")
            lines += [f"`make setup` in a fresh clone with a fresh venv (no pip cache; peak RSS {rss:,.0f} MB):",
                      "", setup_table(steps), ""]
        rows = []
        if args.unprepared:
            rows.append(scenario("empty cache, chat only (no prepare)", args.repo, python, work / "cold", log,
                                 with_prepare=False))
        if args.prepared:
            rows += prepared_rows(args.repo, python, work, log)
        lines += [f"`kgrec chat`, first message {MESSAGE!r} through gradio_client; "
                  f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end:", "", table(rows)]
        text = "\n".join(lines)
        print(text, flush=True)  # before the temporary folder goes (deleting a venv can take minutes)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
