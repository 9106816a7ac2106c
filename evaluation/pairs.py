"""Conversation -> item pairs of the dense encoder: what it reads for a ReDial turn and each movie the
recommender suggested there. ``kgrec.finetune.dense`` trains and validates on them; ``kgrec.evaluation.sentence_baseline``
measures a baseline on the same valid pairs (so evaluation never imports finetune).

    >>> Pair("User: a heist movie", 3, (4,)).hard
    ()
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from kgrec.agent.ranking import query_text, recent_text


@dataclass(frozen=True)
class Pair:
    text: str  # what the encoder reads (a conversation as kgrec.agent.ranking.query_text writes it)
    target: int  # row of the item to find
    context: tuple[int, ...]  # rows masked out: never the answer, never a negative
    hard: tuple[int, ...] = ()  # rows of the KG retriever's near misses (hard negatives)
    kind: str = "redial"  # "redial" | "content" | "kg" | "mentions"
    liked: tuple[int, ...] = ()  # rows of the liked items it names (the liked-movie vectors read them)


def turn_text(G: nx.MultiDiGraph, turn) -> str:
    """``query_text`` of a ``kgrec.kg.sources.redial.Turn``: liked = its movies not disliked, then the conversation."""
    disliked = set(turn.disliked)
    said = recent_text([(u.role, u.text) for u in turn.context]) if turn.context else ""
    return query_text(G, [m for m in turn.mentioned if m not in disliked], list(turn.disliked), said)


def near_misses(G: nx.MultiDiGraph, turn, row: dict[int, int], n: int) -> tuple[int, ...]:
    """Rows of the KG retriever's ``n`` best candidates for ``turn`` that it should not suggest."""
    if n == 0 or not turn.mentioned:
        return ()
    from kgrec.evaluation.turns import turn_candidates

    found = [c.item for c in turn_candidates(G, turn, n + len(turn.targets))]
    return tuple(row[i] for i in found if i not in turn.targets and i in row)[:n]


def pairs(G: nx.MultiDiGraph, turns, items: Sequence[int], hard: int = 0) -> list[Pair]:
    """One pair per (turn, suggested catalog movie not already mentioned)."""
    row = {int(n): i for i, n in enumerate(items)}
    out = []
    for turn in turns:
        text, context = turn_text(G, turn), tuple(row[m] for m in turn.mentioned if m in row)
        disliked = set(turn.disliked)
        liked = tuple(row[m] for m in turn.mentioned if m in row and m not in disliked)  # as turn_text names them
        targets = [t for t in turn.targets if t in row and t not in turn.mentioned]
        misses = near_misses(G, turn, row, hard) if targets else ()
        out += [Pair(text, row[t], context, misses, liked=liked) for t in targets]
    return out
