"""Premises and themes for an imported graph's items, matched by the item's URI or id.

``kgrec kg import --unicrs DIR --descriptions FILE`` reads either

* a documents JSONL as shipped (``data/documents/movie_documents.jsonl``): one row per movie,
  ``{"uri": "http://dbpedia.org/resource/...", "premise": "...", "themes": ["heist", ...]}``
  (its ``node`` is the shipped graph's id and is not used: another graph numbers its entities
  its own way, but a DBpedia KG such as INSPIRED's names the same films by the same URIs), or
* a CSV ``id,description[,theme]`` whose ``id`` is the KG file's entity id or the entity's URI
  and whose ``theme`` lists themes separated by ``|``.

A row that names no catalog item of the graph is skipped and counted (the shipped file covers
ReDial's catalog, not another's): the import prints how many matched. Themes named in
:data:`kgrec.kg.sources.themes.THEME_NAMES` keep their nodes' ids and wording; others get new ``theme`` nodes::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(5, item=True, uri="http://dbpedia.org/resource/Heat_(1995_film)", name="Heat")
    >>> notes = add_rows(G, [(1, {"uri": "<http://dbpedia.org/resource/Heat_(1995_film)>",
    ...                           "premise": "A thief and a detective.", "themes": ["heist"]}),
    ...                      (2, {"uri": "http://dbpedia.org/resource/Elsewhere", "premise": "", "themes": []})])
    >>> G.nodes[5]["premise"], [G.nodes[t]["name"] for t in G.successors(5)]
    ('A thief and a detective.', ['heist'])
    >>> notes
    (1, 1, 1)
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kgrec.kg.graph import catalog
from kgrec.kg.jsonl import read_jsonl
from kgrec.kg.schema import HAS_THEME, THEME_TYPE
from kgrec.kg.sources.build import strip_uri
from kgrec.kg.sources.importer import read_table
from kgrec.kg.sources.themes import THEME_ID_BASE, THEME_READS, theme_node_ids


def read_rows(path) -> list[tuple[int, dict]]:
    """``(line, {"uri" or "id", "premise", "themes"})`` rows of a documents JSONL or CSV (by extension)."""
    path = Path(path)
    if path.suffix == ".jsonl":
        expected = '{"uri": "<item uri>", "premise": "...", "themes": ["...", ...]}'
        values = read_jsonl(path, _valid_row, expected, "a documents JSONL file")
        return [(n, {"uri": row["uri"], "premise": str(row.get("premise") or ""), "themes": list(row.get("themes", []))})
                for n, row in enumerate(values, 1)]
    header, table = read_table(path, ["id", "description"], ",")
    column = next((c for c in ("theme", "themes") if c in header), None)
    return [(line, {"id": row["id"], "premise": row.get("description") or "",
                    "themes": [t.strip() for t in (row.get(column) or "").split("|") if t.strip()] if column else []})
            for line, row in table]


def _valid_row(row) -> bool:
    themes = row.get("themes", []) if isinstance(row, dict) else None
    return (isinstance(row, dict) and isinstance(row.get("uri"), str) and isinstance(row.get("premise", ""), (str, type(None)))
            and isinstance(themes, list) and all(isinstance(t, str) for t in themes))


def add_documents(G: nx.MultiDiGraph, path) -> tuple[int, int, int]:
    """Premises and ``has_theme`` edges from ``path`` (see the module doc) onto ``G``'s items, in place.
    Returns (rows that matched an item, rows that did not, ``has_theme`` edges added)."""
    return add_rows(G, read_rows(path))


def add_rows(G: nx.MultiDiGraph, rows: Iterable[tuple[int, dict]]) -> tuple[int, int, int]:
    """:func:`add_documents` on rows already read."""
    items = catalog(G)
    by_uri = {strip_uri(str(G.nodes[n].get("uri") or "")): n for n in items}
    by_id = {str(n): n for n in items}
    ids = theme_node_ids()
    matched = missed = edges = 0
    for _, row in rows:
        key = row.get("uri") or row.get("id", "")
        node = by_uri.get(strip_uri(key)) if "uri" in row else by_id.get(key, by_uri.get(strip_uri(key)))
        if node is None:
            missed += 1
            continue
        matched += 1
        if row["premise"].strip():
            G.nodes[node]["premise"] = row["premise"].strip()
        for theme in row["themes"]:
            if theme not in ids:  # a theme of the file's own: the next free id after the known ones
                ids[theme] = next(i for i in range(THEME_ID_BASE + len(ids), THEME_ID_BASE + 2 * len(ids) + len(G) + 1)
                                  if i not in G and i not in ids.values())
            if ids[theme] not in G:
                G.add_node(ids[theme], name=theme, type=THEME_TYPE, hint="", uri="", reads=THEME_READS.get(theme, ""))
            if not G.has_edge(node, ids[theme], key=HAS_THEME):
                G.add_edge(node, ids[theme], key=HAS_THEME, relation=HAS_THEME, source="documents")
                edges += 1
    return matched, missed, edges
