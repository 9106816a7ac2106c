"""Typed values the agent exchanges with its callers (UI, eval, Python users)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kg.schema import Fact, Mention


class LanguageModel(Protocol):
    """What the agent needs from a language model (real one: ``agent.llm.LocalLM``)."""

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


@dataclass
class Preferences:
    """What the agent understood so far. Node ids of the KG throughout."""

    liked: list[int] = field(default_factory=list)  # movies or people or genres the user likes
    disliked: list[int] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)
    recommended: list[int] = field(default_factory=list)  # already suggested in this session
    genres: list[int] = field(default_factory=list)  # wanted genres
    not_genres: list[int] = field(default_factory=list)
    people: list[int] = field(default_factory=list)  # wanted people (actor, director)
    not_people: list[int] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    not_years: list[tuple[int, int]] = field(default_factory=list)  # excluded year ranges, inclusive


@dataclass(frozen=True)
class Step:
    """One step of the tool-using loop, for the trace."""

    tool: str
    arguments: dict
    observation: str
    error: bool = False


@dataclass(frozen=True)
class Reply:
    text: str
    items: tuple[RecommendedItem, ...]
    understood: Preferences
    mentions: tuple[Mention, ...]
    trace: tuple[Step, ...]
    notice: str = ""  # e.g. "message capped at 2000 characters"
