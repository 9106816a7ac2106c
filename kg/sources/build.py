"""Build the movie knowledge graph from the vendored DBpedia sub-KG and ReDial's movie list.

The graph follows ``kg/schema.py``: int node ids (DBpedia entity ids), readable names, a node
type derived from the relations a node takes part in, readable relation names as edge keys,
no self-loops, no duplicates. Everything is derived in code from byte-identical input files::

    >>> G = graph_from_triples({1: "http://dbpedia.org/resource/Heat_(1995_film)",
    ...                         2: "http://dbpedia.org/resource/Al_Pacino"},
    ...                        [(1, "starring", 2), (1, "starring", 2), (2, "self_loop", 2)], items={1})
    >>> G.nodes[1]["name"], G.nodes[1]["hint"], G.nodes[1]["year"], G.nodes[2]["type"]
    ('Heat', '1995 film', 1995, 'person')
    >>> list(G.edges(keys=True))
    [(1, 2, 'starring')]
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

import networkx as nx

from kgrec.kg.errors import DataFileError
from kgrec.kg.locations import data_dir
from kgrec.kg.schema import ITEM_TYPE, RELATIONS

SELF_LOOP = "self_loop"
#: relation -> the type of its tail node
TAIL_TYPES = {
    **dict.fromkeys(("starring", "director", "writer", "producer", "executive_producer",
                     "cinematography", "editing", "editor", "composer", "music_composer",
                     "narrator", "author", "person", "illustrator", "translator"), "person"),
    "genre": "genre", "category": "genre",
    **dict.fromkeys(("company", "distributor", "production_company", "network", "publisher",
                     "brand", "manufacturer"), "company"),
    "country": "country",
    "language": "language",
}
#: when a node's roles disagree, the earlier type wins a tie
TYPE_PRIORITY = ("person", "company", "genre", "country", "language")
_PAREN = re.compile(r"^(.*\S)\s*\(([^()]*)\)$")
_YEAR = re.compile(r"\((\d{4})\)\s*$")
_HINT_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")

#: files under data/ that the build reads (their bytes key the cache)
KG_FILES = ("redial_kg/dbpedia_subkg.json", "redial_kg/entity2id.json",
            "redial_kg/relation2id.json", "redial_kg/item_ids.json")
REDIAL_FILES = ("redial/movies_with_mentions.csv", "redial/redial_movieid_to_dbpedia_KGSF.tsv")


# ---------------------------------------------------------------- names
def clean_text(text: str) -> str:
    """Unicode NFC and collapsed whitespace: ``"Police  Academy "`` -> ``"Police Academy"``."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def strip_uri(uri: str) -> str:
    """``"<http://x/Foo>"`` -> ``"http://x/Foo"``."""
    return uri[1:-1] if uri.startswith("<") and uri.endswith(">") else uri


def uri_local(uri: str) -> str:
    """The resource name of a URI (it may contain ``/``): ``"Sunrise/Back_to_the_Future"``."""
    uri = strip_uri(uri)
    return uri.split("/resource/", 1)[1] if "/resource/" in uri else uri.rsplit("/", 1)[-1]


def name_from_uri(uri: str) -> tuple[str, str]:
    """Display name and disambiguation hint of a DBpedia resource URI.

    >>> name_from_uri("<http://dbpedia.org/resource/Police_Academy_(film)>")
    ('Police Academy', 'film')
    >>> name_from_uri("http://dbpedia.org/resource/Am%C3%A9lie")
    ('Amélie', '')
    """
    text = clean_text(unquote(uri_local(uri)).replace("_", " "))
    match = _PAREN.match(text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return text, ""


def year_of(text: str) -> int | None:
    """The year in a trailing ``"(1984)"``: ``year_of("Police Academy (1984)") == 1984``."""
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def hint_year(hint: str) -> int | None:
    """The year in a hint such as ``"1984 film"``, if the hint is about a film."""
    match = _HINT_YEAR.search(hint)
    return int(match.group(1)) if match and "film" in hint else None


def with_year(title: str, year: int | None) -> str:
    """Append ``" (year)"`` unless the title already ends with a year."""
    return title if year is None or year_of(title) is not None else f"{title} ({year})"


def readable_relation(uri: str) -> str:
    """``"<http://dbpedia.org/ontology/musicComposer>"`` -> ``"music_composer"``."""
    local = strip_uri(uri).rsplit("/", 1)[-1]
    return RELATIONS.get(local) or re.sub(r"(?<!^)(?=[A-Z])", "_", local).lower()


# ---------------------------------------------------------------- graph
def node_type(roles: Counter, is_item: bool, hint: str, noun: str = ITEM_TYPE) -> str:
    """The node type from the tail roles it plays (``Counter`` of types)."""
    if is_item:
        return noun
    if roles:
        order = TYPE_PRIORITY + tuple(sorted(set(roles) - set(TYPE_PRIORITY)))
        return max(roles, key=lambda t: (roles[t], -order.index(t)))
    return ITEM_TYPE if "film" in hint and "score" not in hint else "other"


def graph_from_triples(uris: dict[int, str], triples: Iterable[tuple[int, str, int]],
                       items: Iterable[int] = (), *, name: str = "redial-dbpedia",
                       source: str = "dbpedia", tail_types: dict[str, str] | None = None,
                       noun: str = ITEM_TYPE) -> nx.MultiDiGraph:
    """A typed, named, deduplicated graph without self-loops from ``(head, relation, tail)``.

    ``tail_types`` (default ``TAIL_TYPES``) types a relation's tails; items are typed ``noun``.
    """
    items, tail_types = set(items), TAIL_TYPES if tail_types is None else tail_types
    G = nx.MultiDiGraph(name=name, domain_noun=noun)
    roles: dict[int, Counter] = {node: Counter() for node in uris}
    for head, relation, tail in triples:
        if head == tail or relation == SELF_LOOP:
            continue
        G.add_edge(head, tail, key=relation, relation=relation, source=source)
        if relation in tail_types:
            roles.setdefault(tail, Counter())[tail_types[relation]] += 1
    for node in sorted(set(uris) | set(G.nodes) | items):
        uri = strip_uri(uris.get(node, ""))
        display, hint = name_from_uri(uri) if uri else (str(node), "")
        kind = node_type(roles.get(node, Counter()), node in items, hint, noun)
        attrs = {"name": display, "type": kind, "hint": hint, "uri": uri}
        if kind in (ITEM_TYPE, noun):
            year = hint_year(hint)
            attrs |= {"title": with_year(display, year), "year": year, "item": node in items,
                      "popularity": 0}
        G.add_node(node, **attrs)
    return G


def apply_redial_titles(G: nx.MultiDiGraph, titles: dict[int, str]) -> int:
    """Give movies their ReDial title (with year); returns how many were titled."""
    count = 0
    for node, title in titles.items():
        if node not in G or G.nodes[node]["type"] != ITEM_TYPE:
            continue
        data = G.nodes[node]
        data["year"] = year_of(title) or data.get("year")
        data["title"] = with_year(title, data["year"])
        count += 1
    return count


# ---------------------------------------------------------------- files
def read_json(path: Path, expected: str):
    """Parse a JSON file; a missing or malformed file raises ``DataFileError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror}); expected {expected}") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataFileError(path, e.lineno, f"invalid JSON ({e.msg}, column {e.colno}); "
                                            f"expected {expected}") from e


def open_data(path: Path):
    """An open text handle on a data file; a missing or unreadable file raises ``DataFileError``."""
    try:
        return open(path, encoding="utf-8", newline="")
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror})") from e


def read_rows(path: Path, header: list[str], delimiter: str) -> list[tuple[int, list[str]]]:
    """Rows of a CSV/TSV with the given header, as ``(line number, fields)``."""
    with open_data(path) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        first = next(reader, None)
        if first != header:
            raise DataFileError(path, 1, f"header {delimiter.join(header)!r}, got {first!r}")
        rows = [(reader.line_num, row) for row in reader if row]
    for line, row in rows:
        if len(row) != len(header):
            raise DataFileError(path, line, f"{len(header)} fields ({', '.join(header)}), "
                                            f"got {len(row)}")
    return rows


def _entity_ids(path: Path) -> dict[int, str]:
    raw = read_json(path, "an object {\"<uri>\": entity id}")
    if not isinstance(raw, dict) or not all(isinstance(v, int) for v in raw.values()):
        raise DataFileError(path, 1, "an object {\"<uri>\": entity id (int)}")
    return {v: k for k, v in raw.items()}


def _relations(path: Path) -> dict[int, str]:
    raw = read_json(path, "an object {\"<relation uri>\": relation id}")
    if not isinstance(raw, dict) or not all(isinstance(v, int) for v in raw.values()):
        raise DataFileError(path, 1, "an object {\"<relation uri>\": relation id (int)}")
    return {v: (SELF_LOOP if k == SELF_LOOP else readable_relation(k)) for k, v in raw.items()}


def _triples(path: Path, uris: dict[int, str], relations: dict[int, str]) -> list[tuple]:
    raw = read_json(path, "an object {head id: [[relation id, tail id], ...]}")
    if not isinstance(raw, dict):
        raise DataFileError(path, 1, "an object {head id: [[relation id, tail id], ...]}")
    triples = []
    for head, pairs in raw.items():
        ok = head.isdigit() and int(head) in uris and isinstance(pairs, list)
        for pair in pairs if ok else ():
            if not (isinstance(pair, list) and len(pair) == 2 and pair[0] in relations
                    and pair[1] in uris):
                ok = False
                break
            triples.append((int(head), relations[pair[0]], pair[1]))
        if not ok:
            raise DataFileError(path, 1, f"entry {head!r}: known entity id -> list of "
                                         "[known relation id, known entity id]")
    return triples


def _items(path: Path, uris: dict[int, str]) -> list[int]:
    raw = read_json(path, "a list of entity ids")
    if not isinstance(raw, list) or not all(isinstance(i, int) and i in uris for i in raw):
        raise DataFileError(path, 1, "a list of known entity ids (ints)")
    return raw


def redial_titles(root: Path, uri_to_id: dict[str, int]) -> dict[int, str]:
    """KG node -> ReDial title, through the KGSF mapping; the most mentioned ReDial id wins."""
    mentions_path = root / REDIAL_FILES[0]
    mentions = {}
    for line, (movie_id, _name, count) in read_rows(
            mentions_path, ["movieId", "movieName", "nbMentions"], ","):
        if not (movie_id.isdigit() and count.isdigit()):
            raise DataFileError(mentions_path, line, "integer movieId and nbMentions")
        mentions[movie_id] = int(count)
    best: dict[int, tuple[int, str]] = {}
    for _line, (movie_id, name, uri) in read_rows(
            root / REDIAL_FILES[1], ["redial_movie_id", "movieName", "dbpedia_uri"], "\t"):
        node, name = uri_to_id.get(uri), clean_text(unquote(name))
        if node is None or not name:
            continue
        rank = (mentions.get(movie_id, 0), name)
        best[node] = max(best.get(node, rank), rank)
    return {node: title for node, (_count, title) in best.items()}


def build_movie_graph(root: Path | None = None) -> nx.MultiDiGraph:
    """The DBpedia movie graph with ReDial titles (no genres, years from sources, interactions)."""
    root = Path(root or data_dir())
    uris = _entity_ids(root / KG_FILES[1])
    relations = _relations(root / KG_FILES[2])
    items = _items(root / KG_FILES[3], uris)
    triples = _triples(root / KG_FILES[0], uris, relations)
    G = graph_from_triples(uris, triples, items)
    apply_redial_titles(G, redial_titles(root, {uri: node for node, uri in uris.items()}))
    return G
