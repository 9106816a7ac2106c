"""Import a knowledge graph of any domain into the kgrec graph shape (``kg/schema.py``).

Three files, each with a header row:

* **items CSV**: ``id,name`` then optional attribute columns. ``year`` becomes the item's
  ``year``; ``description`` its ``premise`` (the text its document ends with: ``kgrec.kg.query.documents``);
  ``theme`` or ``themes`` become ``has_theme`` edges to ``theme`` nodes; any other column
  (``genre``, ``author``, ...) becomes edges ``item --column--> value`` (several values
  separated by ``|``). A **descriptions CSV** (``id,description``) may give the descriptions
  instead; every item without one still gets a document from its facts.
* **triples TSV or CSV** (by extension): ``head<TAB>relation<TAB>tail``. A head or tail equal to
  an item id is that item (the import notes count such triples per relation); anything else is an
  entity named by the text (its ``uri`` keeps the source text). A text that is an item's *name*
  but not its id is kept as a separate entity and reported, never merged by guess.
* **interactions** (optional), one session per user or conversation, its items **in order**, each
  with an optional like label. Either a CSV ``user,item`` with optional ``order`` (a number: a
  position or a timestamp; without it, file order), ``rating`` (liked when >= 4, disliked when
  <= 2) or ``like`` (``1``/``0``, empty = no label); or a JSONL file, one session a line,
  ``{"session": ID, "items": [[ITEM, 1|0|null], ...]}`` (``kgrec.kg.sources.interactions.read_sessions``; the
  shipped ReDial ``train_mentions.jsonl`` is one). Items get ``popularity`` (number of sessions)
  and co-mentions with ``count`` (sessions that share both) and ``liked`` (a sparse matrix on the graph,
  ``kgrec.kg.comentions``, counted as ``XᵀX``: no per-pair Python objects); an EASE model
  (``kgrec.kg.query.collaborative``) is fitted on each session's liked items (``from_collaborative``); the
  re-mention prior (``kgrec.kg.query.remention.sequence_prior``: how often the previous, a liked or an
  unlabelled earlier item comes again next) is counted on the sequences, repeats included.

Node ids: items keep their ids when all are non-negative integers, else they are numbered
0.. in file order; other entities follow, in order of first appearance. Items are typed
``domain_noun`` (``"book"``); entities by the relations they are tails of (``author`` ->
``person``, ``genre`` -> ``genre``, ``publisher`` -> ``company``, else ``other``); the
``relation_types`` mapping (``--relation-type illustrator=person``) adds or overrides those.
Relation names are snake case (``musicComposer`` -> ``music_composer``). What the import could
not decide is listed in ``G.graph["import_notes"]`` (the CLI prints it)::

    kgrec kg import --items books.csv --triples books.tsv --interactions ratings.csv --noun book
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import networkx as nx

from kgrec.kg.errors import DataFileError
from kgrec.kg.query import collaborative, remention
from kgrec.kg.schema import HAS_THEME, THEME_TYPE
from kgrec.kg.sources.build import TAIL_TYPES, TYPE_PRIORITY, clean_text, open_data, with_year
from kgrec.kg.sources.interactions import Session, add_interactions, labelled_session, read_sessions

POSITIVE_RATING, NEGATIVE_RATING = 4.0, 2.0
TEXT_COLUMNS = ("year", "description")  # item attributes, not edges
THEME_COLUMNS = ("theme", "themes")
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
    """``"Written By"`` -> ``"written_by"``, ``"musicComposer"`` -> ``"music_composer"``."""
    return "_".join(re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower().split())


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
        if row.get("description"):
            G.nodes[node]["premise"] = row["description"]
        for column in (c for c in header[2:] if c not in TEXT_COLUMNS):
            relation = HAS_THEME if column in THEME_COLUMNS else relation_name(column)
            for value in filter(None, (v.strip() for v in row[column].split("|"))):
                edges.append((node, relation, ids(value), Path(path).name))
    return edges


def add_descriptions(G: nx.MultiDiGraph, path, items: dict[str, int]) -> int:
    """Item ``premise`` texts from a descriptions CSV (``id,description``); returns how many."""
    _, rows = read_table(path, ["id", "description"], ",")
    for line, row in rows:
        if row["id"] not in items:
            raise DataFileError(path, line, f"an item id of the items file, got {row['id']!r}")
        G.nodes[items[row["id"]]]["premise"] = row["description"]
    return len(rows)


def read_interactions(path, items: dict[str, int]) -> list[Session]:
    """One :class:`Session` per user of an interactions CSV (``user,item`` [+ ``order``] [+ ``rating``/
    ``like``]) or session of a JSONL file (by extension), items in order; ``items`` maps the file's item
    ids to node ids. A bad row is a ``DataFileError`` naming it."""
    if str(path).lower().endswith((".jsonl", ".jsonl.gz")):
        return list(read_sessions(path, items).values())
    header, rows = read_table(path, ["user", "item"], ",")
    kind = "rating" if "rating" in header else "like" if "like" in header else None
    by_user: dict[str, list[tuple[float, int, int, bool | None]]] = {}
    for n, (line, row) in enumerate(rows):
        if row["item"] not in items:
            raise DataFileError(path, line, f"an item id of the items file, got {row['item']!r}")
        order = _number(path, line, row, "order") if "order" in header else n
        by_user.setdefault(row["user"], []).append((order, n, items[row["item"]], _label(path, line, row, kind)))
    return [labelled_session([(item, like) for _, _, item, like in sorted(v)]) for v in by_user.values()]


def _number(path, line: int, row: dict, column: str) -> float:
    try:
        return float(row[column])
    except ValueError as e:
        raise DataFileError(path, line, f"a number in {column!r}, got {row[column]!r}") from e


def _label(path, line: int, row: dict, kind: str | None) -> bool | None:
    """Liked (True), disliked (False) or no label (None) from a row's ``rating`` or ``like``."""
    if kind == "rating":
        rating = _number(path, line, row, "rating")
        return True if rating >= POSITIVE_RATING else False if rating <= NEGATIVE_RATING else None
    if kind == "like" and row["like"]:
        if row["like"].lower() not in LIKE_VALUES:
            raise DataFileError(path, line, f"'like' as 1/0, got {row['like']!r}")
        return LIKE_VALUES[row["like"].lower()]
    return None


def _type_entities(G: nx.MultiDiGraph, ids: _Ids, tail_types: dict[str, str]) -> list[str]:
    """Type each entity by the relations it is a tail of; returns notes on mixed roles."""
    mixed = []
    for name, node in ids.entities.items():
        roles = Counter(tail_types.get(k, "other") for _, _, k in G.in_edges(node, keys=True))
        order = TYPE_PRIORITY + tuple(sorted(set(roles) - set(TYPE_PRIORITY) - {"other"})) + ("other",)
        kind = max(roles, key=lambda t: (roles[t], -order.index(t)), default="other")
        if len(set(roles) - {"other"}) > 1:
            mixed.append(f"{name!r} ({'/'.join(sorted(roles))}: typed {kind})")
        G.add_node(node, name=name, type=kind, hint="", uri=name)
    return [f"{len(mixed)} entities are tails of relations of different types: {', '.join(mixed[:5])}"] if mixed else []


def _clash_notes(G: nx.MultiDiGraph, ids: _Ids, by_id: Counter) -> list[str]:
    """Texts that name an item without being its id, item names shared by several items."""
    names = Counter(G.nodes[n]["name"].casefold() for n in ids.items.values())
    notes = [f"{n} items share the name {name!r} (a chat mention of it is ambiguous)"
             for name, n in names.items() if n > 1]
    clashes = [t for t in ids.entities if t.casefold() in names]
    if clashes:
        notes.append(f"{len(clashes)} triple heads/tails are an item's name but not its id, kept as separate "
                     f"entities (write the item id to mean the item): {', '.join(map(repr, clashes[:5]))}")
    notes += [f"{n} triples of relation {r!r} point at items by id" for r, n in by_id.most_common()]
    return notes


def import_graph(items_path, triples_path=None, interactions_path=None, *,
                 domain_noun: str = "item", name: str | None = None,
                 relation_types: dict[str, str] | None = None, descriptions_path=None) -> nx.MultiDiGraph:
    """A kgrec graph from an items CSV, a triples TSV/CSV and an interactions CSV (see above)."""
    header, item_rows = read_table(items_path, ["id", "name"], ",")
    ids = _Ids(_item_ids(items_path, item_rows))
    G = nx.MultiDiGraph(name=name or Path(items_path).stem, domain_noun=domain_noun)
    edges = _add_items(G, items_path, header, item_rows, ids, domain_noun)
    by_id = Counter()
    if triples_path is not None:
        delimiter = "," if str(triples_path).lower().endswith(".csv") else "\t"
        _, triples = read_table(triples_path, ["head", "relation", "tail"], delimiter)
        for _, r in triples:
            relation = relation_name(r["relation"])
            by_id[relation] += r["tail"] in ids.items
            edges.append((ids(r["head"]), relation, ids(r["tail"]), Path(triples_path).name))
    for head, relation, tail, source in edges:
        if head != tail and not G.has_edge(head, tail, relation):
            G.add_edge(head, tail, key=relation, relation=relation, source=source)
    tail_types = {**TAIL_TYPES, HAS_THEME: THEME_TYPE, **{relation_name(k): v for k, v in (relation_types or {}).items()}}
    G.graph["import_notes"] = _type_entities(G, ids, tail_types) + _clash_notes(G, ids, +by_id)
    if descriptions_path is not None:
        add_descriptions(G, descriptions_path, ids.items)
    if interactions_path is not None:
        add_sessions(G, read_interactions(interactions_path, ids.items), Path(interactions_path).name)
    return G


def add_sessions(G: nx.MultiDiGraph, sessions: list[Session], source: str) -> None:
    """Popularity, co-mentions, EASE on the liked items and the re-mention prior of ``sessions`` (in place)."""
    from dataclasses import asdict

    add_interactions(G, sessions, source=source)
    collaborative.add_collaborative(G, liked(sessions))
    G.graph[remention.GRAPH_KEY] = asdict(remention.sequence_prior(sessions))
    G.graph["trained_on"] = f"{source} ({len(sessions):,} sessions)"
    G.graph[remention.SOURCE_KEY] = f"{sum(len(s.sequence or s.items) for s in sessions):,} mentions of {source}"


def liked(sessions: list[Session]) -> list[tuple[int, ...]]:
    """Each user's positive items (ratings >= 4, likes), in file order: what EASE learns from."""
    return [tuple(i for i in s.items if i in s.positive) for s in sessions]
