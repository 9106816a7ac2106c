"""The interaction signal the KG lacks: popularity per item and co-mention edges.

Built from *sessions* (one per dialogue or per user): the items a session mentions, in order,
and the ones it was positive or negative about. The movie KG's sessions are ReDial's **train**
conversations (``redial_train_sessions``): the dialogues with text (``kgrec.kg.sources.redial.TRAIN_FILE``) and
the mention sequences of the others (``MENTIONS_FILE``, the interactions-file format of
:func:`read_sessions`), one per conversation id; never the test split, never a conversation of the
valid split, which tuning uses::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_nodes_from([1, 2, 3], item=True)
    >>> add_interactions(G, [Session((1, 2), frozenset({1, 2})), Session((1, 2, 3))], source="x")
    >>> from kgrec.kg.comentions import co_mentions
    >>> G.nodes[1]["popularity"], co_mentions(G).pair(1, 2)  # (count, liked)
    (2, (2, 1))
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kgrec.kg.comentions import count_co_mentions, set_co_mentions
from kgrec.kg.errors import DataFileError
from kgrec.kg.graph import catalog
from kgrec.kg.jsonl import read_jsonl
from kgrec.kg.locations import data_dir
from kgrec.kg.sources.build import REDIAL_FILES
from kgrec.kg.sources.redial import MENTION, TRAIN_FILE, VALID_FILE, load_dialogues, redial_to_node

MENTIONS_FILE = "redial/train_mentions.jsonl"  # derived by kgrec.kg.sources.redial_sources
SESSION_FORMAT = '{"session": ID, "items": [[ITEM, 1|0|null], ...]} (or "items": [ITEM, ...])'


@dataclass(frozen=True)
class Session:
    items: tuple[int, ...]  # catalog items mentioned, first mention order, no repeats
    positive: frozenset[int] = frozenset()  # liked by the user or suggested to them (and not disliked)
    negative: frozenset[int] = frozenset()  # disliked
    sequence: tuple[int, ...] = ()  # every mention in order, repeats kept (() = ``items``)


def dialogue_session(dialogue: dict, to_node: dict[int, int]) -> Session:
    """The items a ReDial dialogue mentions, and those the seeker liked or was suggested, or disliked."""
    written = [m for message in dialogue["messages"] for m in MENTION.findall(str(message.get("text")))]
    ids = written + list(dialogue.get("movieMentions") or {})
    items = tuple(dict.fromkeys(to_node[int(m)] for m in ids if int(m) in to_node))
    positive, negative = set(), set()
    for movie in dict.fromkeys(ids):
        answers = [(dialogue.get(k) or {}).get(movie) or {}
                   for k in ("initiatorQuestions", "respondentQuestions")]
        liked = next((a["liked"] for a in answers if a.get("liked") in (0, 1)), 2)
        suggested = any(a.get("suggested") == 1 for a in answers)
        if int(movie) in to_node and (liked == 1 or (suggested and liked != 0)):
            positive.add(to_node[int(movie)])
        elif int(movie) in to_node and liked == 0:
            negative.add(to_node[int(movie)])
    sequence = tuple(to_node[int(m)] for m in written if int(m) in to_node)
    return Session(items, frozenset(positive), frozenset(negative), sequence)


def redial_sessions(G: nx.MultiDiGraph, dialogues: Iterable[dict]) -> list[Session]:
    """One :class:`Session` per dialogue, on ``G``'s items."""
    to_node = redial_to_node(G)
    return [dialogue_session(d, to_node) for d in dialogues]


def popularity(sessions: Iterable[Session]) -> Counter:
    """Item -> number of sessions that mention it."""
    return Counter(item for s in sessions for item in s.items)


def add_interactions(G: nx.MultiDiGraph, sessions: Iterable[Session], *, source: str) -> None:
    """Set ``popularity`` on every item and the graph's co-mentions (in place): pairs of ``G``'s
    nodes with the sessions mentioning both (``count``) and positive about both (``liked``), counted
    as a sparse ``XᵀX`` and kept as one matrix on ``G.graph`` (``kgrec.kg.comentions``), not as edges."""
    sessions = list(sessions)
    counts = popularity(sessions)
    for node in catalog(G):
        G.nodes[node]["popularity"] = counts.get(node, 0)
    set_co_mentions(G, count_co_mentions([s.items for s in sessions], [s.positive for s in sessions], G,
                                         source=source))


def labelled_session(labelled: Iterable[tuple[int, bool | None]]) -> Session:
    """A :class:`Session` from ``(item, like)`` in order (``like``: True, False or None = no label;
    an item's last label counts)."""
    labelled = list(labelled)
    sequence = [item for item, _ in labelled]
    labels = {item: like for item, like in labelled if like is not None}
    return Session(tuple(dict.fromkeys(sequence)), frozenset(i for i, like in labels.items() if like),
                   frozenset(i for i, like in labels.items() if like is False), tuple(sequence))


def _session_line(value) -> bool:
    def entry(e) -> bool:
        return isinstance(e, (str, int)) or (isinstance(e, list) and len(e) == 2 and isinstance(e[0], (str, int))
                                             and e[1] in (0, 1, None))
    return (isinstance(value, dict) and isinstance(value.get("session"), (str, int))
            and isinstance(value.get("items"), list) and all(entry(e) for e in value["items"]))


def read_sessions(path, items: Mapping[str, int], *, skip_unknown: bool = False) -> dict[str, Session]:
    """Session id -> :class:`Session` of an interactions JSONL file (one session per line, items in
    order, :data:`SESSION_FORMAT`); ``items`` maps the file's item ids to node ids. An unknown item is a
    ``DataFileError`` naming its line, or dropped with ``skip_unknown``; a repeated session id is an error."""
    rows = read_jsonl(path, _session_line, SESSION_FORMAT, "interactions, one session per line")
    sessions: dict[str, Session] = {}
    for number, row in enumerate(rows, 1):
        key = str(row["session"])
        if key in sessions:
            raise DataFileError(Path(path), number, f"one line per session; {key!r} repeats")
        pairs = [(str(e[0]), e[1]) if isinstance(e, list) else (str(e), None) for e in row["items"]]
        unknown = next((i for i, _ in pairs if i not in items), None)
        if unknown is not None and not skip_unknown:
            raise DataFileError(Path(path), number, f"item ids of the items file, got {unknown!r}")
        sessions[key] = labelled_session([(items[i], None if like is None else bool(like))
                                          for i, like in pairs if i in items])
    return sessions


@dataclass(frozen=True)
class TrainingSessions:
    """What the movie KG learns from: one session per train conversation, and where each came from."""

    sessions: list[Session]
    dialogues: int  # sessions from dialogues with text (train.jsonl)
    mentions: int  # sessions from the mention file only
    valid: int  # conversations of valid.jsonl, never used (whether or not a file here holds them)

    def describe(self) -> str:
        return (f"{TRAIN_FILE} + {MENTIONS_FILE} ({len(self.sessions):,} conversations: {self.dialogues:,} "
                f"dialogues with text, {self.mentions:,} as mentions only; valid's {self.valid} excluded)")


def redial_train_sessions(G: nx.MultiDiGraph, root=None) -> TrainingSessions:
    """ReDial's train conversations on ``G``'s items: each dialogue of ``train.jsonl``, then each
    conversation of ``train_mentions.jsonl`` it lacks, by conversation id; ids of ``valid.jsonl`` never."""
    root = Path(root or data_dir())
    valid = {str(d["conversationId"]) for d in load_dialogues(root / VALID_FILE)}
    to_node = redial_to_node(G, root / REDIAL_FILES[1])
    dialogues = {str(d["conversationId"]): d for d in load_dialogues(root / TRAIN_FILE)}
    mentions = read_sessions(root / MENTIONS_FILE, {str(k): v for k, v in to_node.items()}, skip_unknown=True)
    kept = {k: dialogue_session(d, to_node) for k, d in dialogues.items() if k not in valid}
    only = {k: s for k, s in mentions.items() if k not in kept and k not in valid}
    return TrainingSessions([*kept.values(), *only.values()], len(kept), len(only), len(valid))


def add_redial_interactions(G: nx.MultiDiGraph, root=None) -> TrainingSessions:
    """Popularity and co-mentions from ReDial's train conversations; returns them."""
    training = redial_train_sessions(G, root)
    add_interactions(G, training.sessions, source="redial")
    return training
