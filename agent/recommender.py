"""The conversational recommender: sessions, the per-turn tool loop, and the Python API.

With the real KG and model (not run as a doctest)::

    rec = Recommender(AgentConfig())
    s = rec.new_session()
    rec.respond(s, "I loved Police Academy").items[0].title
    # -> 'Police Academy 2: Their First Assignment (1985)'

Each turn: clean and cap the message (``agent.text``), then the stages of ``agent.turn``
(understand, constraints, retrieve, rank, explain, reply) as a loop of at most ``max_steps`` tool
steps whose next action is chosen among the allowed ones (by the model when more than one is
allowed). Items only ever come from the catalog through ``retrieve_candidates``, and pass
``agent.turn.allowed`` (every hard filter) before they are ranked.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass, field

import networkx as nx

import prompts
from agent import preferences, profile, replies, scheduler, text as safe_text, turn as stages, understanding
from agent.config import AgentConfig
from agent.tools import by_name, make_tools, run_tool
from agent.types import Explanation, LanguageModel, Preferences, RecommendedItem, Reply, Step
from kg import linking
from kg.errors import KgrecError
from kg.graph import catalog, display
from kg.linking import item_types
from kg.redial import link_words

FEEDBACK = ("liked", "seen", "disliked")
STAGES = {"retrieve_candidates": "retrieval", "rank_candidates": "ranking", "explain_items": "explanation",
          "get_facts": "facts", "search_entities": "search"}
HISTORY = 20  # messages kept per session


@dataclass(eq=False)
class Session:
    """One conversation: its preferences and what was said. Independent of every other session."""

    user_id: str | None = None
    preferences: Preferences = field(default_factory=Preferences)
    last_items: tuple[int, ...] = ()  # the latest recommendation list ("the second one")
    focus: int | None = None  # the movie the latest question was about ("who directed it?")
    history: list[tuple[str, str]] = field(default_factory=list)  # (role, text)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    last_timings: dict[str, float] = field(default_factory=dict)  # seconds per stage of the latest turn
    # A plain Lock, not an RLock: ``stream`` holds it across yields, and a web server may resume
    # the generator on another thread (an RLock then refuses the release).
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class _Turn:
    """Work in progress of one turn."""

    before: stages.Before
    understood: stages.Understood
    steps: list[Step] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    asked: bool = False
    searched: dict[str, list[int]] | None = None
    facts: list | None = None
    candidates: list | None = None
    ranked: list | None = None
    items: list[RecommendedItem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    deadline: float | None = None  # time.monotonic() after which model calls give way (see agent.scheduler)

    def timed(self, stage: str, since: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - since

    @property
    def text(self) -> str:
        return self.understood.text

    @property
    def u(self) -> understanding.Understanding:
        return self.understood.u

    @property
    def prefs(self) -> Preferences:
        return self.understood.prefs


class Recommender:
    """Conversational movie recommender over a KG, ranked by a small language model.

    ``graph`` defaults to ``kg.registry.load_graph(config.graph)`` (the shipped movie KG unless
    ``AgentConfig.graph`` names another) and ``lm`` to
    ``agent.llm.load_lm(config.model)``; both are loaded on first use.
    """

    def __init__(self, config: AgentConfig | None = None, graph: nx.MultiDiGraph | None = None,
                 lm: LanguageModel | None = None, dense=None):
        self.config = config if config is not None else AgentConfig()
        self._graph, self._lm, self._index, self._tools, self._titles = graph, None, None, None, {}
        self._dense = dense  # agent.encoder.DenseRetriever (given, or loaded on first use); False: not used
        self._theme_linker = None  # agent.content.ThemeLinker, built on first use; False: not used
        self._model_lock, self._load_lock = scheduler.FairLock(), threading.RLock()  # see Session.lock
        if lm is not None:
            self._lm = scheduler.SharedModel(lm, self._model_lock)

    # ------------------------------------------------------------------ lazily built parts
    @property
    def graph(self) -> nx.MultiDiGraph:
        with self._load_lock:
            if self._graph is None:
                from kg.registry import load_graph
                self._graph = load_graph(self.config.graph)
            return self._graph

    @property
    def lm(self) -> LanguageModel:
        with self._load_lock:
            if self._lm is None:
                from agent.llm import load_lm
                self._lm = scheduler.SharedModel(load_lm(self.config.model), self._model_lock)
            return self._lm

    @property
    def dense(self):
        """The LM encoder's retriever (``agent.encoder.DenseRetriever``), or None where it is off
        (``AgentConfig.dense``) or the graph does not weigh it (``FusionWeights.dense`` = 0).
        Built once; the catalog's index is cached on disk (the first build shows a progress bar)."""
        return self.load_dense()

    def load_dense(self, progress=None):
        """``dense``, loaded now; ``progress`` wraps the catalog index's batches when it must be built
        (default: a console bar; ``agent.warmup`` passes its own)."""
        with self._load_lock:
            if self._dense is None:
                from dataclasses import replace

                from kg.retrieval import graph_weights

                G = self.graph
                self._dense = False
                if self.config.dense and graph_weights(G).dense > 0:
                    from agent.encoder import load_dense
                    from agent.llm import default_dense_adapter_dir, resolve_adapter
                    from tqdm.auto import tqdm

                    model = replace(self.config.model, adapter=self.config.dense_adapter)
                    adapter = resolve_adapter(model, default_dense_adapter_dir())
                    if adapter is not None or self.config.dense_adapter is None:  # no shipped one: no dense list
                        self._dense = load_dense(G, model, adapter, progress=progress or (lambda it: tqdm(
                            it, desc="indexing the catalog for the dense encoder (once)", unit="batch", leave=False)))
            return self._dense or None

    @property
    def theme_linker(self):
        """The LM encoder's theme linking (``agent.content.ThemeLinker``): None where themes are off
        (``AgentConfig.themes``) or there is no encoder."""
        with self._load_lock:
            if self._theme_linker is None:
                from agent.content import ThemeLinker

                dense = self.dense if self.config.themes else None
                self._theme_linker = ThemeLinker(self.graph, dense, self.config.theme_threshold) if dense else False
            return self._theme_linker or None

    def _kg(self):
        """``(graph, link index, catalog)``, built once."""
        with self._load_lock:
            if self._index is None:
                G = self.graph
                self._titles = preferences.title_index(G)
                self._index = (linking.build_link_index(G, **link_words(G), themes=self.config.themes),
                               frozenset(catalog(G)))
            return (self.graph, *self._index)

    def tools(self, with_model: bool = True) -> dict:
        """The LangChain tools over this recommender's graph, by name (``rank_candidates`` needs the model)."""
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
        return Session(user_id=user_id if user_id is not None else saved_user, preferences=prefs)

    # ------------------------------------------------------------------ turns
    def respond(self, session: Session, message: str) -> Reply:
        """One turn: the full reply."""
        for piece in self.stream(session, message):
            if isinstance(piece, Reply):
                return piece
        raise AssertionError("stream ended without a Reply")

    def stream(self, session: Session, message: str) -> Iterator[str | Reply]:
        """One turn: pieces of the reply text as soon as they are known, then the ``Reply``."""
        if not isinstance(message, str):
            raise TypeError(f"message must be a str, not {type(message).__name__}")
        with session.lock:
            G, index, _ = self._kg()
            start = time.perf_counter()
            text, notice = safe_text.clean(message, self.config.max_message_chars)  # the one boundary
            before = stages.Before(session.preferences, session.last_items, session.focus, tuple(session.history))
            turn = _Turn(before, stages.understand(G, index, text, before, self.config, self.theme_linker))
            wait = self.config.model_wait_s
            turn.deadline = None if wait is None else time.monotonic() + wait
            turn.timed("linking", start)
            yield from self._say(turn, self._understood(G, turn))
            yield from self._loop(G, turn)
            reply = self._finish(session, turn, notice)
            session.last_timings = dict(turn.timings, total=time.perf_counter() - start)
        yield reply

    def _say(self, turn: _Turn, text: str) -> Iterator[str]:
        text = text.lstrip("\n") if not turn.pieces else text if text.startswith("\n") else "\n" + text
        if text.strip():
            turn.pieces.append(text)
            yield text

    def _understood(self, G, turn: _Turn) -> str:
        u = turn.u
        if u.contradictions or u.fact_relations is not None:
            return ""
        if not u.adds_preferences:  # content words only ("something festive"): said as read, if retrieved on
            ok = u.content and stages.recommends(turn.prefs, u, self.dense is not None)
            return replies.fill("content", G, words=" ".join(u.content[:8])) if ok else ""
        return replies.fill("understood", summary=replies.summary(G, turn.prefs))

    def _loop(self, G, turn: _Turn) -> Iterator[str]:
        while len(turn.steps) < self.config.max_steps:
            allowed = self._allowed(turn)
            action = allowed[0] if len(allowed) == 1 else self._choose(G, turn, allowed)
            if action == "answer":
                break
            yield from getattr(self, f"_do_{action}")(G, turn)
        yield from self._answer(G, turn)

    def _allowed(self, turn: _Turn) -> list[str]:
        """The actions that make sense now, the default first (the guards around the model's choice)."""
        u, p = turn.u, turn.prefs
        if u.contradictions or turn.asked:
            return ["answer"]
        if u.unknown_titles and turn.searched is None:
            return ["search_entities"]
        if u.fact_relations is not None:
            return ["get_facts"] if u.fact_subject is not None and turn.facts is None else ["answer"]
        if turn.candidates is None:
            if not stages.recommends(p, u, self.dense is not None):  # content words: the encoder answers them
                return ["answer"] if u.unknown_titles else ["ask_question"]
            return ["retrieve_candidates"] if u.has_signal else ["retrieve_candidates", "ask_question"]
        if not turn.candidates:
            return ["answer"]
        if turn.ranked is None:
            return ["rank_candidates"]
        return ["explain_items"] if not turn.items else ["answer"]

    def _choose(self, G, turn: _Turn, allowed: list[str]) -> str:
        """The model's choice among ``allowed``; a malformed or out-of-range answer means the default."""
        done = ", ".join(s.tool for s in turn.steps) or "nothing"
        user = prompts.load("action_user.txt").format(message=turn.text[:500], done=done,
                                                      known=replies.summary(G, turn.prefs) or "nothing")
        if not self.config.lm_chooses_actions:
            return allowed[0]
        lm, start = self.lm, time.perf_counter()
        try:
            with scheduler.deadline(turn.deadline):
                choice = lm.choose(lm.chat_prompt(replies.prompt("action.txt", G), user), list(allowed))
        except scheduler.ModelBusy as e:
            turn.steps.append(Step("choose_action", {"allowed": list(allowed)}, str(e), error=True))
            choice = 0
        turn.timed("choice", start)
        ok = isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(allowed)
        return allowed[choice] if ok else allowed[0]

    def _run(self, turn: _Turn, name: str, arguments: dict, with_model: bool = False):
        tool = self.tools(with_model)[name]
        start = time.perf_counter()
        with scheduler.deadline(turn.deadline):  # a busy model makes the step fail, not wait
            step, artifact = run_tool(tool, arguments)
        turn.timed(STAGES.get(name, name), start)
        turn.steps.append(step)
        return artifact if not step.error else None

    # ------------------------------------------------------------------ actions
    def _do_ask_question(self, G, turn: _Turn) -> Iterator[str]:
        turn.asked = True
        turn.steps.append(Step("ask_question", {}, "asked what the user wants"))
        yield from self._say(turn, replies.fill("ask_more" if preferences.has_preferences(turn.prefs) else "ask", G))

    def _do_search_entities(self, G, turn: _Turn) -> Iterator[str]:
        turn.searched = {}
        for title in turn.u.unknown_titles:
            found = self._run(turn, "search_entities", {"query": title, "types": list(item_types(G)), "limit": 3}) or []
            turn.searched[title] = [m.node for m in found]
            yield from self._say(turn, replies.unknown(G, title[:80], turn.searched[title]))

    def _do_get_facts(self, G, turn: _Turn) -> Iterator[str]:
        relations = list(turn.u.fact_relations) or None
        turn.facts = self._run(turn, "get_facts", {"node": turn.u.fact_subject, "relations": relations}) or []
        yield from ()

    def _do_retrieve_candidates(self, G, turn: _Turn) -> Iterator[str]:
        request = stages.constraints(G, turn.prefs, self.config, self._titles, turn.before.last_items,
                                     turn.understood.text, turn.understood.conversation)
        found = self._run(turn, "retrieve_candidates", stages.tool_arguments(request)) or []
        turn.candidates = stages.allowed(G, request, found)  # the one check, whatever the tool returned
        if turn.candidates and preferences.soft_genres(G, turn.prefs):  # said, never a silent relaxation
            yield from self._say(turn, "\n" + replies.soft_genres(G, preferences.soft_genres(G, turn.prefs)))
        if turn.candidates:  # the count is known now: say it before the (slower) ranking
            yield from self._say(turn, "\n" + replies.intro(min(self.config.k, self.config.rank_pool, len(turn.candidates)), G))

    def _do_rank_candidates(self, G, turn: _Turn) -> Iterator[str]:
        pool = stages.rank_pool(turn.candidates, self.config)
        if not self.config.rank_with_model:
            turn.ranked = pool
            return
        ranked = self._run(turn, "rank_candidates", stages.rank_arguments(turn.understood, pool), with_model=True)
        # the tool returns the pool's items reordered (else an error step): they passed stages.allowed
        turn.ranked = list(ranked) if ranked is not None else pool  # the model failed: the retriever's order
        yield from ()

    def _do_explain_items(self, G, turn: _Turn) -> Iterator[str]:
        best = turn.ranked[:self.config.k]
        args = {"items": [r.item for r in best], "anchors": stages.anchors(turn.understood),
                "max_hops": self.config.explanation_hops,
                "limit": self.config.paths_considered}
        if self.config.lm_chooses_paths:
            args["request"] = turn.text[:500]
        explanations = self._run(turn, "explain_items", args, with_model=self.config.lm_chooses_paths)
        if explanations is None and "request" in args:  # the model was busy or failed: the first path
            del args["request"]
            explanations = self._run(turn, "explain_items", args)
        for item in stages.explained(G, best, explanations):
            turn.items.append(item)
            yield from self._say(turn, replies.item_line(len(turn.items), item))

    def _answer(self, G, turn: _Turn) -> Iterator[str]:
        u = turn.u
        if u.contradictions:
            yield from self._say(turn, replies.fill("contradiction", what="; ".join(u.contradictions)))
        elif u.fact_relations is not None:
            yield from self._say(turn, self._facts_text(G, turn))
        elif turn.candidates and not turn.items:  # the step limit came first: picks without reasons
            for best in (turn.ranked or turn.candidates)[:min(self.config.k, self.config.rank_pool)]:
                item = RecommendedItem(best.item, display(G, best.item), float(best.score),
                                       Explanation(best.item, (), ""))
                turn.items.append(item)
                yield from self._say(turn, replies.item_line(len(turn.items), item))
        elif turn.candidates is not None and not turn.items:
            yield from self._say(turn, replies.fill("none", G, filters=replies.filters(G, turn.prefs)))
        elif not turn.pieces:
            yield from self._say(turn, replies.fill("ask", G))

    def _facts_text(self, G, turn: _Turn) -> str:
        from kg.verbalize import summarize

        if turn.u.fact_subject is None:
            return replies.fill("which_movie", G)
        if not turn.facts:
            return replies.fill("no_facts", what=replies.asked(turn.u.fact_relations), title=display(G, turn.u.fact_subject))
        return replies.fill("facts", facts=summarize(G, turn.u.fact_subject, turn.facts))

    def _finish(self, session: Session, turn: _Turn, notice: str) -> Reply:
        text = "".join(turn.pieces)
        now = stages.after(turn.before, turn.understood, [i.item for i in turn.items], text, HISTORY)
        session.preferences, session.last_items, session.focus, session.history = \
            now.prefs, now.last_items, now.focus, list(now.history)
        prefs = now.prefs
        return Reply(text=text, items=tuple(turn.items), understood=prefs,
                     mentions=turn.u.mentions, trace=tuple(turn.steps), notice=notice)

