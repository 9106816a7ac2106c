"""``kgrec bench``: run every speed benchmark of ``bench/`` and gather their tables into one.

Each benchmark is its own script (``python -m kgrec.bench.kg_load`` ...) that prints a Markdown
table with a baseline measured in the same run. This aggregator runs them one after the other
in a subprocess (so one's memory does not inflate the next one's peak RSS), keeps their
tables verbatim, and writes ``results.md`` / ``results.json`` under ``--out``. A script that
does not exist yet, fails or times out gets a row saying so instead of stopping the others.

Usage:
    kgrec bench                       # all of them
    kgrec bench --only kg_load,retrieval_speed --timeout 300
    kgrec bench --quick               # fewer repeats and contexts (see QUICK_ARGS)
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kgrec.evaluation.report import markdown_table, write_json
from kgrec.kg.errors import KgrecError
from kgrec.kg.locations import REPO_ROOT

#: script module (under bench/) -> what it measures
SCRIPTS = {
    "kg_load": "KG load time, cold build vs cache",
    "retrieval_speed": "candidate retrieval latency",
    "model_speed": "scoring speed-up of the shared-prefix cache, model load, peak RSS",
    "train_speed": "LoRA training tokens/s",
    "agent_latency": "turn latency p50/p95, first token, RSS",
}
#: lines of a script's output quoted in the summary table (its headline figures)
#: ``kgrec bench --quick``: fewer repeats / contexts per script (same measurements, wider error bars)
QUICK_ARGS = {
    "kg_load": ["--runs", "1"],
    "retrieval_speed": ["--turns", "30"],
    "model_speed": ["--runs", "2"],
    "train_speed": ["--steps", "2"],
    "agent_latency": ["--contexts", "20", "--warmup", "1"],
}
HEADER = r"^\|?\s*(what|operation|method|variant)\b"  # a table's header line names the columns
HEADLINES = {
    "kg_load": re.compile(HEADER + r"|cached load|cold build|speed-up", re.I),
    "retrieval_speed": re.compile(HEADER + r"|^\|?\s*(retrieve|link)", re.I),
    "model_speed": re.compile(HEADER + r"|shared|cached|naive|load", re.I),
    "train_speed": re.compile(HEADER + r"|lora|tokens/s|peak rss", re.I),
    "agent_latency": re.compile(HEADER + r"|recommend|p95|peak rss", re.I),
}


@dataclass(frozen=True)
class Outcome:
    """What one benchmark script produced."""

    name: str
    status: str  # "ok", "not available", "failed (exit N)", "timed out after N s"
    seconds: float
    tables: tuple[str, ...]  # its Markdown tables, verbatim
    tail: str  # last lines of its output when it did not succeed
    output: str = ""  # its whole standard output

    def headline(self, limit: int = 4) -> str:
        """Its key lines (see ``HEADLINES``), squashed onto one line for the summary table."""
        pattern = HEADLINES.get(self.name)
        lines = [" ".join(line.replace("|", " ").split()) for line in self.output.splitlines()
                 if pattern is not None and pattern.search(line) and not set(line.strip()) <= set("|-: ")]
        return "; ".join(lines[:limit])


def tables_in(text: str) -> list[str]:
    """The Markdown tables (runs of lines starting with ``|``) in ``text``.

    >>> tables_in("x\\n| a |\\n|---|\\n| 1 |\\ny\\n| b |")
    ['| a |\\n|---|\\n| 1 |', '| b |']
    """
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.lstrip().startswith("|"):
            current.append(line.strip())
        elif current:
            tables.append("\n".join(current))
            current = []
    return tables


def run_script(name: str, timeout: float, root: Path = REPO_ROOT, args: Sequence[str] = ()) -> Outcome:
    """Run ``bench/<name>.py [args]`` of the checkout at ``root`` (its own code, not the installed
    kgrec's) and collect its tables."""
    if not (root / "bench" / f"{name}.py").exists():
        return Outcome(name, "not available", 0.0, (), f"bench/{name}.py does not exist yet")
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(root / "bench" / f"{name}.py"), *args], cwd=root, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return Outcome(name, f"timed out after {timeout:.0f} s", timeout, tuple(tables_in(out)), out[-800:], out)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-800:]
        return Outcome(name, f"failed (exit {done.returncode})", seconds, tuple(tables_in(done.stdout)), tail,
                       done.stdout)
    return Outcome(name, "ok", seconds, tuple(tables_in(done.stdout)), "", done.stdout)


def parse_only(only: str | None) -> list[str]:
    """The scripts to run: all, or the comma-separated ``--only`` names (unknown ones are an error)."""
    if not only:
        return list(SCRIPTS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        raise KgrecError(f"--only {','.join(unknown)}: unknown benchmark; expected some of {', '.join(SCRIPTS)}")
    return names


def render(outcomes: list[Outcome], command: str, date: str) -> str:
    """One Markdown report: the summary table, then each script's own output.

    Output with Markdown tables is kept as it is; plain-text output goes into a code block.
    """
    summary = markdown_table(["benchmark", "measures", "status", "wall s", "headline figures"],
                             [[o.name, SCRIPTS.get(o.name, o.name), o.status, f"{o.seconds:.1f}",
                               o.headline() or "—"] for o in outcomes])
    lines = ["# kgrec speed benchmarks", "", f"`{command}` — {date}", "", summary, ""]
    for o in outcomes:
        lines += [f"## {o.name}: {SCRIPTS.get(o.name, o.name)}", ""]
        if o.tables:
            lines += [_spaced(o.output.strip()), ""]
        elif o.output.strip():
            lines += ["```text", o.output.strip(), "```", ""]
        if o.status != "ok":
            last = o.tail.strip().splitlines()[-1] if o.tail.strip() else ""
            lines += [f"*{o.status}*" + (f": `{last}`" if last else ""), ""]
    return "\n".join(lines) + "\n"


def _spaced(text: str) -> str:
    """``text`` with a blank line before each Markdown table, so it renders as one."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("|") and out and out[-1].strip() and not out[-1].startswith("|"):
            out.append("")
        out.append(line)
    return "\n".join(out)


def run(only: str | None = None, out: str | Path = "runs/bench", timeout: float = 600.0,
        command: str = "kgrec bench", root: Path = REPO_ROOT, quick: bool = False) -> tuple[str, list[Path]]:
    """Run the benchmarks, write ``results.md`` and ``results.json``; returns the Markdown and paths."""
    outcomes = []
    for name in parse_only(only):
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        outcomes.append(run_script(name, timeout, root, QUICK_ARGS.get(name, []) if quick else ()))
    date = dt.datetime.now().isoformat(timespec="seconds")
    text = render(outcomes, command, date)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text, encoding="utf-8")
    write_json(out / "results.json", {"command": command, "date": date,
                                      "benchmarks": [o.__dict__ | {"tables": list(o.tables), "headline": o.headline()}
                                                     for o in outcomes]})
    return text, [out / "results.md", out / "results.json"]
