"""Content similarity a person expects: sequels, the same director, shared stars and writers.

``content_scores(G, items)`` scores every catalog item by what it shares with ``items`` through
the KG's content relations: a sequel/prequel edge counts most; a shared director, writer, star
or producer counts by the relation's weight divided by ``log2(1 + films sharing it)`` (a star of
six films says more than a star of sixty). Films of one franchise, found by their title stem
("Ghostbusters II" and "Ghostbusters" share "ghostbusters"), count as a sequel would. A close
relative (a sequel, prequel or franchise film, or one with the same director and two or more of
the same stars) gets ``CLOSE_BONUS`` on top, so it leads any film that only shares a few names::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for n, title in [(1, "Heat (1995)"), (2, "Heat 2 (2026)"), (3, "Ronin (1998)"), (4, "Big (1988)")]:
    ...     G.add_node(n, type="movie", item=True, title=title, name=title[:-7])
    >>> G.add_nodes_from([8, 9], type="person")
    >>> for movie, person, relation in [(1, 8, "director"), (3, 8, "director"), (1, 9, "starring"),
    ...                                 (3, 9, "starring"), (4, 9, "starring")]:
    ...     _ = G.add_edge(movie, person, key=relation)
    >>> [item for item, _ in content_scores(G, [1])]
    [2, 3, 4]
    >>> title_stem("Star Wars: Episode II – Attack of the Clones (2002)"), title_stem("Toy Story 3")
    ('star wars', 'toy story')
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

import networkx as nx

from kgrec.kg.graph import cached, catalog_set, is_item
from kgrec.kg.query.adjacency import in_edges, out_edges

#: relation -> weight of sharing its tail (a person) with a liked film
SHARED_WEIGHTS = {"director": 2.0, "writer": 1.0, "starring": 1.0, "producer": 0.5,
                  "music_composer": 0.3, "author": 1.0}
SEQUEL_RELATIONS = ("subsequent_work", "previous_work")
SEQUEL_WEIGHT = 3.0  # a sequel, prequel or film of the same franchise
#: added for a close relative: a sequel/prequel/franchise film, or one with the same director and
#: at least CLOSE_STARS of the same stars; it puts close relatives ahead of loose matches
CLOSE_BONUS, CLOSE_STARS = 10.0, 2
CACHE_KEY = "_kgrec_similarity"
SHARERS_KEY = "similarity_sharers"  # kgrec.kg.graph.cached: (person, relation) -> items, filled as asked
_YEAR = re.compile(r"\s*\(\d{4}\)\s*$")
_SUBTITLE = re.compile(r"\s*(?::|\s[-–—]\s).*$")
_SEQUEL_MARK = re.compile(r"(\s+(part\s+)?(\d+|[ivx]+|two|three|four|chapter\s+\w+))+$")
_NON_WORD = re.compile(r"[^\w\s]")
MIN_STEM_CHARS = 4  # "Up", "It", "Big": too short to name a franchise


def title_stem(title: str) -> str:
    """A title without year, subtitle and sequel number, lower-cased: the franchise's name."""
    text = _SUBTITLE.sub("", _YEAR.sub("", title)).lower()
    text = _NON_WORD.sub(" ", text)
    return " ".join(_SEQUEL_MARK.sub("", " ".join(text.split())).split())


def _stems(G: nx.MultiDiGraph) -> dict[str, list[int]]:
    """Title stem -> catalog items, cached on the graph until it changes size."""
    cache = G.graph.setdefault(CACHE_KEY, {})
    size = len(G)
    if cache.get("size") != size:
        by_stem = defaultdict(list)
        for node, data in G.nodes(data=True):
            if data.get("item"):
                stem = title_stem(data.get("title") or data.get("name") or "")
                if len(stem) >= MIN_STEM_CHARS:
                    by_stem[stem].append(node)
        cache.clear()
        cache.update(size=size, stems=dict(by_stem))
    return cache["stems"]


def _sequels(G: nx.MultiDiGraph, item: int) -> set[int]:
    """Items one sequel/prequel edge away (either direction), and films of the same title stem."""
    near = {n for n, edges in out_edges(G, item).items() if any(r in edges for r in SEQUEL_RELATIONS)}
    near |= {n for n, edges in in_edges(G, item).items() if any(r in edges for r in SEQUEL_RELATIONS)}
    data = G.nodes[item]
    stem = title_stem(data.get("title") or data.get("name") or "")
    near |= set(_stems(G).get(stem, ()))
    return {n for n in near if n != item and is_item(G, n)}


def _shared(G: nx.MultiDiGraph, item: int, scores: dict[int, float]) -> set[int]:
    """Add to ``scores`` what each other item shares with ``item`` (people, weighted by rarity).

    Returns the items with the same director and at least ``CLOSE_STARS`` of the same stars.
    """
    shared: dict[str, Counter] = defaultdict(Counter)  # relation -> other item -> people shared
    for tail, edges in out_edges(G, item).items():
        for relation in edges:
            weight = SHARED_WEIGHTS.get(relation)
            if weight is None:
                continue
            sharers = _sharers(G, tail, relation)
            for other in sharers:
                if other != item:
                    scores[other] += weight / math.log2(1 + len(sharers))
                    shared[relation][other] += 1
    stars = shared["starring"]
    return {n for n in shared["director"] if stars[n] >= CLOSE_STARS}


def _sharers(G: nx.MultiDiGraph, tail: int, relation: str) -> list[int]:
    """The items with a ``relation`` edge to ``tail`` (a director's films), in the graph's order;
    cached on the graph per (tail, relation) as asked: a person of 10^4 films is listed once."""
    known = cached(G, SHARERS_KEY, lambda G: {})
    if (tail, relation) not in known:
        items = catalog_set(G)
        known[tail, relation] = [h for h, back in in_edges(G, tail).items() if relation in back and h in items]
    return known[tail, relation]


def content_scores(G: nx.MultiDiGraph, items: Iterable[int]) -> list[tuple[int, float]]:
    """``(item, score)`` of items similar in content to ``items``, best first (ties by id)."""
    scores: dict[int, float] = defaultdict(float)
    for item in dict.fromkeys(items):
        if item not in G or not is_item(G, item):
            continue
        close = _shared(G, item, scores)
        for other in _sequels(G, item):
            scores[other] += SEQUEL_WEIGHT
            close.add(other)
        for other in close:
            scores[other] += CLOSE_BONUS
    return sorted(((n, s) for n, s in scores.items() if s > 0), key=lambda kv: (-kv[1], kv[0]))
