"""Why an item is recommended, in words that state only edges of the KG — and the check of that.

An explanation cites KG paths (each a tuple of real ``Fact`` edges touching the item); its text is
exactly ``kgrec.kg.query.verbalize`` of those paths, so nothing in it comes from a model's free text. The model
may only *choose* which path to cite.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, name="Police Academy", title="Police Academy (1984)", type="movie", item=True)
    >>> G.add_node(2, name="Police Academy 2", title="Police Academy 2 (1985)", type="movie", item=True)
    >>> G.add_node(9, name="Steve Guttenberg", type="person")
    >>> for movie in (1, 2):
    ...     _ = G.add_edge(movie, 9, key="starring", relation="starring")
    >>> e = explain(G, item=2, anchors=[1])
    >>> e.text
    'Police Academy 2 (1985) stars Steve Guttenberg, who stars in Police Academy (1984).'
    >>> check_explanation(G, e)
    True
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import networkx as nx

from kgrec.agent.types import Explanation, LanguageModel
from kgrec.kg.comentions import co_mentions
from kgrec.kg.graph import cached, catalog
from kgrec.kg.query import paths as kg_paths
from kgrec.kg.query.verbalize import verbalize
from kgrec.kg.schema import HAS_THEME, Fact

#: relations used to describe an item when no path reaches what the user likes
DESCRIBE = ("genre", "director", "starring")
#: the order :func:`describe` tries them in; any other fact comes after
DESCRIBE_FIRST = (*DESCRIBE, HAS_THEME)


def render(G: nx.MultiDiGraph, cited: Sequence[Sequence[Fact]]) -> str:
    """The one text of a list of cited paths: each path verbalized, joined by spaces."""
    return " ".join(verbalize(G, list(path)) for path in cited if path)


def describe(G: nx.MultiDiGraph, item: int) -> list[tuple[Fact, ...]]:
    """One fact describing ``item`` when nothing links it to the user: its genre, director or a star,
    else a theme, else its strongest other fact ("True Blood aired on HBO."); ``[]`` only for an
    item without any edge."""
    facts = kg_paths.facts_about(G, item)
    for relation in DESCRIBE_FIRST:
        fact = next((f for f in facts if f.relation == relation), None)
        if fact is not None:
            return [(fact,)]
    return [(facts[0],)] if facts else []


def unexplainable(G: nx.MultiDiGraph) -> frozenset[int]:
    """The catalog items without any KG edge or co-mention: no fact could explain them, so they are
    never shown (cached per graph; 98 name-only entries of the shipped movie KG)."""
    def build(G):
        co = co_mentions(G)
        return frozenset(i for i in catalog(G) if not (G.succ[i] or G.pred[i] or len(co.row(i)[0])))
    return cached(G, "unexplainable", build)


def choose_path(lm: LanguageModel, prompt: str, texts: Sequence[str]) -> int:
    """The model's pick among path texts; an out-of-range or malformed answer means the first."""
    choice = lm.choose(prompt, list(texts))
    return choice if isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(texts) else 0


def candidate_paths(G: nx.MultiDiGraph, item: int, anchors: Iterable[int], max_hops: int = 3,
                    limit: int = 3) -> list[tuple[Fact, ...]]:
    """KG paths from ``item`` to the ``anchors`` (most relevant first), else one describing fact."""
    anchors = [a for a in dict.fromkeys(anchors) if a != item and a in G]
    found = kg_paths.explanation_paths(G, item, anchors, max_hops=max_hops, limit=limit) if anchors else []
    return [tuple(p) for p in found if p] or describe(G, item)


def _cite(G: nx.MultiDiGraph, item: int, path: tuple[Fact, ...] | None) -> Explanation:
    cited = (path,) if path else ()
    return Explanation(item=item, paths=cited, text=render(G, cited))


def explain(G: nx.MultiDiGraph, item: int, anchors: Iterable[int], *, max_hops: int = 3, limit: int = 3,
            lm: LanguageModel | None = None, prompt: str = "") -> Explanation:
    """Cite the most relevant KG path from ``item`` to one of the ``anchors`` (liked movies, people, genres).

    ``kgrec.kg.query.paths.explanation_paths`` proposes up to ``limit`` paths, most relevant first; with a model
    and a ``prompt``, the model picks the one to cite. Without any path, a describing fact is cited.
    """
    found = candidate_paths(G, item, anchors, max_hops, limit)
    if len(found) > 1 and lm is not None and prompt:
        found = [found[choose_path(lm, prompt, [verbalize(G, list(p)) for p in found])]]
    return _cite(G, item, found[0] if found else None)


def explain_all(G: nx.MultiDiGraph, items: Sequence[int], anchors: Iterable[int], *, max_hops: int = 3,
                limit: int = 3, lm: LanguageModel | None = None, prompt: str = "") -> list[Explanation]:
    """``explain`` for several items with one model call: every candidate path's text is scored
    after ``prompt`` and each item cites its best; malformed scores mean the most relevant path."""
    anchors = list(anchors)
    found = [candidate_paths(G, item, anchors, max_hops, limit) for item in items]
    texts = [verbalize(G, list(p)) for paths in found for p in paths] if lm is not None and prompt else []
    scores = lm.score(prompt, texts) if any(len(paths) > 1 for paths in found) and texts else []
    if not (isinstance(scores, list) and len(scores) == len(texts)
            and all(isinstance(s, (int, float)) and math.isfinite(s) for s in scores)):
        scores = []
    out, start = [], 0
    for item, paths in zip(items, found):
        mine = scores[start:start + len(paths)]
        start += len(paths)
        best = max(range(len(paths)), key=mine.__getitem__) if mine else 0
        out.append(_cite(G, item, paths[best] if paths else None))
    return out


def _touches(path: Sequence[Fact], item: int) -> bool:
    return any(f.head == item or f.tail == item for f in path)


def check_explanation(G: nx.MultiDiGraph, explanation: Explanation) -> bool:
    """True when every cited fact is an edge of ``G``, every path touches the item, and the text is
    exactly the verbalization of the cited paths (so it states nothing else)."""
    for path in explanation.paths:
        if not path or not _touches(path, explanation.item):
            return False
        if not all(isinstance(f, Fact) and kg_paths.has_fact(G, f) for f in path):
            return False
    return explanation.text == render(G, explanation.paths)
