"""Reply text from the templates in ``prompts/replies.txt``: names and titles of KG nodes plus
verbalized facts, never a model's free text."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import networkx as nx

from kgrec import prompts
from kgrec.agent.types import Preferences, RecommendedItem
from kgrec.kg.graph import cached, catalog, display
from kgrec.kg.schema import Constraints


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


#: a catalog noun -> who a user names besides items ("an actor" for movies)
PERSON_WORDS = {"movie": "an actor", "film": "an actor", "book": "an author", "song": "an artist",
                "album": "an artist", "track": "an artist", "game": "a studio"}


def plural(noun: str) -> str:
    """``"movie"`` -> ``"movies"``, ``"story"`` -> ``"stories"``."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def words(noun: str) -> dict[str, str]:
    """A catalog noun's words for templates: ``noun``, ``nouns``, ``person`` (no graph needed)."""
    return {"noun": noun, "nouns": plural(noun), "person": PERSON_WORDS.get(noun, "a person")}


def nouns(G: nx.MultiDiGraph | None) -> dict[str, str]:
    """The graph's words for templates: ``words(noun)`` and ``example`` (its most popular item)."""
    noun = (G.graph.get("domain_noun") if G is not None else None) or "movie"
    example = cached(G, "example_item", _example) if G is not None else "Police Academy"
    return words(noun) | {"example": example}


def _example(G: nx.MultiDiGraph) -> str:
    """The name of the graph's most popular item (cached: scanning every node took 40 ms a turn)."""
    items = [(int(G.nodes[n].get("popularity") or 0), -n, G.nodes[n]) for n in catalog(G)]
    return str(max(items, key=lambda x: x[:2])[2].get("name") or "Police Academy") if items else "Police Academy"


def render(template: str, G: nx.MultiDiGraph | None = None, **fields) -> str:
    """``template`` with ``fields`` and the graph's nouns (``{noun}``, ``{nouns}``, ... from ``nouns(G)``)."""
    return template.format(**(nouns(G) | fields))


def fill(name: str, G: nx.MultiDiGraph | None = None, **fields) -> str:
    """Template ``name`` with ``fields``; the catalog's nouns come from ``G`` (default: movies)."""
    return render(templates()[name], G, **fields)


def prompt(name: str, G: nx.MultiDiGraph | None = None) -> str:
    """The prompt file ``prompts/<name>`` in the graph's nouns (for movies: the file's text as trained)."""
    return render(prompts.load(name), G)


def _names(G: nx.MultiDiGraph, nodes: Sequence[int]) -> str:
    return ", ".join(display(G, n) for n in nodes)


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
             f"about: {_names(G, p.themes)}" if p.themes else "",
             f"no {_names(G, p.not_genres)}" if p.not_genres else "",
             f"not about: {_names(G, p.not_themes)}" if p.not_themes else "",
             f"no {_names(G, p.not_people)}" if p.not_people else "",
             years(p.year_min, p.year_max), not_years(p.not_years),
             f"not {_names(G, [n for n in p.disliked if n not in p.not_people])}"
             if [n for n in p.disliked if n not in p.not_people] else "",
             f"seen {_names(G, p.seen)}" if p.seen else ""]
    return "; ".join(x for x in parts if x)


def filters(G: nx.MultiDiGraph, p: Preferences) -> str:
    """The hard filters in a few words, for "nothing fits" replies."""
    parts = [_names(G, p.genres), f"about: {_names(G, p.themes)}" if p.themes else "",
             f"no {_names(G, p.not_genres)}" if p.not_genres else "",
             f"not about: {_names(G, p.not_themes)}" if p.not_themes else "",
             f"with {_names(G, p.people)}" if p.people else "",
             f"no {_names(G, p.not_people)}" if p.not_people else "", years(p.year_min, p.year_max),
             not_years(p.not_years)]
    return "; ".join(x for x in parts if x) or "not seen, not disliked, not already suggested"


def soft_genres(G: nx.MultiDiGraph, genres: Sequence[int]) -> str:
    """Why wished genres are not filters: none of the catalog has them, or few items have a genre."""
    from kgrec.kg.query.answerable import items_with

    missing = [g for g in genres if items_with(G, g) == 0]
    if missing:
        return fill("no_genre", G, genres=" or ".join(display(G, g) for g in missing))
    return fill("soft_genre", G, genres=" or ".join(display(G, g) for g in genres))


def wishes(G: nx.MultiDiGraph, wished: Constraints) -> str:
    """Why some shown items miss what an earlier message asked for (``wished``): it weighs, not filters."""
    parts = [_names(G, wished.genres), f"about {_names(G, wished.themes)}" if wished.themes else "",
             f"with {_names(G, wished.people)}" if wished.people else "", years(wished.year_min, wished.year_max)]
    return fill("wishes", G, wishes="; ".join(x for x in parts if x))


def intro(n: int, G: nx.MultiDiGraph | None = None) -> str:
    return fill("intro_one", G) if n == 1 else fill("intro_many", G, n=n)


def item_line(n: int, item: RecommendedItem) -> str:
    if item.explanation.text:
        return fill("item_explained", n=n, title=item.title, explanation=item.explanation.text)
    return fill("item", n=n, title=item.title)


def unknown(G: nx.MultiDiGraph, title: str, closest: Sequence[int]) -> str:
    options = [display(G, n) for n in closest]
    tail = fill("closest", G, options=" or ".join(options)) if options else fill("nothing_close", G)
    return f"{fill('unknown', title=title)} {tail}"
