"""Import a knowledge graph of any domain into the kgrec graph shape (``kg/schema.py``).

Three files, each with a header row:

* **items CSV**: ``id,name`` then optional attribute columns. ``year`` becomes the item's
  ``year``; any other column (``genre``, ``author``, ...) becomes edges ``item --column--> value``
  (several values separated by ``|``).
* **triples TSV**: ``head<TAB>relation<TAB>tail``. A head or tail equal to an item id is that
  item; anything else is an entity named by the text.
* **interactions CSV** (optional): ``user,item`` and ``rating`` (positive when >= 4) or ``like``
  (``1``/``0``). Each user is one session: items get ``popularity`` (number of users) and
  ``co_mentioned`` edges with ``count`` (users who share both) and ``liked``.

Node ids: items keep their ids when all are non-negative integers, else they are numbered
0.. in file order; other entities follow, in order of first appearance. Items are typed
``domain_noun`` (``"book"``); entities by the relations they are tails of (``author`` ->
``person``, ``genre`` -> ``genre``, ``publisher`` -> ``company``, else ``other``)::

    kgrec kg import --items books.csv --triples books.tsv --interactions ratings.csv --noun book
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import networkx as nx

from kg.build import TAIL_TYPES, TYPE_PRIORITY, clean_text, open_data, with_year
from kg.errors import DataFileError
from kg.interactions import Session, add_interactions

POSITIVE_RATING = 4.0
LIKE_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def read_table(path, required: list[str], delimiter: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and ``(line, row)`` of a CSV/TSV; missing file, columns or fields raise."""
    path = Path(path)
    with open_data(path) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = [clean_text(h).lower() for h in next(reader, [])]
        if header[:len(required)] != required:
            raise DataFileError(path, 1, f"a header starting with {delimiter.join(required)!r}")
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header) or any(not clean_text(row[i]) for i in range(len(required))):
                raise DataFileError(path, reader.line_num, f"{len(header)} fields "
                                    f"({', '.join(header)}) with {', '.join(required)} not empty")
            rows.append((reader.line_num, dict(zip(header, (clean_text(v) for v in row)))))
    return header, rows


def relation_name(text: str) -> str:
    """``"Written By"`` -> ``"written_by"``."""
    return "_".join(text.lower().split())


class _Ids:
    """Entity name -> int id, after the items' ids."""

    def __init__(self, items: dict[str, int]):
        self.items, self.entities = items, {}
        self.next = max(items.values(), default=-1) + 1

    def __call__(self, text: str) -> int:
        if text in self.items:
            return self.items[text]
        if text not in self.entities:
            self.entities[text] = self.next
            self.next += 1
        return self.entities[text]


def _item_ids(path, rows: list[tuple[int, dict]]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for line, row in rows:
        if row["id"] in seen:
            raise DataFileError(path, line, f"a unique item id; {row['id']!r} repeats line {seen[row['id']]}")
        seen[row["id"]] = line
    numeric = all(i.isdigit() for i in seen)
    return {i: (int(i) if numeric else n) for n, i in enumerate(seen)}


def _add_items(G, path, header, rows, ids: _Ids, noun: str) -> list[tuple[int, str, int, str]]:
    """Item nodes; returns the attribute edges ``(item, relation, entity, source)``."""
    edges = []
    for line, row in rows:
        year = row.get("year") or None
        if year is not None and not year.isdigit():
            raise DataFileError(path, line, f"a year as digits or empty, got {year!r}")
        year = int(year) if year else None
        node = ids.items[row["id"]]
        G.add_node(node, name=row["name"], type=noun, hint="", uri=row["id"], item=True,
                   title=with_year(row["name"], year), year=year, popularity=0)
        for column in header[2:]:
            for value in filter(None, (v.strip() for v in row[column].split("|"))):
                if column != "year":
                    edges.append((node, relation_name(column), ids(value), Path(path).name))
    return edges


def _sessions(path, rows: list[tuple[int, dict]], header: list[str], items: dict[str, int]) -> list[Session]:
    kind = "rating" if "rating" in header else "like" if "like" in header else None
    by_user: dict[str, dict[int, bool]] = {}
    for line, row in rows:
        if row["item"] not in items:
            raise DataFileError(path, line, f"an item id of the items file, got {row['item']!r}")
        positive = False
        if kind == "rating":
            try:
                positive = float(row["rating"]) >= POSITIVE_RATING
            except ValueError as e:
                raise DataFileError(path, line, f"a number in 'rating', got {row['rating']!r}") from e
        elif kind == "like":
            if row["like"].lower() not in LIKE_VALUES:
                raise DataFileError(path, line, f"'like' as 1/0, got {row['like']!r}")
            positive = LIKE_VALUES[row["like"].lower()]
        by_user.setdefault(row["user"], {})[items[row["item"]]] = positive
    return [Session(tuple(v), frozenset(i for i, p in v.items() if p)) for v in by_user.values()]


def _type_entities(G: nx.MultiDiGraph, ids: _Ids) -> None:
    for name, node in ids.entities.items():
        roles = Counter(TAIL_TYPES.get(k, "other") for _, _, k in G.in_edges(node, keys=True))
        kind = max(roles, key=lambda t: (roles[t], -(TYPE_PRIORITY + ("other",)).index(t)),
                   default="other")
        G.add_node(node, name=name, type=kind, hint="", uri="")


def import_graph(items_path, triples_path=None, interactions_path=None, *,
                 domain_noun: str = "item", name: str | None = None) -> nx.MultiDiGraph:
    """A kgrec graph from an items CSV, a triples TSV and an interactions CSV (see above)."""
    header, item_rows = read_table(items_path, ["id", "name"], ",")
    ids = _Ids(_item_ids(items_path, item_rows))
    G = nx.MultiDiGraph(name=name or Path(items_path).stem, domain_noun=domain_noun)
    edges = _add_items(G, items_path, header, item_rows, ids, domain_noun)
    if triples_path is not None:
        _, triples = read_table(triples_path, ["head", "relation", "tail"], "\t")
        edges += [(ids(r["head"]), relation_name(r["relation"]), ids(r["tail"]),
                   Path(triples_path).name) for _, r in triples]
    for head, relation, tail, source in edges:
        if head != tail and not G.has_edge(head, tail, relation):
            G.add_edge(head, tail, key=relation, relation=relation, source=source)
    _type_entities(G, ids)
    if interactions_path is not None:
        i_header, rows = read_table(interactions_path, ["user", "item"], ",")
        add_interactions(G, _sessions(interactions_path, rows, i_header, ids.items),
                         source=Path(interactions_path).name)
    return G
