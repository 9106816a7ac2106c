"""Replay ReDial's recommendation turns through kgrec and score its rankings (``kgrec eval redial``).

Two input formats give the same :class:`EvalTurn` values:

* CRSLab's ``test.jsonl`` (``data/redial_kg/test.jsonl``, 3,552 turns): only ``context``,
  ``rec``, ``prev_entity``, ``dialog_id``, ``turn_id`` and ``is_user`` are read. ``entity``,
  ``entity_name``, ``resp`` and ``input`` are never read: the first three contain the answer.
  The context alternates speakers and ends with the seeker (the response is the recommender's),
  so roles are assigned from the end; the leading ``""`` is padding and is dropped.
* The official ReDial format (``data/redial/test_data.jsonl``), converted through
  :func:`kg.redial.recommendation_turns` (same conventions as CRSLab's preparation).

Every system returns a ranking; :func:`pad` completes it with a fallback order over the whole
catalog (so Recall@50 is defined for every system) and keeps what the system itself returned,
off-catalog items included, so the off-catalog share measures the system and not the padding.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import networkx as nx

from bench import metrics
from kg.errors import DataFileError, KgrecError
from kg.redial import RECOMMENDER, SEEKER, Utterance

#: the fields of test.jsonl that are input; the others (entity, entity_name, resp) hold the answer
CRSLAB_INPUT_FIELDS = ("context", "rec", "prev_entity", "dialog_id", "turn_id", "is_user")
KS = (1, 10, 50)
KEEP = max(KS)  # ranking entries kept per turn (plus the context items, for the new-items variant)


@dataclass(frozen=True)
class EvalTurn:
    """One recommendation turn: what the system may see, and the labels it is scored against."""

    dialog_id: str
    turn_id: str
    context: tuple[Utterance, ...]  # the dialogue so far, ending with the seeker
    annotated: tuple[int, ...]  # the file's context entities (prev_entity / @ids), in order
    labels: tuple[int, ...]  # items the real recommender suggested next


def roles_from_end(utterances: Sequence[str]) -> tuple[Utterance, ...]:
    """Alternating utterances whose last one is the seeker's; empty ones (padding) dropped.

    >>> [u.role for u in roles_from_end(["", "hi", "what do you like?", "comedies"])]
    ['seeker', 'recommender', 'seeker']
    """
    n = len(utterances)
    roles = [SEEKER if (n - 1 - i) % 2 == 0 else RECOMMENDER for i in range(n)]
    return tuple(Utterance(role, text.strip()) for role, text in zip(roles, utterances) if text.strip())


def crslab_turn(row: dict) -> EvalTurn:
    """One ``test.jsonl`` row as an :class:`EvalTurn`; reads only :data:`CRSLAB_INPUT_FIELDS`."""
    row = {key: row[key] for key in CRSLAB_INPUT_FIELDS if key in row}
    context, rec = row.get("context"), row.get("rec")
    if not isinstance(context, list) or not all(isinstance(u, str) for u in context):
        raise ValueError("'context' must be a list of strings")
    if not isinstance(rec, list) or not all(isinstance(i, int) for i in rec):
        raise ValueError("'rec' must be a list of entity ids")
    if row.get("is_user", 0) != 0:
        raise ValueError("'is_user' must be 0 (a recommender's turn)")
    annotated = row.get("prev_entity") or []
    return EvalTurn(str(row.get("dialog_id", "")), str(row.get("turn_id", "")),
                    roles_from_end(context), tuple(int(e) for e in annotated),
                    tuple(dict.fromkeys(rec)))


def read_crslab_turns(path) -> list[EvalTurn]:
    """All turns of a CRSLab-format file; a bad line raises ``DataFileError`` naming it."""
    turns = []
    for number, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        try:
            turns.append(crslab_turn(json.loads(line)))
        except (json.JSONDecodeError, ValueError, TypeError) as e:
            raise DataFileError(path, number, f"a CRSLab turn with {', '.join(CRSLAB_INPUT_FIELDS[:2])} ({e})") from e
    return turns


def official_turns(G: nx.MultiDiGraph, dialogues: list[dict]) -> list[EvalTurn]:
    """Official ReDial dialogues as turns, through :func:`kg.redial.recommendation_turns`.

    The questionnaires' liked/disliked answers are filled in after the dialogue, so they are
    not used as input; ``annotated`` is the ``@id`` mentions of the context.
    """
    from kg.redial import recommendation_turns

    turns, index = [], {}
    for turn in recommendation_turns(G, dialogues):
        index[turn.dialog_id] = index.get(turn.dialog_id, -1) + 1
        turns.append(EvalTurn(turn.dialog_id, f"{turn.dialog_id}#{index[turn.dialog_id]}",
                              turn.context, turn.mentioned, turn.targets))
    return turns


def load_turns(path, G: nx.MultiDiGraph | None = None) -> list[EvalTurn]:
    """Turns from either format, recognised by the first line's keys."""
    first = next((line for line in _lines(path) if line.strip()), None)
    if first is None:
        raise DataFileError(path, None, "a non-empty JSONL file of ReDial dialogues or CRSLab turns")
    try:
        keys = set(json.loads(first))
    except (json.JSONDecodeError, TypeError) as e:
        raise DataFileError(path, 1, f"a JSON object ({e})") from e
    if {"context", "rec"} <= keys:
        return read_crslab_turns(path)
    if "messages" in keys:
        from kg.redial import load_dialogues

        if G is None:
            raise ValueError("the official ReDial format needs the graph to map movie ids")
        return official_turns(G, load_dialogues(path))
    raise DataFileError(path, 1, "CRSLab turns (context, rec) or ReDial dialogues (messages)")


def _lines(path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror})") from e


def sample_turns(turns: Sequence[EvalTurn], limit: int | None, seed: int) -> list[EvalTurn]:
    """``limit`` turns drawn with ``seed`` (file order kept), or all of them."""
    if limit is None or limit >= len(turns):
        return list(turns)
    if limit < 1:
        raise KgrecError(f"--limit must be at least 1, got {limit}")
    chosen = sorted(random.Random(seed).sample(range(len(turns)), limit))
    return [turns[i] for i in chosen]


# --- systems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """What the systems share for one turn: the input entities and the retriever's candidates."""

    turn: EvalTurn
    entities: tuple[int, ...]  # context entities the system uses (linked from text, or annotated)
    candidates: tuple  # kg.schema.Candidate, retriever order


class System(Protocol):
    name: str

    def rank(self, prepared: Prepared) -> list[int]:
        """Items for this turn, best first (may be short; the harness pads it)."""


@dataclass
class Popularity:
    """Most-mentioned movies of the train subset, the same list every turn."""

    order: list[int]
    name: str = "popularity"

    def rank(self, prepared: Prepared) -> list[int]:
        return self.order


@dataclass
class RetrieverOnly:
    """The KG retriever's candidate order, no model."""

    name: str = "retriever"

    def rank(self, prepared: Prepared) -> list[int]:
        return [c.item for c in prepared.candidates]


def popularity_order(G: nx.MultiDiGraph, catalog: Iterable[int]) -> list[int]:
    """Catalog items by train-subset popularity (node attr ``popularity``), ties by id."""
    return sorted(catalog, key=lambda n: (-int(G.nodes[n].get("popularity") or 0), n))


def pad(ranking: Sequence[int], fallback: Sequence[int], length: int) -> list[int]:
    """``ranking`` (duplicates dropped) completed with ``fallback`` items, cut to ``length``.

    >>> pad([3, 3, 9], [1, 2, 3], 4)
    [3, 9, 1, 2]
    """
    out = list(dict.fromkeys(ranking))[:length]
    seen = set(out)
    for item in fallback:
        if len(out) >= length:
            break
        if item not in seen:
            out.append(item)
            seen.add(item)
    return out


def replay(
    turns: Sequence[EvalTurn],
    systems: Sequence[System],
    prepare: Callable[[EvalTurn], Prepared],
    fallback: Sequence[int],
    progress: Callable[[Iterable], Iterable] = iter,
) -> dict[str, list[list[int]]]:
    """Each system's padded ranking per turn (``KEEP`` + context-size entries, enough for every metric)."""
    rankings: dict[str, list[list[int]]] = {s.name: [] for s in systems}
    for turn in progress(turns):
        prepared = prepare(turn)
        length = KEEP + len(set(turn.annotated) | set(prepared.entities))
        for system in systems:
            rankings[system.name].append(pad(system.rank(prepared), fallback, length))
    return rankings


def score(
    turns: Sequence[EvalTurn], rankings: dict[str, list[list[int]]], catalog: Sequence[int]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{system: {"all": metrics, "new_items": metrics}}`` on the same turns.

    The new-items variant (He et al. 2023) drops labels that repeat a movie of the context
    (the file's annotation, so every system is judged on the same labels).
    """
    labels = [list(t.labels) for t in turns]
    mentioned = [set(t.annotated) for t in turns]
    result = {}
    for name, system_rankings in rankings.items():
        new_rankings, new_labels = metrics.exclude_mentioned(system_rankings, labels, mentioned)
        result[name] = {
            "all": metrics.summarize([r[:KEEP] for r in system_rankings], labels, catalog, KS),
            "new_items": metrics.summarize([r[:KEEP] for r in new_rankings], new_labels, catalog, KS),
        }
    return result
