"""The systems a replay scores; kgrec's own replay the agent's turn (``kgrec.agent.actions.play``).

For speed the replay does not run the chat per utterance. :class:`AgentReplay` rebuilds the
session the chat would hold after the dialogue so far, with the stages the chat runs:

* each seeker utterance: ``kgrec.agent.text.clean`` and ``kgrec.agent.turn.understand`` (linking, the best
  mentions, understanding, new preferences);
* each recommender utterance: the movies it names become ``prefs.recommended`` and
  ``last_items``, as the agent's own suggestions would (so they are not suggested again, unless
  the graph's learned re-mention prior says so: ``kgrec.agent.turn.again_roles``, ``kgrec.kg.query.remention``);
* then, on the last seeker message, the chat's own turn, ``kgrec.agent.actions.play`` with the default
  choices, up to its retrieval: ``kgrec.agent.steps.next_action`` decides ask or recommend, and the
  retrieve action builds the request and fuses every retriever (``kgrec.agent.turn``). For the model
  systems ``kgrec.agent.turn.rank`` then reranks the top ``rank_pool`` with the conversation as the chat
  writes it (``kgrec.agent.turn.conversation``).

So the replay and ``Recommender.respond`` agree by construction; ``tests/evaluation/test_parity_slow.py``
still checks on real ReDial turns that the chat shows the items of this fast path in the same order.
``--entities prev_entity`` skips the linking and takes the file's context entities as liked.
:class:`AgentChat` runs the real ``Recommender.respond`` on the last seeker message (slow: the
model picks actions and paths).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import networkx as nx

from kgrec.agent import actions, turn as stages
from kgrec.agent.config import AgentConfig
from kgrec.agent.steps import Retrieved, TurnState
from kgrec.agent.types import Preferences
from kgrec.evaluation.turns import EvalTurn
from kgrec.kg.graph import catalog_set
from kgrec.kg.schema import Candidate


@dataclass(frozen=True)
class Replayed:
    """A conversation replayed through ``kgrec.agent.turn``: the session afterwards and its last message read."""

    session: stages.Before  # what the chat's session would hold after the context
    understood: stages.Understood  # the last seeker message (its prefs are session.prefs)
    request: stages.Request  # what the agent would retrieve now
    state: TurnState  # the chat's turn on that message, before any action (kgrec.agent.actions.play starts here)


@dataclass(frozen=True)
class Prepared:
    """What the systems share for one turn: the input entities and the retriever's candidates."""

    turn: EvalTurn
    entities: tuple[int, ...]  # context entities the system uses (linked from text, or annotated)
    candidates: tuple  # kgrec.kg.schema.Candidate, retriever order (kgrec.agent.turn.retrieve)
    replayed: Replayed | None = None
    lists: dict | None = None  # each retriever's candidates (kgrec.agent.turn.candidate_lists); {}: the agent asks


class System(Protocol):
    name: str

    def rank(self, prepared: Prepared) -> list[int]:
        """Items for this turn, best first (may be short; the harness pads it)."""


@dataclass
class Popularity:
    """Most-mentioned movies of the train split, the same list every turn."""

    order: list[int]
    name: str = "popularity"

    def rank(self, prepared: Prepared) -> list[int]:
        return self.order


@dataclass
class RetrieverOnly:
    """The agent's fused candidate order, no reranking. Given ``G``, the LM encoder's list (where
    the replay has one) is left out of the fusion: the knowledge-graph retriever alone."""

    name: str = "retriever"
    G: nx.MultiDiGraph | None = None

    def rank(self, prepared: Prepared) -> list[int]:
        if self.G is None or "dense" not in (prepared.lists or {}):
            return [c.item for c in prepared.candidates]
        from kgrec.kg.query.retrieval import graph_weights

        lists = {name: found for name, found in prepared.lists.items() if name != "dense"}
        weights = replace(graph_weights(self.G), dense=0.0)
        return [c.item for c in stages.retrieve(self.G, prepared.replayed.request, weights, lists)]


class AgentReplay:
    """The agent's understand → constraints → retrieve stages, replayed over a context."""

    def __init__(self, G: nx.MultiDiGraph, config: AgentConfig | None = None, entities: str = "text", dense=None):
        from kgrec.kg.query.linking import build_link_index
        from kgrec.kg.sources.redial import link_words

        self.G, self.config, self.entities = G, config or AgentConfig(), entities
        self.dense = dense  # kgrec.agent.encoder.DenseRetriever where the agent's retrieval uses it (Recommender.dense)
        self.catalog = catalog_set(G)
        self.index = build_link_index(G, **link_words(G), themes=self.config.themes) if entities == "text" else None
        self.themes = None  # kgrec.agent.content.ThemeLinker, as Recommender.theme_linker: with themes on and an encoder
        if self.config.themes and dense is not None:
            from kgrec.agent.content import ThemeLinker

            self.themes = ThemeLinker(G, dense, self.config.theme_threshold)

    def read(self, before: stages.Before, text: str) -> stages.Understood:
        """A seeker's message through the chat's boundary (``kgrec.agent.text.clean``) and ``kgrec.agent.turn.understand``."""
        from kgrec.agent.text import clean

        return stages.understand(self.G, self.index, clean(text, self.config.max_message_chars)[0], before, self.config,
                                 self.themes)

    def heard(self, before: stages.Before, text: str) -> stages.Before:
        """A recommender's message: the catalog items it names count as shown."""
        from kgrec.agent import preferences, understanding
        from kgrec.agent.text import clean
        from kgrec.kg.query.linking import link

        said = clean(text, self.config.max_message_chars)[0]
        mentions = understanding.best_mentions(link(self.index, said), self.config.min_link_score)
        named = [m.node for m in mentions if m.node in self.catalog]
        prefs = preferences.add(before.prefs, "recommended", named)
        return stages.Before(prefs, tuple(dict.fromkeys(named)) or before.last_items, before.focus,
                             before.history + (("assistant", said),))

    def replayed(self, turn: EvalTurn) -> Replayed:
        """The session after ``turn.context``, as the agent's would be, and its retrieval request."""
        before = stages.Before(Preferences())
        understood, asked = None, before
        if self.entities == "prev_entity":
            before = stages.Before(Preferences(liked=[n for n in dict.fromkeys(turn.annotated) if n in self.G]))
        for utterance in turn.context if self.entities == "text" else ():
            if utterance.role == "recommender":
                before, understood = self.heard(before, utterance.text), None
                continue
            asked, understood = before, self.read(before, utterance.text)
            focus = understood.u.fact_subject if understood.u.fact_subject is not None else before.focus
            before = stages.Before(understood.prefs, before.last_items, focus,
                                   before.history + (("user", understood.text),))
        if understood is None:  # no seeker message last: the context as it stands
            from kgrec.agent.ranking import recent_text
            from kgrec.agent.understanding import Understanding

            said = recent_text([(u.role, u.text) for u in turn.context]) if turn.context else ""
            understood, asked = stages.Understood("", Understanding(), before.prefs, said), before
        request = stages.constraints(self.G, before.prefs, self.config, before.last_items,
                                     understood.text, understood.conversation, understood.u)
        return Replayed(before, understood, request, TurnState(asked, understood, encoder=self.dense is not None))

    def retrieved(self, r: Replayed) -> Retrieved | None:
        """The chat's turn on the last message (``kgrec.agent.actions.play``, default choices, no model) up
        to its retrieval; None where the chat asks what the user wants instead.

        Where the message is also a question about a movie or a contradiction, the chat answers
        that and shows no items; the replay plays the same turn with the message read without
        them (46 of the 3,552 ReDial test turns), so these recommendation turns are scored as
        ``kgrec eval`` always has."""
        parts = actions.Parts(self.G, self.index, self.config, self.dense)
        state = _played(parts, r.state)
        u = r.state.understood.u
        if state.retrieved is None and (u.contradictions or u.fact_relations is not None):
            plain = replace(u, contradictions=(), fact_relations=None)
            state = _played(parts, replace(r.state, understood=replace(r.state.understood, u=plain)))
        return state.retrieved

    def lists(self, r: Replayed) -> dict[str, list[Candidate]]:
        """Each retriever's candidates for the agent's request (``{}``: the agent would not retrieve)."""
        found = self.retrieved(r)
        return {} if found is None else found.lists

    def prepare(self, turn: EvalTurn) -> Prepared:
        r = self.replayed(turn)
        found = self.retrieved(r)
        candidates, lists = (found.candidates, found.lists) if found is not None else ((), {})
        return Prepared(turn, tuple(r.session.prefs.liked), tuple(candidates), r, lists)


def _played(parts: actions.Parts, state: TurnState) -> TurnState:
    """``state`` after the chat's turn up to its retrieval (or its end)."""
    for state in actions.play(parts, state, until=lambda s: s.retrieved is not None):
        pass
    return state


@dataclass
class RetrieverPart:
    """One retriever on its own (``FusionWeights.only``), through ``kgrec.agent.turn.retrieve``."""

    name: str
    replay: AgentReplay

    def rank(self, prepared: Prepared) -> list[int]:
        from kgrec.kg.query.retrieval import FusionWeights

        if not prepared.lists:
            return []
        found = stages.retrieve(self.replay.G, prepared.replayed.request, FusionWeights.only(self.name), prepared.lists)
        return [c.item for c in found]


@dataclass
class DenseRanker:
    """The LM encoder alone: the conversation's nearest catalog items (``kgrec.agent.encoder``).

    It ranks the whole catalog with the agent's hard filters (its constraints; liked, suggested
    and excluded films left out), also on turns where the agent would ask a question first.
    """

    name: str
    dense: object  # kgrec.agent.encoder.DenseRetriever
    G: nx.MultiDiGraph
    k: int = 100
    shared: bool = False  # the replay's own encoder: its list of the turn, where it made one, is this one's

    def rank(self, prepared: Prepared) -> list[int]:
        if self.shared and "dense" in (prepared.lists or {}):
            return [c.item for c in prepared.lists["dense"]]
        request = prepared.replayed.request
        found = stages.dense_lists(self.G, self.dense, request.query, request.constraints, self.k, liked=request.liked)
        return [c.item for c in found.get("dense", ())]


@dataclass
class ModelRanker:
    """``kgrec.agent.turn.rank``: the model reranks the retriever's top ``rank_pool``; the rest keeps its order."""

    name: str
    lm: object  # kgrec.agent.types.LanguageModel
    G: nx.MultiDiGraph
    config: AgentConfig = None  # rank_pool and rank (RankConfig) are read; None: AgentConfig()

    def __post_init__(self):
        self.config = replace(self.config or AgentConfig(), rank_with_model=True)

    def rank(self, prepared: Prepared) -> list[int]:
        ranked = stages.rank(self.lm, self.G, prepared.replayed.understood, prepared.candidates, self.config)
        return [r.item for r in ranked]


@dataclass
class AgentChat:
    """The full chat loop (``Recommender.respond``) on the last seeker message; its items lead.

    The session starts from the state :class:`AgentReplay` rebuilds from the earlier context,
    so only the last message goes through the model-driven loop (action choice, ranking,
    explanations). The reply's ``k`` items are followed by the retriever's order.
    """

    recommender: object  # agent.Recommender
    replay: AgentReplay
    name: str = "agent"

    def rank(self, prepared: Prepared) -> list[int]:
        reply = chat_reply(self.recommender, self.replay, prepared.turn)
        return [] if reply is None else [item.item for item in reply.items] + [c.item for c in prepared.candidates]


def chat_reply(recommender, replay: AgentReplay, turn: EvalTurn):
    """``recommender.respond`` to the last seeker message of ``turn``, its session replayed from the
    earlier context (``None`` when the context does not end with the seeker)."""
    if not turn.context or turn.context[-1].role != "seeker":
        return None
    earlier = replay.replayed(replace(turn, context=turn.context[:-1])).session
    session = recommender.new_session()
    session.known = earlier
    return recommender.respond(session, turn.context[-1].text)
