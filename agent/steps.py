"""One turn's state and its steps: what ran, as frozen values, and what may run next.

``Recommender.stream`` (``agent.play``) starts a :class:`TurnState` from the message as
understood and lets :func:`next_action` say what may come next; each action returns a new state
with one more typed step (:class:`Retrieved`, :class:`Explained`, ...). The stream yields each
step as it comes (the page shows ``step.line(G)``: "linked Police Academy (1984)", "retrieved 50",
"explained 3"), and the finished ``Reply.trace`` is the tuple of them. The evaluation replays the
same decision on a replayed conversation (``kgrec.evaluation.systems.AgentReplay``).

    >>> from kgrec.agent.types import Preferences
    >>> from kgrec.agent.turn import Before, Understood
    >>> from kgrec.agent.understanding import Understanding
    >>> state = TurnState(Before(Preferences()), Understood("hello", Understanding(), Preferences(), ""))
    >>> next_action(state)
    ('ask_question',)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import networkx as nx

from kgrec.agent import turn as stages
from kgrec.agent.types import Preferences, Ranked, RecommendedItem
from kgrec.kg.graph import display
from kgrec.kg.schema import Candidate, Fact, Mention

#: what a turn may do besides answering, in the order of :func:`next_action`'s checks
ACTIONS = ("search_entities", "get_facts", "retrieve_candidates", "ask_question", "rank_candidates", "explain_items")


@dataclass(frozen=True)
class Step:
    """One step of a turn. ``tool``: which (an action's name); ``error``: why it failed ("" if it did not)."""

    tool: ClassVar[str] = "step"
    error: str = field(default="", kw_only=True)

    def line(self, G: nx.MultiDiGraph) -> str:
        """The step in a few words, for the page ("retrieved 50")."""
        return self.tool


@dataclass(frozen=True)
class Linked(Step):
    """The message linked and read (``kgrec.agent.turn.understand``): the mentions it names."""

    tool: ClassVar[str] = "understand"
    mentions: tuple[Mention, ...]

    def line(self, G: nx.MultiDiGraph) -> str:
        return "linked " + (", ".join(m.name for m in self.mentions) or "nothing")


@dataclass(frozen=True)
class Chose(Step):
    """The model could not choose the next action (busy): the default was taken."""

    tool: ClassVar[str] = "choose_action"
    options: tuple[str, ...]

    def line(self, G: nx.MultiDiGraph) -> str:
        return f"took {self.options[0]}: {self.error}"


@dataclass(frozen=True)
class Asked(Step):
    """A question back: nothing to recommend from yet (or the model chose to ask)."""

    tool: ClassVar[str] = "ask_question"

    def line(self, G: nx.MultiDiGraph) -> str:
        return "asked what the user wants"


@dataclass(frozen=True)
class Searched(Step):
    """A title the graph does not know, looked up by name: the closest items."""

    tool: ClassVar[str] = "search_entities"
    title: str
    found: tuple[int, ...]

    def line(self, G: nx.MultiDiGraph) -> str:
        return f"searched {self.title[:80]!r}: " + (", ".join(display(G, n) for n in self.found) or "nothing close")


@dataclass(frozen=True)
class GotFacts(Step):
    """The graph's facts about the node a question is about."""

    tool: ClassVar[str] = "get_facts"
    subject: int
    facts: tuple[Fact, ...]

    def line(self, G: nx.MultiDiGraph) -> str:
        return f"found {len(self.facts)} facts about {display(G, self.subject)}"


@dataclass(frozen=True)
class Retrieved(Step):
    """Every retriever's list for the request, and their fusion (``kgrec.agent.turn.retrieve``)."""

    tool: ClassVar[str] = "retrieve_candidates"
    request: stages.Request
    lists: dict[str, list[Candidate]]  # by retriever, already filtered (kgrec.agent.turn.candidate_lists)
    candidates: tuple[Candidate, ...]  # fused, best first, at most request.k

    def line(self, G: nx.MultiDiGraph) -> str:
        from kgrec.agent.replies import nouns

        return f"retrieved {len(self.candidates)}" if self.candidates else f"no {nouns(G)['noun']} satisfies these filters"


@dataclass(frozen=True)
class Reranked(Step):
    """The model's order of the pool (``kgrec.agent.turn.rank``); on an error, the retrieval order."""

    tool: ClassVar[str] = "rank_candidates"
    ranked: tuple[Ranked | Candidate, ...]

    def line(self, G: nx.MultiDiGraph) -> str:
        return f"kept the retrieval order: {self.error}" if self.error else f"ranked {len(self.ranked)} with the model"


@dataclass(frozen=True)
class Explained(Step):
    """The items shown, each with a KG path to what the user likes (``kgrec.agent.explain``)."""

    tool: ClassVar[str] = "explain_items"
    items: tuple[RecommendedItem, ...]

    def line(self, G: nx.MultiDiGraph) -> str:
        return f"explained {len(self.items)}" + (f" (without paths: {self.error})" if self.error else "")


@dataclass(frozen=True)
class TurnState:
    """A turn in progress: the session before the message, the message understood, what ran so far."""

    before: stages.Before
    understood: stages.Understood
    encoder: bool = False  # a dense list answers content words (the graph weighs the LM encoder)
    steps: tuple[Step, ...] = ()  # the trace so far
    pieces: tuple[str, ...] = ()  # the reply's text so far, piece by piece
    asked: bool = False
    searched: bool = False
    facts: tuple[Fact, ...] | None = None
    retrieved: Retrieved | None = None
    ranked: tuple[Ranked | Candidate, ...] | None = None  # the pool in the order shown
    items: tuple[RecommendedItem, ...] = ()

    @property
    def prefs(self) -> Preferences:
        return self.understood.prefs

    @property
    def candidates(self) -> tuple[Candidate, ...] | None:
        """The fused candidates, None before retrieval."""
        return None if self.retrieved is None else self.retrieved.candidates

    @property
    def taken(self) -> int:
        """Steps counted against ``AgentConfig.max_steps`` (linking is not one)."""
        return sum(not isinstance(s, Linked) for s in self.steps)


def next_action(state: TurnState) -> tuple[str, ...]:
    """What may come next, the default first ("answer": the turn is done); one option = decided.

    Pure: the same state always allows the same actions. Where two are allowed the model may
    choose (``AgentConfig.lm_chooses_actions``); the replay takes the default.
    """
    u, p = state.understood.u, state.prefs
    if u.contradictions or state.asked:
        return ("answer",)
    if u.unknown_titles and not state.searched:
        return ("search_entities",)
    if u.fact_relations is not None:
        return ("get_facts",) if u.fact_subject is not None and state.facts is None else ("answer",)
    if state.retrieved is None:
        if not stages.recommends(p, u, state.encoder):  # content words: the encoder answers them
            return ("answer",) if u.unknown_titles else ("ask_question",)
        return ("retrieve_candidates",) if u.has_signal else ("retrieve_candidates", "ask_question")
    if not state.candidates:
        return ("answer",)
    if state.ranked is None:
        return ("rank_candidates",)
    return ("explain_items",) if not state.items else ("answer",)
