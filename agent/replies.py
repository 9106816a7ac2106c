"""Reply text from the templates in ``prompts/replies.txt``: names and titles of KG nodes plus
verbalized facts, never a model's free text."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import networkx as nx

import prompts
from agent.types import Preferences, RecommendedItem


@lru_cache(maxsize=None)
def templates() -> dict[str, str]:
    """``{name: template}`` from ``prompts/replies.txt`` ("## name" headers, "#" comments)."""
    found: dict[str, list[str]] = {}
    name = None
    for line in prompts.load("replies.txt").splitlines():
        if line.startswith("## "):
            name = line[3:].strip()
            found[name] = []
        elif name is not None and not line.startswith("#"):
            found[name].append(line)
    return {k: "\n".join(v).strip() for k, v in found.items()}


def fill(name: str, **fields) -> str:
    return templates()[name].format(**fields)


def label(G: nx.MultiDiGraph, node: int) -> str:
    """A node's title (movies) or name."""
    data = G.nodes.get(node, {})
    return str(data.get("title") or data.get("name") or node)


def _names(G: nx.MultiDiGraph, nodes: Sequence[int]) -> str:
    return ", ".join(label(G, n) for n in nodes)


#: relation -> what the user asked about, for "no facts" replies
ASKED = {"director": "director", "starring": "cast", "writer": "writer", "author": "author", "genre": "genre",
         "music_composer": "composer", "composer": "composer", "producer": "producer"}


def asked(relations) -> str:
    """ "director", "cast", ...: the words of a question's relations (``()`` = any fact)."""
    return " or ".join(dict.fromkeys(ASKED.get(r, r.replace("_", " ")) for r in relations)) or "facts"


def years(year_min: int | None, year_max: int | None) -> str:
    if year_min is not None and year_max is not None:
        return f"from {year_min}" if year_min == year_max else f"from {year_min} to {year_max}"
    return f"from {year_min} on" if year_min is not None else f"up to {year_max}" if year_max is not None else ""


def not_years(ranges) -> str:
    """ "not from 1980 to 1989": the excluded year ranges."""
    spans = [f"{lo}" if lo == hi else f"{lo} to {hi}" for lo, hi in sorted(ranges)]
    return f"not from {' or '.join(spans)}" if spans else ""


def summary(G: nx.MultiDiGraph, p: Preferences) -> str:
    """The preferences in a few words: "you like Police Academy (1984); no Steve Guttenberg"."""
    liked = [n for n in p.liked if n not in p.people]
    parts = [f"you like {_names(G, liked)}" if liked else "",
             f"with {_names(G, p.people)}" if p.people else "",
             f"{_names(G, p.genres)}" if p.genres else "",
             f"no {_names(G, p.not_genres)}" if p.not_genres else "",
             f"no {_names(G, p.not_people)}" if p.not_people else "",
             years(p.year_min, p.year_max), not_years(p.not_years),
             f"not {_names(G, [n for n in p.disliked if n not in p.not_people])}"
             if [n for n in p.disliked if n not in p.not_people] else "",
             f"seen {_names(G, p.seen)}" if p.seen else ""]
    return "; ".join(x for x in parts if x)


def filters(G: nx.MultiDiGraph, p: Preferences) -> str:
    """The hard filters in a few words, for "nothing fits" replies."""
    parts = [_names(G, p.genres), f"no {_names(G, p.not_genres)}" if p.not_genres else "",
             f"with {_names(G, p.people)}" if p.people else "",
             f"no {_names(G, p.not_people)}" if p.not_people else "", years(p.year_min, p.year_max),
             not_years(p.not_years)]
    return "; ".join(x for x in parts if x) or "not seen, not disliked, not already suggested"


def intro(n: int) -> str:
    return fill("intro_one") if n == 1 else fill("intro_many", n=n)


def item_line(n: int, item: RecommendedItem) -> str:
    if item.explanation.text:
        return fill("item_explained", n=n, title=item.title, explanation=item.explanation.text)
    return fill("item", n=n, title=item.title)


def unknown(G: nx.MultiDiGraph, title: str, closest: Sequence[int]) -> str:
    options = [label(G, n) for n in closest]
    tail = fill("closest", options=" or ".join(options)) if options else fill("nothing_close")
    return f"{fill('unknown', title=title)} {tail}"
