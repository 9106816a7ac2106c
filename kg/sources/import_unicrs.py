"""Import a UniCRS/CRSLab-style KG and its dialogues, keeping the source's own entity ids.

A KG folder holds ``dbpedia_subkg.json`` ({head id: [[relation id, tail id], ...]}),
``entity2id.json`` ({"<uri>": id}), ``relation2id.json`` ({"<relation uri>": id}) and
``item_ids.json`` (the catalog's ids), as the UniCRS code writes them (ReDial's and INSPIRED's
DBpedia sub-KGs). Node ids are the file's entity ids, so a test file's labels stay valid.

Dialogue files (JSONL, one dialogue per line) are lists of utterances
``{"text", "role": "SEEKER"|"RECOMMENDER", "movie_link": ["<uri>", ...], "entity_link": [...]}``
(INSPIRED's format). Consecutive utterances of one role are merged. The ``train`` split gives
popularity, co-mentions and the EASE model; every split also becomes CRSLab-format turns (one
per recommender utterance that links a catalog item: ``context``, ``rec``, ``prev_entity``)::

    kgrec kg import --unicrs ../shared/data/inspired --dialogues train=../shared/data/inspired/train.jsonl \\
        --dialogues valid=../shared/data/inspired/valid.jsonl --name inspired
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kgrec.kg.errors import KgrecError
from kgrec.kg.jsonl import read_jsonl
from kgrec.kg.query import collaborative
from kgrec.kg.sources import build, enrich
from kgrec.kg.sources.interactions import Session, add_interactions

KG_FILES = ("dbpedia_subkg.json", "entity2id.json", "relation2id.json", "item_ids.json")
ROLES = {"SEEKER": "seeker", "RECOMMENDER": "recommender"}


@dataclass(frozen=True)
class Imported:
    """An imported graph, its CRSLab-format turns per split, and what the import reports."""

    graph: nx.MultiDiGraph
    turns: dict  # split -> list of CRSLab rows
    notes: tuple[str, ...]


def read_unicrs_kg(folder, *, noun: str = "movie", name: str | None = None,
                   relation_types: dict[str, str] | None = None) -> tuple[nx.MultiDiGraph, list[str]]:
    """The typed graph of a UniCRS KG folder, and notes on what could not be typed."""
    folder = Path(folder)
    missing = [f for f in KG_FILES if not (folder / f).exists()]
    if missing:
        raise KgrecError(f"--unicrs {folder}: missing {', '.join(missing)}; expected a folder with {', '.join(KG_FILES)}")
    uris = build._entity_ids(folder / KG_FILES[1])
    relations = build._relations(folder / KG_FILES[2])
    items = build._items(folder / KG_FILES[3], uris)
    triples = build._triples(folder / KG_FILES[0], uris, relations)
    tail_types = {**build.TAIL_TYPES, **{build.readable_relation(k): v for k, v in (relation_types or {}).items()}}
    G = build.graph_from_triples(uris, triples, items, name=name or folder.name, source=folder.name,
                                 tail_types=tail_types, noun=noun)
    if noun == "movie":  # DBpedia's own genre labels ("Comedy film") also get a broad genre
        enrich._add_dbpedia_genres(G, enrich.add_genre_nodes(G))
    return G, typing_notes(G, tail_types)


def typing_notes(G: nx.MultiDiGraph, tail_types: dict[str, str]) -> list[str]:
    """Relations whose tails got no type, and nodes typed by a majority of disagreeing roles."""
    untyped = Counter(k for _, _, k in G.edges(keys=True) if k not in tail_types and k != "co_mentioned")
    notes = [f"relation {r!r} ({n:,} edges) has no tail type: its tails are typed by their other "
             f"relations or 'other' (--relation-type {r}=TYPE to type them)" for r, n in untyped.most_common()]
    mixed = [n for n in G if len({tail_types[k] for _, _, k in G.in_edges(n, keys=True) if k in tail_types}) > 1]
    if mixed:
        shown = ", ".join(repr(G.nodes[n]["name"]) for n in mixed[:3])
        notes.append(f"{len(mixed):,} entities are tails of relations of different types (e.g. {shown}); "
                     "each was typed by its most frequent role")
    edgeless = sum(1 for n, item in G.nodes(data="item") if item and G.degree(n) == 0)
    if edgeless:
        notes.append(f"{edgeless:,} catalog items have no edge in the KG (only their name links them)")
    return notes


def read_dialogues(path) -> list[list[dict]]:
    """Dialogues of a UniCRS-style JSONL file; a malformed line raises ``DataFileError``."""
    def valid(dialogue) -> bool:
        return isinstance(dialogue, list) and all(
            isinstance(u, dict) and u.get("role") in ROLES and isinstance(u.get("text"), str) for u in dialogue)

    return read_jsonl(path, valid, "a list of utterances {text, role: SEEKER|RECOMMENDER, movie_link, entity_link}",
                      "UniCRS dialogues", syntax="a JSON list of utterances")


def _merged(dialogue: list[dict], ids: dict[str, int]) -> list[tuple[str, str, list[int], list[int]]]:
    """``(role, text, item ids, entity ids)`` with consecutive same-role utterances merged."""
    merged = []
    for u in dialogue:
        role = ROLES[u["role"]]
        movies = [ids[x] for x in u.get("movie_link") or [] if x in ids]
        entities = [ids[x] for x in u.get("entity_link") or [] if x in ids]
        if merged and merged[-1][0] == role:
            r, text, m, e = merged[-1]
            merged[-1] = (r, f"{text} {u['text']}".strip(), m + movies, e + entities)
        else:
            merged.append((role, u["text"].strip(), movies, entities))
    return merged


def dialogue_rows(dialogue: list[dict], ids: dict[str, int], catalog: set[int], dialog_id: str) -> tuple[list[dict], Session]:
    """CRSLab rows of one dialogue's recommendation turns, and its session (mentioned items)."""
    rows, context, seen = [], [], []
    mentioned, suggested = [], set()
    for role, text, movies, entities in _merged(dialogue, ids):
        items = [m for m in dict.fromkeys(movies) if m in catalog]
        if role == "recommender" and items and context:
            rows.append({"dialog_id": dialog_id, "turn_id": str(len(rows)), "context": list(context),
                         "rec": items, "prev_entity": list(dict.fromkeys(seen)), "is_user": 0})
        if role == "recommender":
            suggested.update(items)
        context.append(text)
        seen += [*movies, *entities]
        mentioned += items
    return rows, Session(tuple(dict.fromkeys(mentioned)), frozenset(suggested))


def add_dialogues(G: nx.MultiDiGraph, dialogue_files: dict[str, str]) -> tuple[dict, list[str]]:
    """CRSLab turns of each split, and notes; the ``train`` split's sessions give popularity,
    co-mentions and EASE (in place). ``movie_link`` entries name items by their ``uri`` (a UniCRS
    URI, or an imported items file's id)."""
    ids = {d["uri"]: n for n, d in G.nodes(data=True) if d.get("uri")}
    ids |= {f"<{uri}>": n for uri, n in list(ids.items())}
    catalog = {n for n, item in G.nodes(data="item") if item}
    turns, sessions, notes = {}, {}, []
    for split, path in dialogue_files.items():
        dialogues = read_dialogues(path)
        rows, split_sessions = [], []
        for number, dialogue in enumerate(dialogues):
            r, session = dialogue_rows(dialogue, ids, catalog, f"{Path(path).stem}-{number}")
            rows += r
            split_sessions.append(session)
        links = [x for d in dialogues for u in d for x in u.get("movie_link") or []]
        unknown = sum(1 for x in links if x not in ids or ids[x] not in catalog)
        if unknown:
            notes.append(f"{path}: {unknown:,} of {len(links):,} movie links are not catalog items (ignored)")
        notes.append(f"{path}: {len(dialogues):,} dialogues, {len(rows):,} recommendation turns ({split})")
        turns[split], sessions[split] = rows, split_sessions
    if "train" in sessions:
        add_interactions(G, sessions["train"], source=Path(dialogue_files["train"]).name)
        collaborative.add_collaborative(G, [s.items for s in sessions["train"]])
        G.graph["trained_on"] = f"{Path(dialogue_files['train']).name} ({len(sessions['train']):,} dialogues)"
    return turns, notes


def import_unicrs(folder, dialogue_files: dict[str, str] | None = None, *, noun: str = "movie",
                  name: str | None = None, relation_types: dict[str, str] | None = None) -> Imported:
    """Graph + turns of a UniCRS KG folder and dialogue files ``{"train": path, "valid": path}``."""
    G, notes = read_unicrs_kg(folder, noun=noun, name=name, relation_types=relation_types)
    turns, more = add_dialogues(G, dialogue_files or {})
    return Imported(G, turns, tuple(notes + more))
