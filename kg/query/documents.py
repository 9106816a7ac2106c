"""An item's document: what a reader (or an encoder) knows about it, in a few plain lines.

Built only from the graph, so every word is an edge or an attribute of the KG: title and year,
director(s) or author(s), up to three stars, broad genres, themes (``has_theme`` edges,
:mod:`kgrec.kg.sources.themes`) and the short ``premise`` attribute (Wikipedia's, or an imported graph's
``description``). Deterministic; an item without a premise still gets one from its facts::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, type="movie", item=True, name="Up", title="Up (2009)",
    ...            premise="A widower flies his house to South America.")
    >>> G.add_node(8, type="person", name="Pete Docter"); G.add_node(9, type="genre", name="animation")
    >>> G.add_node(7, type="theme", name="old age")
    >>> for tail, key in ((8, "director"), (9, "genre"), (7, "has_theme")):
    ...     _ = G.add_edge(1, tail, key=key)
    >>> print(document(G, 1))
    Up (2009). Directed by Pete Docter. Genres: animation. About: old age. A widower flies his house to South America.
    >>> themes(G, 1)
    ('old age',)
"""
from __future__ import annotations

import networkx as nx

from kgrec.kg.errors import KgrecError
from kgrec.kg.graph import cached, catalog, degrees, display, is_item
from kgrec.kg.schema import DERIVED_ID_BASE, HAS_THEME
MAX_STARS = 3
MAX_MAKERS = 2
#: relation -> how the document introduces its tails
MAKERS = (("director", "Directed by"), ("author", "Written by"))


def themes(G: nx.MultiDiGraph, item: int) -> tuple[str, ...]:
    """The sorted theme names of ``item`` (its ``has_theme`` edges); ``()`` for none."""
    if item not in G:
        return ()
    return tuple(sorted(G.nodes[t].get("name", str(t)) for t, edges in G.succ[item].items() if HAS_THEME in edges))


def _tails(G: nx.MultiDiGraph, item: int, relation: str) -> list[int]:
    return [t for t, edges in G.succ[item].items() if relation in edges]


def _genres(G: nx.MultiDiGraph, item: int) -> list[str]:
    """Broad genre names (kgrec's own genre nodes when it has them, else any genre tail)."""
    tails = [t for t in _tails(G, item, "genre") if G.nodes[t].get("type") == "genre"]
    broad = [t for t in tails if t >= DERIVED_ID_BASE]
    return sorted({G.nodes[t].get("name", str(t)) for t in (broad or tails)})


def _stars(G: nx.MultiDiGraph, item: int) -> list[str]:
    """Up to :data:`MAX_STARS` stars, the best connected (best known) first, then by name."""
    degree = degrees(G)
    stars = sorted(_tails(G, item, "starring"), key=lambda n: (-degree.get(n, 0), display(G, n)))
    return [display(G, n) for n in stars[:MAX_STARS]]


def document(G: nx.MultiDiGraph, item: int) -> str:
    """The item's document text (see the module doc); ``KgrecError`` for a node that is not an item."""
    if item not in G or not is_item(G, item):
        raise KgrecError(f"{item!r} is not a catalog item of this graph; expected one of its {len(catalog(G))} items")
    parts = [f"{display(G, item)}."]
    for relation, intro in MAKERS:
        makers = sorted(display(G, n) for n in _tails(G, item, relation))[:MAX_MAKERS]
        if makers:
            parts.append(f"{intro} {' and '.join(makers)}.")
    stars = _stars(G, item)
    if stars:
        parts.append(f"Starring {', '.join(stars)}.")
    genres = _genres(G, item)
    if genres:
        parts.append(f"Genres: {', '.join(genres)}.")
    about = themes(G, item)
    if about:
        parts.append(f"About: {', '.join(about)}.")
    premise = " ".join(str(G.nodes[item].get("premise") or "").split())
    if premise:
        parts.append(premise)
    return " ".join(parts)


def coverage(G: nx.MultiDiGraph) -> dict[str, int]:
    """What the items' documents rest on: catalog ``items``, those ``with_premise`` and ``with_themes``,
    and the ``themes`` that some item is about (``kgrec kg stats`` prints them)::

        >>> G = nx.MultiDiGraph()
        >>> G.add_node(1, item=True, premise="A heist."); G.add_node(2, item=True); G.add_node(7, type="theme")
        >>> _ = G.add_edge(2, 7, key=HAS_THEME)
        >>> coverage(G)
        {'items': 2, 'with_premise': 1, 'with_themes': 1, 'themes': 1}
    """
    items = catalog(G)
    about = {item: [t for t, edges in G.succ[item].items() if HAS_THEME in edges] for item in items}
    return {"items": len(items),
            "with_premise": sum(1 for n in items if str(G.nodes[n].get("premise") or "").strip()),
            "with_themes": sum(1 for tails in about.values() if tails),
            "themes": len({t for tails in about.values() for t in tails})}


def documents(G: nx.MultiDiGraph) -> dict[int, str]:
    """Catalog item -> its document, cached on the graph (:func:`kgrec.kg.graph.cached`)."""
    return cached(G, "documents", lambda G: {item: document(G, item) for item in catalog(G)})
