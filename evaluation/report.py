"""Results on disk: a Markdown table, the JSON behind it and a bar chart (``results.{md,json,png}``)."""
from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Sequence
from pathlib import Path

from kgrec.kg.files import atomic_write_text

#: Recall@k on ReDial reported by the papers (CRSLab test turns). Not measured by kgrec.
PUBLISHED = {
    "KBRD (Chen et al. 2019)": {"recall@1": 0.028, "recall@10": 0.169, "recall@50": 0.366},
    "KGSF (Zhou et al. 2020)": {"recall@1": 0.039, "recall@10": 0.183, "recall@50": 0.378},
    "UniCRS (Wang et al. 2022)": {"recall@1": 0.050, "recall@10": 0.215, "recall@50": 0.413},
    "GPT-4 zero-shot (He et al. 2023)": {"recall@10": 0.195},
}
PUBLISHED_NOTE = "published, not measured here"


def fmt(value, digits: int = 3) -> str:
    """A table cell: floats to ``digits`` places, ``None`` as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A GitHub Markdown table.

    >>> print(markdown_table(["a", "b"], [[1, 0.5]]))
    | a | b |
    |---|---|
    | 1 | 0.500 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: Path, data: dict) -> None:
    """Atomic write (temp file, then rename) so a reader never sees half a file."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def interval(metrics: dict) -> str:
    """``"[.085, .103]"``: the bootstrap interval of Recall@10, or an em dash."""
    if "recall@10_low" not in metrics:
        return "—"
    return f"[{metrics['recall@10_low']:.3f}, {metrics['recall@10_high']:.3f}]"


def published(result: dict) -> dict:
    """The papers' ReDial numbers, for a run on the shipped ReDial graph only (not another data set's)."""
    return PUBLISHED if result.get("graph", "redial-dbpedia") in ("redial-dbpedia", "") else {}


def data_title(result: dict) -> str:
    graph = result.get("graph") or "redial-dbpedia"
    return "ReDial" if graph == "redial-dbpedia" else f"graph {graph}"


def redial_markdown(result: dict) -> str:
    """The ``kgrec eval redial`` table: measured systems, then the published ones."""
    header = ["system", "R@1", "R@10", "R@50", "R@10 95% CI", "new R@1", "new R@10", "new R@50",
              "new R@10 95% CI", "NDCG@10", "MRR@50", "off-catalog", "coverage@10", "s/turn", "learned from"]
    rows = []
    for name, system in result["systems"].items():
        a, n = system["all"], system["new_items"]
        rows.append([name, a["recall@1"], a["recall@10"], a["recall@50"], interval(a), n["recall@1"],
                     n["recall@10"], n["recall@50"], interval(n), a["ndcg@10"], a["mrr@50"],
                     a["off_catalog"], a["coverage@10"], fmt(system["seconds_per_turn"], 2),
                     system.get("learned_from", "—")])
    for name, numbers in published(result).items():
        rows.append([f"{name} — *{PUBLISHED_NOTE}*", numbers.get("recall@1"), numbers.get("recall@10"),
                     numbers.get("recall@50")] + [None] * 11)
    first = next(iter(result["systems"].values()))
    lines = [
        f"# kgrec on {data_title(result)}: {result['turns']} recommendation turns",
        "",
        f"`{result['command']}` — {result['date']}",
        "",
        f"Data: `{result['data']}`; {result['turns']} turns (seed {result['seed']}), "
        f"{int(first['all']['samples'])} (turn, label) samples, "
        f"{int(first['new_items']['samples'])} after dropping labels already in the context. "
        f"Input entities: {result['entities']}.",
        "",
        markdown_table(header, rows),
        "",
    ]
    lines += [f"- {note}" for note in result.get("notes", [])]
    return "\n".join(lines) + "\n"


def bar_chart(path: Path, title: str, groups: dict[str, dict[str, float]], metrics: Sequence[str],
              hatched: Sequence[str] = ()) -> None:
    """Grouped bars, one group per metric and one bar per system; ``hatched`` systems are published."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(groups)
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(metrics) + 0.5 * len(names)), 4))
    for i, name in enumerate(names):
        xs = [m + i * width for m in range(len(metrics))]
        ys = [groups[name].get(metric) or 0.0 for metric in metrics]
        ax.bar(xs, ys, width, label=name, hatch="//" if name in hatched else None,
               alpha=0.55 if name in hatched else 1.0)
    ax.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics)
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_redial(out: Path, result: dict) -> list[Path]:
    """``results.md``, ``results.json`` and ``results.png`` under ``out``; returns their paths."""
    out = Path(out)
    paths = [out / "results.md", out / "results.json", out / "results.png"]
    write_json(paths[1], result | {"published": published(result), "published_note": PUBLISHED_NOTE})
    paths[0].write_text(redial_markdown(result), encoding="utf-8")
    groups = {name: s["all"] for name, s in result["systems"].items()}
    groups |= {f"{name} ({PUBLISHED_NOTE})": numbers for name, numbers in published(result).items()}
    bar_chart(paths[2], f"{data_title(result)}, {result['turns']} turns: Recall@k", groups,
              ["recall@1", "recall@10", "recall@50"], hatched=[g for g in groups if g.endswith(f"({PUBLISHED_NOTE})")])
    return paths


def simulate_markdown(result: dict) -> str:
    """The ``kgrec eval simulate`` table."""
    rows = [[name, s["success"], fmt(s["mean_turns_success"], 2),
             " / ".join(f"{x:.2f}" for x in s.get("success_by_turn", [])), int(s["dialogues"]),
             fmt(s["seconds_per_dialogue"], 2)] for name, s in result["systems"].items()]
    table = markdown_table(["system", f"success@{result['max_turns']}", "mean turns (successes)",
                            "success after turn 1 / 2 / ...", "dialogues", "s/dialogue"], rows)
    example = result.get("example") or {}
    lines = [f"# kgrec user simulation: {result['dialogues']} scripted seekers", "",
             f"`{result['command']}` — {result['date']}", "",
             f"Data: `{result['data']}` (seed {result['seed']}); the seeker reveals: "
             f"{', '.join(result.get('hints', []))}.", "", table, ""]
    if example:
        lines += [f"Example seeker ({example['dialog_id']}): opens with “{example['opening']}”, wants "
                  f"{example['target']}, hints: " + " / ".join(example["hints"]), ""]
    lines += [f"- {note}" for note in result.get("notes", [])]
    return "\n".join(lines) + "\n"


def write_simulate(out: Path, result: dict) -> list[Path]:
    """``results.md``, ``results.json`` and ``results.png`` under ``out``."""
    out = Path(out)
    paths = [out / "results.md", out / "results.json", out / "results.png"]
    write_json(paths[1], result)
    paths[0].write_text(simulate_markdown(result), encoding="utf-8")
    groups = {name: {"success": s["success"]} for name, s in result["systems"].items()}
    bar_chart(paths[2], f"User simulation, {result['dialogues']} seekers: success within "
              f"{result['max_turns']} turns", groups, ["success"])
    return paths


#: what must match for two runs to have scored the very same turns / simulated the same seekers
SAME_TURNS = ("data", "graph", "turns", "seed", "limit", "entities")
SAME_SEEKERS = ("data", "dialogues", "seed", "max_turns", "hints")


def merge_previous(out: Path, result: dict, same: Sequence[str] = SAME_TURNS) -> dict:
    """``result`` plus the systems of an earlier run in ``out`` on the same turns that this run did not redo.

    So ``kgrec eval redial --systems lora --out DIR`` adds a row to the table of an earlier run in
    ``DIR`` (same data, limit, seed and entities): the replay is deterministic, so rows measured
    in separate runs are comparable. Each carried row says which command measured it. ``same``
    names the settings that must match (``SAME_SEEKERS`` for ``kgrec eval simulate``).
    """
    path = Path(out) / "results.json"
    if not path.exists():
        return result
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return result
    if any(_key(key, previous.get(key)) != _key(key, result.get(key)) for key in same):
        return result
    carried = {name: s | {"command": s.get("command", previous.get("command"))}
               for name, s in previous.get("systems", {}).items() if name not in result["systems"]}
    if not carried:
        return result
    merged = dict(result)
    merged["systems"] = carried | {name: s | {"command": result["command"]} for name, s in result["systems"].items()}
    merged["notes"] = result.get("notes", []) + [
        f"{name}: measured by `{s['command']}` on the same {'turns' if 'turns' in same else 'seekers'}"
        for name, s in carried.items()]
    return merged


def _key(name: str, value):
    """A run setting, comparable across runs (a data path relative to the repo or absolute: the same file)."""
    if name == "data" and value is not None:
        from kgrec.kg.locations import REPO_ROOT

        return (REPO_ROOT / str(value)).resolve()
    return value


def command_line(args: argparse.Namespace, words: str, defaults: dict) -> str:
    """The command line that reproduces this run (options left at their default omitted)."""
    parts = [f"kgrec {words}"]
    for name, default in defaults.items():
        value = getattr(args, name)
        value = ",".join(value) if isinstance(value, tuple) else value
        if value is True and default is False:
            parts.append(f"--{name.replace('_', '-')}")
        elif value is not None and value != default:
            parts.append(f"--{name.replace('_', '-')} {shlex.quote(str(value))}")
    return " ".join(parts)
