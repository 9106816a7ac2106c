"""Recommendation turns to replay and score: one :class:`EvalTurn` type, one :func:`load_turns`.

Two input formats give the same :class:`EvalTurn` values:

* CRSLab's ``test.jsonl`` (``data/redial_kg/test.jsonl``, 3,552 turns): only ``context``,
  ``rec``, ``prev_entity``, ``dialog_id``, ``turn_id`` and ``is_user`` are read. ``entity``,
  ``entity_name``, ``resp`` and ``input`` are never read: the first three contain the answer.
  The context alternates speakers and ends with the seeker (the response is the recommender's),
  so roles are assigned from the end; the leading ``""`` is padding and is dropped.
* The official ReDial format (``data/redial/test_data.jsonl``), converted through
  :func:`kgrec.kg.sources.redial.recommendation_turns` (same conventions as CRSLab's preparation).

The fine-tuning validation (``kgrec.evaluation.validation``) reads the same turns, through
:func:`split_turns` for a graph's own train/valid split.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kgrec.kg.errors import DataFileError, KgrecError
from kgrec.kg.sources.redial import RECOMMENDER, SEEKER, TRAIN_FILE, VALID_FILE, Utterance

#: the fields of test.jsonl that are input; the others (entity, entity_name, resp) hold the answer
CRSLAB_INPUT_FIELDS = ("context", "rec", "prev_entity", "dialog_id", "turn_id", "is_user")
SPLIT_FILES = {"train": TRAIN_FILE, "valid": VALID_FILE}  # fine-tuning reads these, never the test split


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
    """Official ReDial dialogues as turns, through :func:`kgrec.kg.sources.redial.recommendation_turns`.

    The questionnaires' liked/disliked answers are filled in after the dialogue, so they are
    not used as input; ``annotated`` is the ``@id`` mentions of the context.
    """
    from kgrec.kg.sources.redial import recommendation_turns

    return as_eval_turns(recommendation_turns(G, dialogues))


def as_eval_turns(turns: Iterable) -> list[EvalTurn]:
    """``kgrec.kg.sources.redial.Turn`` values as :class:`EvalTurn` (turn ids ``dialog#n``, n from 0 per dialogue)."""
    out, index = [], {}
    for turn in turns:
        index[turn.dialog_id] = index.get(turn.dialog_id, -1) + 1
        out.append(EvalTurn(turn.dialog_id, f"{turn.dialog_id}#{index[turn.dialog_id]}",
                            turn.context, turn.mentioned, turn.targets))
    return out


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
        from kgrec.kg.sources.redial import load_dialogues

        if G is None:
            raise ValueError("the official ReDial format needs the graph to map movie ids")
        return official_turns(G, load_dialogues(path))
    raise DataFileError(path, 1, "CRSLab turns (context, rec) or ReDial dialogues (messages)")


def split_turns(G: nx.MultiDiGraph, split: str) -> list:
    """``kgrec.kg.sources.redial.Turn`` values of the ``"train"`` or ``"valid"`` split (never test), for fine-tuning:
    an imported graph's own (``kgrec.kg.storage.registry.graph_turns``), else ReDial's."""
    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import load_dialogues, recommendation_turns
    from kgrec.kg.storage.registry import graph_turns

    if split not in SPLIT_FILES:
        raise ValueError(f"split {split!r}: only {tuple(SPLIT_FILES)} are used for training")
    if G.graph.get("folder"):
        turns = graph_turns(G, split)
        if turns is None:
            raise KgrecError(f"graph {G.graph.get('name')!r} has no imported {split} turns; "
                             f"import it with --dialogues {split}=FILE")
        return turns
    return recommendation_turns(G, load_dialogues(data_dir() / SPLIT_FILES[split]))


def turn_context(turn):
    """A ``kgrec.kg.sources.redial.Turn`` as the ranker reads it in training and validation (``kgrec.agent.ranking.RankContext``):
    the questionnaire's liked/disliked and the whole context."""
    from kgrec.agent.ranking import RankContext, conversation_text

    text = conversation_text((u.role, u.text) for u in turn.context)
    return RankContext(liked=tuple(turn.liked), disliked=tuple(turn.disliked), text=text)


def turn_candidates(G: nx.MultiDiGraph, turn, k: int) -> list:
    """The retriever's candidates for a ``kgrec.kg.sources.redial.Turn``: seeded by the context's movies, excluding them."""
    from kgrec.kg.query.retrieval import retrieve
    from kgrec.kg.schema import Constraints

    disliked = set(turn.disliked)
    seeds = [m for m in turn.mentioned if m not in disliked]
    return retrieve(G, seeds, Constraints(exclude=frozenset(turn.mentioned)), k=k)


def _lines(path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror})") from e


def sample_turns(turns: Sequence[EvalTurn], limit: int | None, seed: int) -> list[EvalTurn]:
    """``limit`` turns drawn with ``seed`` (file order kept), or all of them.

    With one seed, the turns of a smaller limit are among those of a larger one.
    """
    if limit is None or limit >= len(turns):
        return list(turns)
    if limit < 1:
        raise KgrecError(f"--limit must be at least 1, got {limit}")
    order = list(range(len(turns)))
    random.Random(seed).shuffle(order)  # a prefix of one shuffle: a smaller limit is a subset of a larger one
    return [turns[i] for i in sorted(order[:limit])]


MIN_CATALOG_LABELS = 0.95  # share of a file's labels that must be catalog items of the graph


def check_labels(path, turns: Sequence[EvalTurn], catalog: Iterable[int], graph_name: str) -> None:
    """Refuse (one line) a turn file whose labels are mostly not catalog items of the graph."""
    catalog = set(catalog)
    labels = [label for t in turns for label in t.labels]
    known = sum(1 for label in labels if label in catalog)
    if not labels or known < MIN_CATALOG_LABELS * len(labels):
        raise KgrecError(f"{path}: {known:,} of {len(labels):,} labels are catalog items of graph {graph_name!r}; "
                         f"expected at least {MIN_CATALOG_LABELS:.0%} (wrong --graph for this file?)")
