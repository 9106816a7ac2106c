"""The conversational recommender: sessions, the turn, and the Python API.

With the real KG and model (not run as a doctest)::

    rec = Recommender(AgentConfig())
    s = rec.new_session()
    rec.respond(s, "I loved Police Academy").items[0].title
    # -> 'Police Academy 2: Their First Assignment (1985)'

Each turn: clean and cap the message (``kgrec.agent.text``, the one boundary), read it
(``kgrec.agent.turn.understand``), then ``kgrec.agent.actions.play``: at most ``max_steps`` actions, each chosen
by the pure ``kgrec.agent.steps.next_action`` (the model picks where two are allowed) and recorded as a
typed step. Items only ever come from the catalog through ``kgrec.agent.turn.retrieve``, whose
candidates passed every hard filter (``kgrec.kg.query.retrieval.admissible``, once per turn).
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass, field, replace

import networkx as nx

from kgrec.agent import actions, preferences, profile, replies, scheduler, text as safe_text, turn as stages, understanding
from kgrec.agent.config import AgentConfig
from kgrec.agent.steps import Linked, Step, TurnState
from kgrec.agent.types import LanguageModel, Preferences, Reply
from kgrec.kg.errors import KgrecError
from kgrec.kg.graph import catalog
from kgrec.kg.query import linking
from kgrec.kg.query.retrieval import prepare_filters
from kgrec.kg.sources.redial import link_words

FEEDBACK = ("liked", "seen", "disliked")
HISTORY = 20  # messages kept per session


@dataclass(eq=False)
class Session:
    """One conversation: what the agent knows (``known``, the next turn's ``kgrec.agent.turn.Before``,
    replaced whole after each turn) and its user. Independent of every other session."""

    user_id: str | None = None
    known: stages.Before = field(default_factory=lambda: stages.Before(Preferences()))
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    last_timings: dict[str, float] = field(default_factory=dict)  # seconds per stage of the latest turn
    # A plain Lock, not an RLock: ``stream`` holds it across yields, and a web server may resume
    # the generator on another thread (an RLock then refuses the release).
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def preferences(self) -> Preferences:
        return self.known.prefs

    @preferences.setter
    def preferences(self, prefs: Preferences) -> None:  # a button: the preferences change, the rest stays
        self.known = replace(self.known, prefs=prefs)

    @property
    def last_items(self) -> tuple[int, ...]:
        """The latest recommendation list ("the second one")."""
        return self.known.last_items

    @property
    def focus(self) -> int | None:
        """The movie the latest question was about ("who directed it?")."""
        return self.known.focus

    @property
    def history(self) -> tuple[tuple[str, str], ...]:
        """What was said: (role, text), role "user" or "assistant"."""
        return self.known.history


class Recommender:
    """Conversational movie recommender over a KG, ranked by a small language model.

    ``graph`` defaults to ``kgrec.kg.storage.registry.load_graph(config.graph)`` (the shipped movie KG unless
    ``AgentConfig.graph`` names another) and ``lm`` to
    ``kgrec.agent.llm.load_lm(config.model)``; both are loaded on first use.
    """

    def __init__(self, config: AgentConfig | None = None, graph: nx.MultiDiGraph | None = None,
                 lm: LanguageModel | None = None, dense=None):
        self.config = config if config is not None else AgentConfig()
        self._graph, self._lm, self._index, self._tools = graph, None, None, None
        self._dense = dense  # kgrec.agent.encoder.DenseRetriever (given, or loaded on first use); False: not used
        self._theme_linker = None  # kgrec.agent.content.ThemeLinker, built on first use; False: not used
        self._model_lock, self._load_lock = scheduler.FairLock(), threading.RLock()  # see Session.lock
        if lm is not None:
            self._lm = scheduler.SharedModel(lm, self._model_lock)

    # ------------------------------------------------------------------ lazily built parts
    @property
    def graph(self) -> nx.MultiDiGraph:
        with self._load_lock:
            if self._graph is None:
                from kgrec.kg.storage.registry import load_graph
                self._graph = load_graph(self.config.graph)
            return self._graph

    @property
    def lm(self) -> LanguageModel:
        with self._load_lock:
            if self._lm is None:
                from kgrec.agent.llm import load_lm
                self._lm = scheduler.SharedModel(load_lm(self.config.model), self._model_lock)
            return self._lm

    @property
    def dense(self):
        """The LM encoder's retriever (``kgrec.agent.encoder.DenseRetriever``), or None where it is off
        (``AgentConfig.dense``) or the graph does not weigh it (``FusionWeights.dense`` = 0).
        Built once; the catalog's index is cached on disk (the first build shows a progress bar)."""
        return self.load_dense()

    def load_dense(self, progress=None):
        """``dense``, loaded now; ``progress`` wraps the catalog index's batches when it must be built
        (default: a console bar; ``kgrec.agent.warmup`` passes its own)."""
        with self._load_lock:
            if self._dense is None:
                from dataclasses import replace

                from kgrec.kg.query.retrieval import graph_weights

                G = self.graph
                self._dense = False
                if self.config.dense and graph_weights(G).dense > 0:
                    from kgrec.agent.encoder import load_dense
                    from kgrec.agent.weights import default_dense_adapter_dir, resolve_adapter
                    from tqdm.auto import tqdm

                    model = replace(self.config.model, adapter=self.config.dense_adapter)
                    adapter = resolve_adapter(model, default_dense_adapter_dir())
                    if adapter is not None or self.config.dense_adapter is None:  # no shipped one: no dense list
                        self._dense = load_dense(G, model, adapter, progress=progress or (lambda it: tqdm(
                            it, desc="indexing the catalog for the dense encoder (once)", unit="batch", leave=False)))
            return self._dense or None

    @property
    def theme_linker(self):
        """The LM encoder's theme linking (``kgrec.agent.content.ThemeLinker``): None where themes are off
        (``AgentConfig.themes``) or there is no encoder."""
        with self._load_lock:
            if self._theme_linker is None:
                from kgrec.agent.content import ThemeLinker

                dense = self.dense if self.config.themes else None
                self._theme_linker = ThemeLinker(self.graph, dense, self.config.theme_threshold) if dense else False
            return self._theme_linker or None

    def _kg(self):
        """``(graph, link index, catalog)``, built once, with the hard filters' indexes (``prepare_filters``)."""
        with self._load_lock:
            if self._index is None:
                G = self.graph
                self._index = (linking.build_link_index(G, **link_words(G), themes=self.config.themes),
                               frozenset(catalog(G)))
                prepare_filters(G)  # with the link index, not in the first turn that filters by year
            return (self.graph, *self._index)

    @property
    def link_index(self):
        """The graph's alias index for entity linking (``kgrec.kg.query.link_index``), built once."""
        return self._kg()[1]

    def tools(self, with_model: bool = True) -> dict:
        """The LangChain tools over this recommender's graph, by name (``rank_candidates`` needs the
        model): the stages for an outside agent (``kgrec.agent.tools``); the turn itself calls them directly."""
        from kgrec.agent.tools import by_name, make_tools

        with self._load_lock:
            G, index, _ = self._kg()
            if self._tools is None:
                self._tools = by_name(make_tools(G, index, dense=self.dense))
            if with_model and "rank_candidates" not in self._tools:
                self._tools = by_name(make_tools(G, index, lm=self.lm, rank_config=self.config.rank, dense=self.dense))
            return self._tools

    # ------------------------------------------------------------------ sessions and buttons
    def new_session(self, user_id: str | None = None) -> Session:
        return Session(user_id=user_id)

    def feedback(self, session: Session, item: int, kind: str) -> None:
        """Record a UI button: ``kind`` is "liked", "seen" or "disliked"."""
        if kind not in FEEDBACK:
            raise KgrecError(f"feedback kind {kind!r}: expected one of {FEEDBACK}")
        if item not in self.graph:
            raise KgrecError(f"feedback item {item!r}: not a node of the graph")
        u = understanding.Understanding(**{kind: (item,)})
        with session.lock:
            session.preferences = preferences.apply(session.preferences, u)

    def forget(self, session: Session, node: int | str) -> None:
        """Remove a preference: a node anywhere in it, the year bound "year_min" / "year_max", or "not_years"."""
        with session.lock:
            session.preferences = preferences.forget(session.preferences, node)

    def save_profile(self, session: Session, path) -> None:
        """Save what persists (likes, dislikes, seen, standing filters) atomically as JSON."""
        with session.lock:
            profile.write(path, session.preferences, session.user_id)

    def load_profile(self, path, user_id: str | None = None) -> Session:
        """A new session with a saved profile (nodes no longer in the graph are dropped)."""
        saved_user, prefs = profile.read(path)
        G = self.graph
        prefs = dataclasses.replace(prefs, **{name: [n for n in getattr(prefs, name) if n in G] for name in profile.LISTS})
        return Session(user_id=user_id if user_id is not None else saved_user, known=stages.Before(prefs))

    # ------------------------------------------------------------------ turns
    def respond(self, session: Session, message: str | safe_text.Message) -> Reply:
        """One turn: the full reply."""
        for piece in self.stream(session, message):
            if isinstance(piece, Reply):
                return piece
        raise AssertionError("stream ended without a Reply")

    def stream(self, session: Session, message: str | safe_text.Message) -> Iterator[str | Step | Reply]:
        """One turn: each step (``kgrec.agent.steps``) and piece of the reply text as soon as it is known,
        then the ``Reply``. ``message``: a ``str``, or an ``kgrec.agent.text.Message`` already cleaned (the page's)."""
        if not isinstance(message, (str, safe_text.Message)):
            raise TypeError(f"message must be a str, not {type(message).__name__}")
        with session.lock:
            start = time.perf_counter()
            parts, state, notice = self._start(session, message)
            yield from self._new(TurnState(state.before, state.understood), state)
            for now in actions.play(parts, state):
                yield from self._new(state, now)
                state = now
            reply = self._finish(session, state, notice)
            session.last_timings = dict(parts.clock.seconds, total=time.perf_counter() - start)
        yield reply

    def _start(self, session: Session, message: str | safe_text.Message) -> tuple[actions.Parts, TurnState, str]:
        """The turn's parts, and its first state: the message cleaned (once) and understood."""
        G, index, _ = self._kg()
        wait = self.config.model_wait_s
        parts = actions.Parts(G, index, self.config, self.dense, lambda: self.lm,
                              None if wait is None else time.monotonic() + wait)
        with parts.clock.timed("linking"):
            heard = safe_text.read(message, self.config.max_message_chars)  # the one boundary
            text, notice = heard.text, heard.notice
            before = session.known
            understood = stages.understand(G, index, text, before, self.config, self.theme_linker)
        state = TurnState(before, understood, encoder=self.dense is not None, steps=(Linked(understood.u.mentions),))
        return parts, replace(state, pieces=actions.say(state, self._understood(G, state))), notice

    @staticmethod
    def _new(was: TurnState, now: TurnState) -> Iterator[str | Step]:
        """What ``now`` adds to ``was``: its new steps, then its new pieces of text."""
        yield from now.steps[len(was.steps):]
        yield from now.pieces[len(was.pieces):]

    def _understood(self, G, state: TurnState) -> str:
        """The reply's first line: what the message added, or the content words read."""
        u = state.understood.u
        if u.contradictions or u.fact_relations is not None:
            return ""
        mood = replies.fill("mood", G, words=", ".join(u.moods)) if u.moods else ""  # said, not dropped silently
        if not u.adds_preferences:  # content words only ("something festive"): said as read, if retrieved on
            ok = u.content and stages.recommends(state.prefs, u, state.encoder)
            read = replies.fill("content", G, words=" ".join(u.content[:8])) if ok else ""
        else:
            read = replies.fill("understood", summary=replies.summary(G, state.prefs))
        return "\n".join(line for line in (mood, read) if line)

    def _finish(self, session: Session, state: TurnState, notice: str) -> Reply:
        text = "".join(state.pieces)
        now = stages.after(state.before, state.understood, [i.item for i in state.items], text, HISTORY)
        session.known = now
        return Reply(text=text, items=state.items, understood=now.prefs,
                     mentions=state.understood.u.mentions, trace=state.steps, notice=notice)
