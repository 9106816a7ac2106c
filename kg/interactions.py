"""The interaction signal the KG lacks: popularity per item and co-mention edges.

Built from *sessions* (one per dialogue or per user): the items a session mentions and the
ones it was positive about. The movie KG's sessions are the ReDial **train** dialogues
(``kg.redial.TRAIN_FILE``) only: never the test split, never the valid split, which tuning uses::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_nodes_from([1, 2, 3], item=True)
    >>> add_interactions(G, [Session((1, 2), frozenset({1, 2})), Session((1, 2, 3))], source="x")
    >>> G.nodes[1]["popularity"], G.edges[1, 2, "co_mentioned"]["count"], G.edges[1, 2, "co_mentioned"]["liked"]
    (2, 2, 1)
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

from kg.graph import catalog
from kg.locations import data_dir
from kg.redial import MENTION, TRAIN_FILE, load_dialogues, redial_to_node
from kg.schema import CO_MENTIONED



@dataclass(frozen=True)
class Session:
    items: tuple[int, ...]  # catalog items mentioned, first mention order, no repeats
    positive: frozenset[int] = frozenset()  # liked by the user or suggested to them (and not disliked)


def dialogue_session(dialogue: dict, to_node: dict[int, int]) -> Session:
    """The items a ReDial dialogue mentions, and those the seeker liked or was suggested."""
    ids = [m for message in dialogue["messages"] for m in MENTION.findall(str(message.get("text")))]
    ids += list(dialogue.get("movieMentions") or {})
    items = tuple(dict.fromkeys(to_node[int(m)] for m in ids if int(m) in to_node))
    positive = set()
    for movie in dict.fromkeys(ids):
        answers = [(dialogue.get(k) or {}).get(movie) or {}
                   for k in ("initiatorQuestions", "respondentQuestions")]
        liked = next((a["liked"] for a in answers if a.get("liked") in (0, 1)), 2)
        suggested = any(a.get("suggested") == 1 for a in answers)
        if int(movie) in to_node and (liked == 1 or (suggested and liked != 0)):
            positive.add(to_node[int(movie)])
    return Session(items, frozenset(positive))


def redial_sessions(G: nx.MultiDiGraph, dialogues: Iterable[dict]) -> list[Session]:
    """One :class:`Session` per dialogue, on ``G``'s items."""
    to_node = redial_to_node(G)
    return [dialogue_session(d, to_node) for d in dialogues]


def popularity(sessions: Iterable[Session]) -> Counter:
    """Item -> number of sessions that mention it."""
    return Counter(item for s in sessions for item in s.items)


def co_mentions(sessions: Iterable[Session]) -> dict[tuple[int, int], tuple[int, int]]:
    """``(a, b)`` with ``a < b`` -> (sessions mentioning both, sessions positive about both)."""
    count, liked = Counter(), Counter()
    for s in sessions:
        for a, b in combinations(sorted(s.items), 2):
            count[a, b] += 1
            liked[a, b] += a in s.positive and b in s.positive
    return {pair: (count[pair], liked[pair]) for pair in count}


def add_interactions(G: nx.MultiDiGraph, sessions: Iterable[Session], *, source: str) -> None:
    """Set ``popularity`` on every item and add ``co_mentioned`` edges both ways (in place)."""
    sessions = list(sessions)
    counts = popularity(sessions)
    for node in catalog(G):
        G.nodes[node]["popularity"] = counts.get(node, 0)
    for (a, b), (count, liked) in co_mentions(sessions).items():
        if a in G and b in G:
            for head, tail in ((a, b), (b, a)):
                G.add_edge(head, tail, key=CO_MENTIONED, relation=CO_MENTIONED, source=source,
                           count=count, liked=liked)


def add_redial_interactions(G: nx.MultiDiGraph, path=None) -> list[Session]:
    """Popularity and co-mentions from the ReDial train split; returns its sessions."""
    sessions = redial_sessions(G, load_dialogues(path or data_dir() / TRAIN_FILE))
    add_interactions(G, sessions, source="redial")
    return sessions
