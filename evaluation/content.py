"""``kgrec eval content``: does the agent understand what people want a movie to be about?

Each request of ``kgrec.evaluation.content_cases`` (at least 200 over at least 40 themes, most without
the theme's own words) is sent to a fresh session of a system; the score is precision@3 of the
items it shows: an item counts when the KG says it is about the request's theme (its
``has_theme`` edge, ``kgrec.kg.sources.themes``); a reply with fewer than 3 items (a question) counts the
missing ones as misses. The requests are split by a hash of their text into a ``dev`` half (for
tuning thresholds such as ``AgentConfig.theme_threshold``) and a ``report`` half (the numbers the
README gives)::

    kgrec eval content                          # the report half, default and previous default
    kgrec eval content --half dev --systems default

A system is a factory ``(G) -> (request -> shown item ids)``; adding one is one line in
:data:`SYSTEMS` (see :func:`agent_system`).
"""
from __future__ import annotations

import argparse
import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kgrec.evaluation.content_cases import REQUESTS
from kgrec.kg.errors import KgrecError
from kgrec.kg.query.lexicon import THEME_FORMS, normalize
from kgrec.kg.schema import HAS_THEME, THEME_TYPE

K = 3
HALVES = ("dev", "report", "all")
System = Callable[[str], list[int]]  # a request -> the item ids shown, best first


@dataclass(frozen=True)
class Case:
    theme: str
    text: str
    own_words: bool  # the request uses the theme's name or one of its simple forms

    @property
    def half(self) -> str:
        return half(self.text)


def half(text: str) -> str:
    """``"dev"`` or ``"report"``, fixed by the text's hash (about half each)."""
    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "report"


def theme_words(theme: str) -> set[str]:
    """The theme's own words as ``kgrec.kg.query.linking`` links them: its name, singular or plural, simple forms."""
    name = normalize(theme)
    single = name[:-3] + "y" if name.endswith("ies") else name[:-1] if name.endswith("s") else name
    return {name, single, single + "s", *map(normalize, THEME_FORMS.get(theme, ()))}


def cases(which: str = "all") -> list[Case]:
    """The suite's requests of one half (``"dev"``, ``"report"`` or ``"all"``)."""
    if which not in HALVES:
        raise KgrecError(f"half {which!r}: expected one of {', '.join(HALVES)}")
    out = []
    for theme, texts in REQUESTS.items():
        words = theme_words(theme)
        for text in texts:
            low = f" {normalize(text)} "
            out.append(Case(theme, text, any(re.search(rf" {re.escape(w)} ", low) for w in words)))
    return [c for c in out if which == "all" or c.half == which]


def theme_nodes(G: nx.MultiDiGraph) -> dict[str, int]:
    return {d["name"]: n for n, d in G.nodes(data=True) if d.get("type") == THEME_TYPE}


def precision(G: nx.MultiDiGraph, theme: int, shown: list[int], k: int = K) -> float:
    """Share of the first ``k`` shown items that are about ``theme`` (missing items are misses)."""
    return sum(1 for item in shown[:k] if G.has_edge(item, theme, HAS_THEME)) / k


# ---------------------------------------------------------------- systems
def agent_system(**config) -> Callable[[nx.MultiDiGraph], System]:
    """The chat agent (``agent.Recommender``) with ``AgentConfig(**config)``, a fresh session per request."""
    def build(G: nx.MultiDiGraph) -> System:
        from kgrec.agent import AgentConfig, Recommender

        rec = Recommender(AgentConfig(**config), graph=G)

        def ask(text: str) -> list[int]:
            return [i.item for i in rec.respond(rec.new_session(), text).items]
        return ask
    return build


def encoder_system(load: Callable[[nx.MultiDiGraph], object]) -> Callable[[nx.MultiDiGraph], System]:
    """An encoder alone (``DenseRetriever``): the request as the conversation, its nearest catalog items."""
    def build(G: nx.MultiDiGraph) -> System:
        from kgrec.agent.ranking import conversation_text
        from kgrec.kg.schema import Constraints

        retriever = load(G)
        return lambda text: [c.item for c in retriever.candidates(
            G, conversation_text([("seeker", text)]), Constraints(), K)]
    return build


def _lm_encoder(G: nx.MultiDiGraph):
    from kgrec.agent.config import ModelConfig
    from kgrec.agent.encoder import load_dense
    from kgrec.agent.llm import default_dense_adapter_dir

    return load_dense(G, ModelConfig(), default_dense_adapter_dir())


def _sentence_encoder(G: nx.MultiDiGraph):
    from kgrec.evaluation.sentence_baseline import load_sentence

    return load_sentence(G)


#: name -> factory; the previous default is the agent as it was before themes (AgentConfig.themes=False)
SYSTEMS: dict[str, Callable[[nx.MultiDiGraph], System]] = {
    "default": agent_system(),
    "previous default": agent_system(themes=False),
    "dense-lora": encoder_system(_lm_encoder),
    "sentence-baseline": encoder_system(_sentence_encoder),
}


def evaluate(G: nx.MultiDiGraph, system: System, suite: list[Case]) -> dict:
    """Precision@3 over ``suite`` (and split by whether the request uses the theme's own words)."""
    nodes = theme_nodes(G)
    missing = sorted({c.theme for c in suite} - set(nodes))
    if missing:
        raise KgrecError(f"themes {missing} are not nodes of the graph: expected kgrec.kg.sources.themes themes with items")
    scores: dict[str, list[float]] = defaultdict(list)
    per_case, start = [], time.perf_counter()
    for case in suite:
        shown = system(case.text)
        p = precision(G, nodes[case.theme], shown)
        scores["all"].append(p)
        scores["own words" if case.own_words else "other words"].append(p)
        per_case.append({"theme": case.theme, "text": case.text, "own_words": case.own_words, "p@3": p,
                         "shown": shown[:K]})
    mean = {k: sum(v) / len(v) for k, v in scores.items()}
    return {"p@3": mean, "n": {k: len(v) for k, v in scores.items()}, "cases": per_case,
            "seconds_per_request": (time.perf_counter() - start) / max(len(suite), 1)}


def markdown(results: dict[str, dict], which: str) -> str:
    from kgrec.evaluation.report import markdown_table

    first = next(iter(results.values()))
    rows = [[name, f"{r['p@3']['all']:.3f}", f"{r['p@3'].get('own words', 0):.3f}",
             f"{r['p@3'].get('other words', 0):.3f}", f"{r['seconds_per_request']:.2f}"] for name, r in results.items()]
    n = first["n"]
    header = ["system", f"P@3 (n={n['all']})", f"own words (n={n.get('own words', 0)})",
              f"other words (n={n.get('other words', 0)})", "s/request"]
    return f"Content requests, {which} half\n\n" + markdown_table(header, rows)


def run(args: argparse.Namespace) -> int:
    from kgrec.evaluation.report import write_json
    from kgrec.kg.storage.registry import load_graph

    unknown = [s for s in args.systems if s not in SYSTEMS]
    if unknown:
        raise KgrecError(f"systems {unknown}: expected some of {', '.join(SYSTEMS)}")
    G, suite = load_graph(args.graph), cases(args.half)
    results = {name: evaluate(G, SYSTEMS[name](G), suite) for name in args.systems}
    text = markdown(results, args.half)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text + "\n", encoding="utf-8")
    write_json(out / "results.json", {"half": args.half, "systems": results})
    print(text)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--half", default="report", choices=HALVES, help="dev (for tuning), report (default) or all")
    p.add_argument("--systems", type=lambda v: tuple(s.strip() for s in v.split(",") if s.strip()),
                   default=tuple(SYSTEMS), help="comma-separated: " + ",".join(SYSTEMS))
    p.add_argument("--graph", default=None, metavar="NAME|DIR", help="a graph with themes (default: the movie KG)")
    p.add_argument("--out", default="runs/eval-content", help="folder for results.md/.json")
