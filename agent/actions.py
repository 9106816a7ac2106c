"""The actions of a turn, each a function ``(parts, state) -> state`` that adds one typed step.

:func:`play` is the turn: :func:`kgrec.agent.steps.next_action` says what may come next, the model
chooses where two are allowed (:func:`choose`), :data:`ACTIONS` runs it (an explicit table: grep
an action's name to find its caller), and :func:`answer` closes the turn. ``Recommender.stream``
yields each new step and piece of text of the states :func:`play` yields; the evaluation
(``kgrec.evaluation.systems.AgentReplay``) replays it up to the retrieval, with the default choices.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import networkx as nx

from kgrec import prompts
from kgrec.agent import explain, preferences, replies, scheduler, turn as stages
from kgrec.agent.config import AgentConfig
from kgrec.agent.steps import (Asked, Chose, Explained, GotFacts, Linked, Reranked, Retrieved, Searched, Step, TurnState,
                         next_action)
from kgrec.agent.types import Explanation, LanguageModel, RecommendedItem
from kgrec.kg.errors import KgrecError
from kgrec.kg.graph import display
from kgrec.kg.query import linking, paths
from kgrec.kg.query.linking import item_types

MAX_FACTS = 200  # the reply groups them by relation (kgrec.kg.query.verbalize.summarize)
MAX_TITLE_CHARS, MAX_PROMPT_CHARS = 500, 500  # an unknown title looked up; the user's words in a prompt


@dataclass
class Clock:
    """Seconds per stage of one turn (``Session.last_timings``)."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


@dataclass(frozen=True)
class Parts:
    """What a turn's actions use: the graph and its indexes, the settings, the encoder and the model."""

    G: nx.MultiDiGraph
    index: linking.LinkIndex
    config: AgentConfig
    dense: object = None  # kgrec.agent.encoder.DenseRetriever, or None
    lm: Callable[[], LanguageModel] | None = None  # loads the model on first call; None: no model calls
    deadline: float | None = None  # time.monotonic() after which model calls give way (kgrec.agent.scheduler)
    clock: Clock = field(default_factory=Clock)

    def model(self) -> LanguageModel:
        if self.lm is None:
            raise RuntimeError("this turn has no model (Parts.lm is None) but an action asked for it")
        return self.lm()


def say(state: TurnState, *texts: str) -> tuple[str, ...]:
    """``state.pieces`` with ``texts`` added, each on its own line; blank ones are not said."""
    pieces = list(state.pieces)
    for text in texts:
        text = text.lstrip("\n") if not pieces else text if text.startswith("\n") else "\n" + text
        if text.strip():
            pieces.append(text)
    return tuple(pieces)


def step(state: TurnState, done: Step, *texts: str, **changes) -> TurnState:
    """``state`` with the step ``done``, the ``texts`` said and the ``changes``."""
    return replace(state, steps=state.steps + (done,), pieces=say(state, *texts), **changes)


# ---------------------------------------------------------------- the actions
def ask(parts: Parts, state: TurnState) -> TurnState:
    which = "ask_more" if preferences.has_preferences(state.prefs) else "ask"
    return step(state, Asked(), replies.fill(which, parts.G), asked=True)


def search(parts: Parts, state: TurnState) -> TurnState:
    """Each unknown title looked up by name: the closest items, said."""
    state = replace(state, searched=True)
    for title in state.understood.u.unknown_titles:
        with parts.clock.timed("search"):
            found = linking.lookup(parts.index, title[:MAX_TITLE_CHARS].strip(), types=item_types(parts.G), limit=3)
        nodes = tuple(m.node for m in found)
        state = step(state, Searched(title, nodes), replies.unknown(parts.G, title[:80], nodes))
    return state


def facts(parts: Parts, state: TurnState) -> TurnState:
    u = state.understood.u
    with parts.clock.timed("facts"):
        found = paths.facts_about(parts.G, u.fact_subject, relations=list(u.fact_relations) or None)[:MAX_FACTS]
    return step(state, GotFacts(u.fact_subject, tuple(found)), facts=tuple(found))


def retrieve(parts: Parts, state: TurnState) -> TurnState:
    """The request the preferences imply, every retriever's list and their fusion; the count said."""
    G, config, understood = parts.G, parts.config, state.understood
    with parts.clock.timed("retrieval"):
        request = stages.constraints(G, understood.prefs, config, state.before.last_items,
                                     understood.text, understood.conversation, understood.u)
        lists = stages.candidate_lists(G, request, parts.dense)
        found = tuple(stages.retrieve(G, request, lists=lists))
    said = []
    soft = preferences.soft_genres(G, understood.prefs) if found else []
    if soft:  # said, never a silent relaxation
        said.append("\n" + replies.soft_genres(G, soft))
    if found:  # the count is known now: said before the (slower) ranking
        said.append("\n" + replies.intro(len(stages.shown(found, config)), G))
    done = Retrieved(request, lists, found)
    return step(state, done, *said, retrieved=done)


def rank(parts: Parts, state: TurnState) -> TurnState:
    """The model's order of the pool (``kgrec.agent.turn.rank``); busy or malformed: the retrieval order."""
    pool = tuple(stages.rank_pool(state.candidates, parts.config))
    if not parts.config.rank_with_model:
        return replace(state, ranked=pool)
    lm = parts.model()
    with parts.clock.timed("ranking"):
        try:
            with scheduler.deadline(parts.deadline):  # a busy model makes the step fail, not wait
                ranked = tuple(stages.rank(lm, parts.G, state.understood, pool, parts.config))
        except KgrecError as e:  # scheduler.ModelBusy
            return step(state, Reranked(pool, error=str(e)), ranked=pool)
    if not stages.well_ranked(ranked, pool, parts.config):
        return step(state, Reranked(pool, error="the model returned malformed scores; keep the retrieval order"),
                    ranked=pool)
    return step(state, Reranked(ranked), ranked=ranked)


def explain_items(parts: Parts, state: TurnState) -> TurnState:
    """Each shown item with a KG path to what the user likes; the model picks the paths if allowed."""
    G, config = parts.G, parts.config
    best = stages.shown(state.ranked, config)
    items, error = [b.item for b in best], ""
    anchors = [a for a in stages.anchors(state.understood) if a in G]
    lm, prompt, request = None, "", state.understood.text[:MAX_PROMPT_CHARS].strip()
    if config.lm_chooses_paths and request:
        lm = parts.model()
        prompt = lm.chat_prompt(replies.prompt("explain.txt", G), request)
    with parts.clock.timed("explanation"):
        try:
            with scheduler.deadline(parts.deadline):
                found = explain.explain_all(G, items, anchors, max_hops=config.explanation_hops,
                                            limit=config.paths_considered, lm=lm, prompt=prompt)
        except KgrecError as e:  # the model was busy: the first path of each
            error = str(e)
            found = explain.explain_all(G, items, anchors, max_hops=config.explanation_hops,
                                        limit=config.paths_considered)
    shown = tuple(stages.explained(G, best, found))
    lines = [replies.item_line(n, item) for n, item in enumerate(shown, 1)]
    request = state.retrieved.request if state.retrieved is not None else None
    if request is not None and stages.missed_wishes(G, request, best):  # an earlier wish some shown items miss
        lines.insert(0, replies.wishes(G, request.wishes))
    return step(state, Explained(shown, error=error), *lines, items=shown)


#: every action by name (``kgrec.agent.steps.ACTIONS``); "answer" is :func:`answer`
ACTIONS: dict[str, Callable[[Parts, TurnState], TurnState]] = {
    "search_entities": search, "get_facts": facts, "retrieve_candidates": retrieve, "ask_question": ask,
    "rank_candidates": rank, "explain_items": explain_items,
}


# ---------------------------------------------------------------- the turn
def choose(parts: Parts, state: TurnState, options: tuple[str, ...]) -> tuple[str, TurnState]:
    """The model's choice among ``options``; a malformed or out-of-range answer, or a busy model,
    means the default (``options[0]``)."""
    if not parts.config.lm_chooses_actions or parts.lm is None:
        return options[0], state
    G = parts.G
    done = ", ".join(s.tool for s in state.steps if not isinstance(s, Linked)) or "nothing"
    user = prompts.load("action_user.txt").format(message=state.understood.text[:MAX_PROMPT_CHARS], done=done,
                                                  known=replies.summary(G, state.prefs) or "nothing")
    lm = parts.model()
    with parts.clock.timed("choice"):
        try:
            with scheduler.deadline(parts.deadline):
                choice = lm.choose(lm.chat_prompt(replies.prompt("action.txt", G), user), list(options))
        except scheduler.ModelBusy as e:
            return options[0], step(state, Chose(options, error=str(e)))
    ok = isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(options)
    return options[choice] if ok else options[0], state


def play(parts: Parts, state: TurnState,
         until: Callable[[TurnState], bool] = lambda state: False) -> Iterator[TurnState]:
    """The turn from ``state`` (the message understood): each state after an action, then the
    answered one. ``until``: stop (without answering) at the first state it accepts."""
    while state.taken < parts.config.max_steps and not until(state):
        options = next_action(state)
        action, state = (options[0], state) if len(options) == 1 else choose(parts, state, options)
        if action == "answer":
            break
        state = ACTIONS[action](parts, state)
        yield state
    if not until(state):
        yield answer(parts, state)


def answer(parts: Parts, state: TurnState) -> TurnState:
    """What closes the turn: a contradiction or the facts said, picks without reasons when the step
    limit came first, "nothing fits", or a question when nothing was said at all."""
    G, u = parts.G, state.understood.u
    if u.contradictions:
        return replace(state, pieces=say(state, replies.fill("contradiction", what="; ".join(u.contradictions))))
    if u.fact_relations is not None:
        return replace(state, pieces=say(state, facts_text(G, state)))
    if state.candidates and not state.items:  # the step limit came first: picks without reasons
        picks = tuple(RecommendedItem(b.item, display(G, b.item), float(b.score), Explanation(b.item, (), ""))
                      for b in stages.shown(state.ranked or state.candidates, parts.config))
        lines = [replies.item_line(n, item) for n, item in enumerate(picks, 1)]
        return replace(state, items=picks, pieces=say(state, *lines))
    if state.candidates is not None and not state.items:
        return replace(state, pieces=say(state, replies.fill("none", G, filters=replies.filters(G, state.prefs))))
    if not state.pieces:
        return replace(state, pieces=say(state, replies.fill("ask", G)))
    return state


def facts_text(G: nx.MultiDiGraph, state: TurnState) -> str:
    from kgrec.kg.query.verbalize import summarize

    u = state.understood.u
    if u.fact_subject is None:
        return replies.fill("which_movie", G)
    if not state.facts:
        return replies.fill("no_facts", what=replies.asked(u.fact_relations), title=display(G, u.fact_subject))
    return replies.fill("facts", facts=summarize(G, u.fact_subject, state.facts))
