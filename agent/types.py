"""Typed values the agent exchanges with its callers (UI, eval, Python users)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Protocol

from kgrec.kg.schema import Fact, Mention


class LanguageModel(Protocol):
    """What the agent needs from a language model (real one: ``kgrec.agent.scoring.LocalLM``)."""

    def chat_prompt(self, system: str, user: str) -> str:
        """Full prompt text for one system + user turn, ready for the assistant's answer."""

    def score(self, prompt: str, continuations: Sequence[str], normalize: bool = True) -> list[float]:
        """Log-likelihood of each continuation after ``prompt`` (mean per token if ``normalize``)."""

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        """Index of the most likely option; never outside ``range(len(options))``."""

    def stream(self, prompt: str, max_new_tokens: int = 64) -> Iterator[str]:
        """Generated text, piece by piece."""


@dataclass(frozen=True)
class Ranked:
    """A candidate after the model's ranking."""

    item: int
    score: float  # final combined score (higher is better)
    lm_score: float
    retrieval_score: float


@dataclass(frozen=True)
class Explanation:
    """Why an item is recommended: KG paths, each a list of real edges, and their text."""

    item: int
    paths: tuple[tuple[Fact, ...], ...]
    text: str


@dataclass(frozen=True)
class RecommendedItem:
    item: int  # catalog entity id
    title: str  # e.g. "Police Academy 2: Their First Assignment (1985)"
    score: float
    explanation: Explanation


def _pref(kind: str, help: str, *, group: str | None = None, saved: bool = True, anchor: bool = False,
          row: str = ""):
    """A ``Preferences`` field. ``kind``: "nodes", "year" or "ranges"; ``group``: its heading in the
    UI's "what I understood" panel (None: not shown); ``saved``: kept in profiles; ``anchor``: enough
    on its own to recommend from; ``row``: the panel's label for a value that is not a node, or
    around a node's name ("about: {}")."""
    metadata = {"kind": kind, "help": help, "group": group, "saved": saved, "anchor": anchor, "row": row}
    return field(default=None if kind == "year" else (), metadata=metadata)


@dataclass(frozen=True)
class Preferences:
    """What the agent understood so far. Node ids of the KG throughout; a new object per change
    (``kgrec.agent.preferences``). Lists given are stored as tuples.

    >>> Preferences(liked=[7]).liked
    (7,)
    """

    liked: tuple[int, ...] = _pref("nodes", "items, people or genres the user likes", group="Likes", anchor=True)
    disliked: tuple[int, ...] = _pref("nodes", "items, people or genres the user dislikes", group="Dislikes")
    seen: tuple[int, ...] = _pref("nodes", "items the user has seen", group="Seen")
    recommended: tuple[int, ...] = _pref("nodes", "already suggested in this session", saved=False)
    genres: tuple[int, ...] = _pref("nodes", "wanted genres", group="Wanted", anchor=True)
    not_genres: tuple[int, ...] = _pref("nodes", "excluded genres", group="Avoid", anchor=True)
    themes: tuple[int, ...] = _pref("nodes", "what the items should be about (theme nodes: time travel)",
                                    group="About", anchor=True, row="about: {}")
    not_themes: tuple[int, ...] = _pref("nodes", "themes to avoid", group="Avoid", anchor=True, row="not about: {}")
    people: tuple[int, ...] = _pref("nodes", "wanted people (actor, director, author)", group="Wanted", anchor=True)
    not_people: tuple[int, ...] = _pref("nodes", "excluded people", group="Avoid", anchor=True)
    year_min: int | None = _pref("year", "earliest year", group="Years", anchor=True, row="from {}")
    year_max: int | None = _pref("year", "latest year", group="Years", anchor=True, row="until {}")
    not_years: tuple[tuple[int, int], ...] = _pref("ranges", "excluded year ranges, inclusive", group="Years",
                                                   anchor=True, row="not {}")

    def __post_init__(self):
        for name in preference_fields(kind="nodes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "not_years", tuple(tuple(r) for r in self.not_years))


def preference_fields(**metadata) -> tuple[str, ...]:
    """Names of the ``Preferences`` fields whose metadata match, in order (all with no arguments).

    >>> preference_fields(kind="year")
    ('year_min', 'year_max')
    """
    return tuple(f.name for f in fields(Preferences) if all(f.metadata[k] == v for k, v in metadata.items()))


@dataclass(frozen=True)
class Reply:
    text: str
    items: tuple[RecommendedItem, ...]
    understood: Preferences
    mentions: tuple[Mention, ...]
    trace: tuple  # kgrec.agent.steps.Step, in order: what the turn did
    notice: str = ""  # e.g. "message capped at 2000 characters"
