"""What the page's events do, as plain functions of an ``Engine`` and a per-browser ``ChatState``.

No Gradio here: ``kgrec.ui.app`` wires these to components, tests call them directly. They only
hand messages and button clicks to ``agent.Recommender`` and keep what the page must show;
every recommendation decision is the agent's.
"""
from __future__ import annotations

import functools
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgrec.agent import preferences, replies
from kgrec.agent.steps import Retrieved, Step
from kgrec.agent.text import clean, read
from kgrec.agent.types import Preferences, Reply
from kgrec.agent.understanding import Understanding
from kgrec.kg.errors import KgrecError
from kgrec.kg.schema import ITEM_TYPE, Constraints
from kgrec.kg.storage.registry import graph_noun
from kgrec.ui import render

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
LOADING = ("Still loading ({step}); your message is answered as soon as that is done "
           "(the status line above shows how far it is).")
APOLOGY = "Sorry, something went wrong on my side while answering that. Please try again."


class Engine:
    """The one ``Recommender`` shared by all browser sessions, built in the background at server
    start (``start``) or else on first use (never at import). ``factory()`` builds it and may call
    ``report(progress)`` (an ``kgrec.agent.warmup.Progress``) as it goes; ``status`` is what the page says."""

    def __init__(self, factory: Callable[[], Any], noun: str = ITEM_TYPE):
        self._factory, self._noun = factory, noun
        self._recommender = None
        self._lock, self._start_lock = threading.Lock(), threading.Lock()
        self._thread: threading.Thread | None = None
        self.progress = None  # the latest kgrec.agent.warmup.Progress while loading
        self.failed = ""  # the last load's error, one line ("" when none)
        self._began = None  # time.monotonic() when the current load began
        self.status = "not loaded yet: it loads when the server starts or on the first message"

    @property
    def loaded(self) -> bool:
        return self._recommender is not None

    def start(self) -> None:
        """Load in a background thread now, so the page is served meanwhile (again after a failure)."""
        with self._start_lock:
            if self.loaded or (self._thread is not None and self._thread.is_alive() and not self.failed):
                return
            self._thread = threading.Thread(target=self._load_quietly, name="kgrec-load", daemon=True)
            self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the load ``start`` began; whether the recommender is ready."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.loaded

    def _load_quietly(self) -> None:
        try:
            self.get()
        except Exception:  # logged and shown on the page; the next message or page load retries
            log.exception("loading the recommender failed")

    @property
    def loading_s(self) -> float:
        """Seconds the current (or last) load has taken so far."""
        return time.monotonic() - self._began if self._began is not None else 0.0

    def report(self, progress) -> None:
        """The factory's progress (``kgrec.agent.warmup.Progress``): the page's status line follows it."""
        if self.progress is None or progress.step != self.progress.step:  # the server's console too, a line a step
            print(f"kgrec: loading, step {progress.step}/{progress.steps}: {progress.what}", file=sys.stderr, flush=True)
        self.progress = progress
        self.status = f"loading, {progress}"

    def get(self):
        """The recommender, building it the first time (other callers wait for that build)."""
        with self._lock:
            if self._recommender is None:
                self.status, self.failed, self._began = "loading the model and the knowledge graph…", "", time.monotonic()
                try:
                    self._recommender = self._factory()
                except Exception as e:
                    self.failed = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
                    self.status = "failed to load (see the server log); the next message retries"
                    raise
                self.status = "ready"
                print(f"kgrec: ready ({self.loading_s:.0f} s)", file=sys.stderr, flush=True)
            return self._recommender

    @property
    def graph(self):
        return self.get().graph

    @property
    def words(self) -> dict[str, str]:
        """The catalog's words for the page (``kgrec.agent.replies.nouns``): the loaded graph's, else those of
        ``noun`` (what the graph's items are called, known before it loads; no ``example`` then but
        the movie one ``nouns(None)`` gives)."""
        if self.loaded:
            return replies.nouns(self.graph)
        return replies.nouns(None) if self._noun == ITEM_TYPE else replies.words(self._noun)


def default_engine(graph: str | None = None) -> Engine:
    """The real recommender (``graph``: a name or folder, default the shipped KG; embedded model),
    warmed by ``kgrec.agent.warmup`` (everything a turn needs, reported to the page) when ``Engine.start``
    runs or the first message arrives; the page takes the graph's noun from its ``meta.json``."""
    def build():
        from kgrec.agent import AgentConfig
        from kgrec.agent.warmup import warmup

        return warmup(AgentConfig(graph=graph), progress=engine.report)
    engine = Engine(build, noun=graph_noun(graph))
    return engine


@dataclass
class ChatState:
    """One browser session: the agent's session, the chat, the latest cards and the clicks on them."""

    session: Any = None  # agent Session, made on the first message
    history: list[dict] = field(default_factory=list)  # Gradio "messages": {"role", "content", ...}
    cards: tuple[render.Card, ...] = ()  # the latest reply's recommendations
    clicked: dict[int, str] = field(default_factory=dict)  # item -> "liked" | "seen" | "disliked"
    understood: Preferences = field(default_factory=Preferences)
    wishes: Constraints = field(default_factory=Constraints)  # the latest retrieval's wishes, marked in the panel


def _session(engine: Engine, state: ChatState):
    if state.session is None:
        state.session = engine.get().new_session()
    return state.session


def _say(state: ChatState, text: str) -> None:
    state.history.append({"role": "assistant", "content": text})


def send(engine: Engine, state: ChatState, message: str) -> Iterator[ChatState]:
    """Handle one chat message; yields the state as the reply streams in (nothing for an empty one)."""
    heard = read(message or "", MAX_MESSAGE_CHARS)  # cleaned once (kgrec.agent.text): the page shows it, the agent reads it
    if not heard.text:
        return
    state.history.append({"role": "user", "content": heard.text})
    if heard.notice:
        _say(state, f"Note: {heard.notice}")
    _say(state, LOADING.format(step=engine.progress or "starting") if not engine.loaded else "…")
    yield state
    try:
        recommender = engine.get()
        reply = None
        text, steps = "", []
        for piece in recommender.stream(_session(engine, state), heard):
            if isinstance(piece, Reply):
                reply = piece
                break
            if isinstance(piece, Step):  # shown as it comes, above the reply
                steps.append(piece)
                _trace(state, recommender.graph, steps, "pending")
            else:
                text += piece
            state.history[-1] = {"role": "assistant", "content": text or "…"}  # loaded: the loading note goes
            yield state
    except KgrecError as e:  # a user's mistake the agent names (unknown file, bad value)
        state.history[-1] = {"role": "assistant", "content": f"Sorry: {e}"}
        yield state
        return
    except Exception:  # our bug or a failed load: log it, apologise, keep the session usable
        log.exception("the agent failed on %r", heard.text[:200])
        state.history[-1] = {"role": "assistant", "content": APOLOGY}
        yield state
        return
    if reply is not None:
        _show(engine, state, reply)
    yield state


def _show(engine: Engine, state: ChatState, reply: Reply) -> None:
    """Put a finished ``Reply`` on the page: its text, notice, trace, cards and preferences."""
    text = reply.text  # its notice, if any, was said as the message came in (send)
    state.history[-1] = {"role": "assistant", "content": text}
    if reply.trace:
        _trace(state, engine.graph, reply.trace, "done")
    if reply.items:
        G = engine.graph
        state.cards = tuple(render.card(G, item) for item in reply.items)
        state.clicked = {}
    state.understood = reply.understood
    retrieved = [step for step in reply.trace if isinstance(step, Retrieved)]
    if retrieved:  # a turn that retrieved nothing (a question about a film) leaves the wishes as they were
        state.wishes = retrieved[-1].request.wishes


def _trace(state: ChatState, G, steps, status: str) -> None:
    """The turn's steps (``kgrec.agent.steps``) so far, one line each, in a folded message just above the reply."""
    lines = "\n".join(f"- {s.line(G)}{' (failed)' if s.error else ''}" for s in steps)
    message = {"role": "assistant", "content": lines, "metadata": {"title": "How I got there", "status": status}}
    if len(state.history) > 1 and state.history[-2].get("metadata", {}).get("title") == "How I got there":
        state.history[-2] = message
    else:
        state.history.insert(len(state.history) - 1, message)


def _preferences(engine: Engine, state: ChatState) -> Preferences:
    """The session's current preferences (after a click or a removal there is no new Reply)."""
    prefs = getattr(state.session, "preferences", None)
    return prefs if isinstance(prefs, Preferences) else state.understood


def feedback(engine: Engine, state: ChatState, item: int, kind: str) -> ChatState:
    """A card's button: tell the agent, mark the card, refresh the understood panel."""
    if kind not in render.FEEDBACK:
        raise ValueError(f"kind={kind!r}; expected one of {sorted(render.FEEDBACK)}")
    try:
        engine.get().feedback(_session(engine, state), item, kind)
    except Exception:
        log.exception("feedback %s on %s failed", kind, item)
        _say(state, APOLOGY)
        return state
    state.clicked[item] = kind
    state.understood = _preferences(engine, state)
    return state


def forget(engine: Engine, state: ChatState, node: int | str) -> ChatState:
    """The side panel's remove button: the agent forgets what it understood about ``node``."""
    try:
        engine.get().forget(_session(engine, state), node)
    except Exception:
        log.exception("forget %s failed", node)
        _say(state, APOLOGY)
        return state
    state.understood = _preferences(engine, state)
    return state


def new_conversation(engine: Engine, state: ChatState) -> ChatState:
    """A fresh conversation: nothing understood, no cards (the old session is dropped)."""
    return ChatState()


PROFILE_NAME = "kgrec-profile.json"  # the name the browser downloads it as


@functools.cache
def _downloads() -> Path:
    """This server's private folder of profile downloads, made on the first save."""
    return Path(tempfile.mkdtemp(prefix="kgrec-profiles-"))


def _profile_file(session) -> Path:
    """``<server temp folder>/<session id>/kgrec-profile.json``: a name the server makes, one per session."""
    folder = _downloads() / session.id
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / PROFILE_NAME


def save_profile(engine: Engine, state: ChatState) -> tuple[ChatState, Path | None]:
    """Save the session's profile for the browser to download; returns the file (never a user's path)."""
    if state.session is None:
        _say(state, "Nothing to save yet. Tell me about a {noun} first.".format(**engine.words))
        return state, None
    target = _profile_file(state.session)
    try:
        engine.get().save_profile(state.session, target)
    except (KgrecError, OSError) as e:
        log.exception("saving a profile failed")
        _say(state, f"Sorry, I could not save the profile ({type(e).__name__}).")
        return state, None
    _say(state, f"Your profile is ready: use “Download {PROFILE_NAME}” to keep it.")
    return state, target


def load_profile(engine: Engine, state: ChatState, upload: str | Path | None) -> ChatState:
    """Continue as the user of an uploaded profile (``upload``: the copy the server made of it)."""
    if not upload:
        _say(state, "Upload a profile file you saved before.")
        return state
    name = clean(Path(upload).name, 120)[0]
    try:
        session = engine.get().load_profile(Path(upload))
    except KgrecError as e:  # the file's problem in one line, without the server's folder
        _say(state, f"Sorry, I could not load {name}: {getattr(e, 'expected', e)}")
        return state
    fresh = ChatState(session=session)
    fresh.understood = _preferences(engine, fresh)
    # no message of this session asked for any of it, so the next turn weighs it all (a wish), as the panel marks
    fresh.wishes = preferences.wishes(preferences.constraints(engine.graph, fresh.understood), Understanding())[1]
    _say(fresh, f"Loaded your profile from `{name}`.")
    return fresh


def card_views(state: ChatState) -> tuple[tuple[render.Card, str], ...]:
    """The latest cards with the feedback clicked on each ("" for none)."""
    return tuple((card, state.clicked.get(card.item, "")) for card in state.cards)


def preference_views(engine: Engine, state: ChatState) -> tuple[render.PrefRow, ...]:
    if not engine.loaded:
        return ()
    return tuple(render.preference_rows(engine.graph, state.understood, state.wishes))


def redial_openers(path: str | Path, count: int = 4) -> list[tuple[str, str]]:
    """First seeker messages of ReDial dialogues that name a movie they liked, as (text, source).

    ``@id`` movie mentions are written as the dialogue's titles; read in file order (train split).
    """
    from kgrec.kg.sources.redial import load_dialogues

    openers = []
    for dialogue in load_dialogues(path):
        seeker = dialogue["initiatorWorkerId"]
        said = [m["text"] for m in dialogue["messages"] if m["senderWorkerId"] == seeker and "@" in m["text"]]
        if not said or said[0].isupper() or not 25 <= len(said[0]) <= 110:
            continue
        if not re.search(r"\b(like|liked|love|loved|enjoy|enjoyed)\b", said[0], re.I):
            continue
        titles = dialogue.get("movieMentions") or {}
        text = re.sub(r"@(\d+)", lambda m: (titles.get(m.group(1)) or m.group(0)).strip(), said[0])
        source = f"ReDial conversation {dialogue['conversationId']}"
        openers.append((re.sub(r"\s+", " ", text).strip(), source))
        if len(openers) == count:
            break
    return openers
