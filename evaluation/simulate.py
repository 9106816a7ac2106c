"""User simulation (``kgrec eval simulate``): scripted seekers look for a movie they have in mind.

A :class:`Seeker` is built from a real ReDial test dialogue: its target is a movie the seeker
accepted (suggested and liked) or else liked, that is a catalog item and is not named in the
opening. It opens with the seeker's first real message (titles written out), then answers
from the target's KG facts — genre, an actor, the director, the decade — one new hint per turn,
the one the recommender asked about if it asked, and never the title. Suggestions that miss
are rejected ("I've already seen those.") and reported to the recommender as seen. Success:
the target is among the recommended items within ``max_turns`` replies.

Systems: ``popularity`` (the most-mentioned movies not yet rejected), ``retriever`` (the
agent's linking, preferences and KG retrieval, no model), and the full ``agent.Recommender``
with the base model (``base``) or the shipped adapter (``lora``). No randomness but the
sampling of dialogues, so a seed gives the same numbers.
"""
from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import networkx as nx

from kgrec.kg.errors import ConfigError, KgrecError
import kgrec.kg.graph
from kgrec.kg.graph import display
from kgrec.kg.sources.redial import MENTION, SEEKER, merged_messages

HINT_KINDS = ("genre", "starring", "director", "year")
ASKS = {  # words in the recommender's reply -> the hint it asks for
    "genre": re.compile(r"\b(genre|kind of|type of|mood)\b", re.I),
    "starring": re.compile(r"\b(actor|actress|star|starring|cast)\b", re.I),
    "director": re.compile(r"\b(director|directed)\b", re.I),
    "year": re.compile(r"\b(year|decade|old|recent|new)\b", re.I),
}
TEMPLATES = {
    "genre": "I'd like {name}.",
    "starring": "Something with {name} in it would be great.",
    "director": "Maybe something directed by {name}?",
    "year": "Preferably from the {name}.",
}
#: an opening worth starting from: it names a movie or says something about taste
TASTE = re.compile(r"@\d+|\b(movies?|films?|looking|like|love|enjoy|recommend|suggest|watch|favou?rite|"
                   r"seen|comed|horror|action|drama|romanc|thriller|scary|funny|animat|kids|family|sci-?fi)", re.I)
REJECT = "I've already seen those."


@dataclass(frozen=True)
class Hint:
    kind: str  # one of HINT_KINDS
    text: str  # what the seeker says


@dataclass(frozen=True)
class Seeker:
    dialog_id: str
    opening: str
    target: int
    hints: tuple[Hint, ...]

    def next_message(self, reply_text: str, rejected: bool, given: set[str]) -> str:
        """The answer to ``reply_text``: a rejection if items missed, then one new hint."""
        left = [h for h in self.hints if h.kind not in given]
        asked = [h for h in left if ASKS[h.kind].search(reply_text or "") and "?" in (reply_text or "")]
        hint = (asked or left or [None])[0]
        words = [REJECT] if rejected else []
        if hint is not None:
            given.add(hint.kind)
            words.append(hint.text)
        else:
            words.append("Anything else along those lines?")
        return " ".join(words)


def hints_for(G: nx.MultiDiGraph, target: int, kinds: Sequence[str] = HINT_KINDS) -> tuple[Hint, ...]:
    """One hint per kind (of ``kinds``) the KG knows for ``target``: its best-known genre, actor and
    director, its decade."""
    by_kind: dict[str, list[int]] = {}
    for _, tail, relation in G.out_edges(target, keys=True):
        if relation in ("genre", "starring", "director") and G.nodes[tail].get("name"):
            by_kind.setdefault(relation, []).append(tail)
    hints = []
    for kind in [k for k in HINT_KINDS[:3] if k in kinds]:
        nodes = sorted(by_kind.get(kind, ()), key=lambda n: (-G.degree(n), n))
        if nodes:
            name = G.nodes[nodes[0]]["name"]
            hints.append(Hint(kind, TEMPLATES[kind].format(name=_genre(name) if kind == "genre" else name)))
    year = G.nodes[target].get("year")
    if isinstance(year, int) and "year" in kinds:
        hints.append(Hint("year", TEMPLATES["year"].format(name=f"{year // 10 * 10}s")))
    return tuple(hints)


def _genre(name: str) -> str:
    from kgrec.kg.query.verbalize import genre_phrase

    return genre_phrase(name)


def _render(G: nx.MultiDiGraph, text: str, names: dict, to_node: dict[int, int]) -> str:
    def title(match: re.Match) -> str:
        node = to_node.get(int(match.group(1)))
        if node is not None:
            return display(G, node)
        return str(names.get(match.group(1), "")).strip() or "a movie"

    return " ".join(MENTION.sub(title, text).split())


def _target(dialogue: dict, to_node: dict[int, int], avoid: set[str], catalog: frozenset) -> int | None:
    answers = dialogue.get("initiatorQuestions") or {}
    if not isinstance(answers, dict):
        return None
    accepted = [m for m, a in answers.items() if a.get("suggested") == 1 and a.get("liked") == 1]
    liked = [m for m, a in answers.items() if a.get("liked") == 1]
    for movie in accepted + liked:
        node = to_node.get(int(movie)) if movie.isdigit() else None
        if node in catalog and movie not in avoid:
            return node
    return None


def seeker_from(G: nx.MultiDiGraph, dialogue: dict, to_node: dict[int, int], catalog: frozenset,
                kinds: Sequence[str] = HINT_KINDS) -> Seeker | None:
    """The simulated seeker of one ReDial dialogue, or ``None`` if it has no usable target."""
    opening = next((text for role, text, _ in merged_messages(dialogue)
                    if role == SEEKER and TASTE.search(text)), None)
    if opening is None:
        return None
    target = _target(dialogue, to_node, set(MENTION.findall(opening)), catalog)
    if target is None:
        return None
    text = _render(G, opening, dialogue.get("movieMentions") or {}, to_node)
    hints = hints_for(G, target, kinds)
    title = str(G.nodes[target].get("name", "")).lower()
    if not hints or (len(title) > 3 and title in text.lower()):
        return None
    return Seeker(str(dialogue["conversationId"]), text, target, hints)


def make_seekers(G: nx.MultiDiGraph, dialogues: Sequence[dict], n: int, seed: int,
                 kinds: Sequence[str] = HINT_KINDS) -> list[Seeker]:
    """``n`` seekers from distinct dialogues, sampled with ``seed`` (a smaller ``n`` gives a prefix)."""
    from kgrec.kg.sources.redial import redial_to_node

    to_node = redial_to_node(G)
    catalog = frozenset(kgrec.kg.graph.catalog(G))
    seekers = [s for d in dialogues if (s := seeker_from(G, d, to_node, catalog, kinds)) is not None]
    if n > len(seekers):
        raise KgrecError(f"--dialogues {n}: only {len(seekers)} test dialogues have a usable target")
    random.Random(seed).shuffle(seekers)  # with one seed, fewer dialogues are a prefix of more
    return seekers[:n]


# --- the systems a seeker talks to -----------------------------------------------------------


class ChatSystem(Protocol):
    name: str

    def start(self) -> object: ...

    def turn(self, session, message: str) -> tuple[str, list[int]]:
        """The reply text and the items it recommends."""

    def reject(self, session, items: Sequence[int]) -> None: ...


@dataclass
class PopularityChat:
    """Recommends the ``k`` most popular movies not yet rejected; ignores what is said."""

    order: list[int]
    k: int = 3
    name: str = "popularity"

    def start(self) -> set:
        return set()

    def turn(self, session: set, message: str) -> tuple[str, list[int]]:
        return "", [i for i in self.order if i not in session][:self.k]

    def reject(self, session: set, items: Sequence[int]) -> None:
        session.update(items)


@dataclass
class RetrieverChat:
    """The agent's understanding and KG retrieval (``kgrec.agent.turn``), no model: the top ``k`` candidates.

    Its session is a one-element list holding the ``kgrec.agent.turn.Before`` of the conversation.
    """

    replay: object  # kgrec.evaluation.systems.AgentReplay
    k: int = 3
    name: str = "retriever"

    def start(self) -> list:
        from kgrec.agent.turn import Before
        from kgrec.agent.types import Preferences

        return [Before(Preferences())]

    def turn(self, session: list, message: str) -> tuple[str, list[int]]:
        from dataclasses import replace

        from kgrec.agent import preferences, turn as stages

        before = session[0]
        understood = self.replay.read(before, message)
        prefs = understood.prefs
        request = stages.constraints(self.replay.G, prefs, self.replay.config, stated=understood.u)  # as the chat
        items = [c.item for c in stages.retrieve(self.replay.G, request)][:self.k] if stages.recommends(prefs) else []
        prefs = preferences.add(prefs, "recommended", items)
        session[0] = replace(before, prefs=prefs, last_items=tuple(items) or before.last_items)
        return ("" if items else "What kind of movie? A genre, an actor or a decade?"), items

    def reject(self, session: list, items: Sequence[int]) -> None:
        from dataclasses import replace

        from kgrec.agent import preferences

        session[0] = replace(session[0], prefs=preferences.add(session[0].prefs, "seen", items))


@dataclass
class AgentChatSystem:
    """The real ``agent.Recommender``; rejections go through ``feedback(..., "seen")``."""

    recommender: object
    name: str

    def start(self):
        return self.recommender.new_session()

    def turn(self, session, message: str) -> tuple[str, list[int]]:
        reply = self.recommender.respond(session, message)
        return reply.text, [i.item for i in reply.items]

    def reject(self, session, items: Sequence[int]) -> None:
        for item in items:
            self.recommender.feedback(session, item, "seen")


@dataclass(frozen=True)
class Episode:
    dialog_id: str
    target: int
    success_turn: int | None  # reply number that recommended the target
    messages: tuple[str, ...] = field(default=())


def run_episode(system: ChatSystem, seeker: Seeker, max_turns: int = 5) -> Episode:
    """One simulated conversation; stops when the target is recommended or after ``max_turns``."""
    session, message, given, said = system.start(), seeker.opening, set(), []
    for turn in range(1, max_turns + 1):
        said.append(message)
        text, items = system.turn(session, message)
        if seeker.target in items:
            return Episode(seeker.dialog_id, seeker.target, turn, tuple(said))
        system.reject(session, items)
        message = seeker.next_message(text, bool(items), given)
    return Episode(seeker.dialog_id, seeker.target, None, tuple(said))


def summarize(episodes: Sequence[Episode], max_turns: int = 5) -> dict:
    """Success rate, mean turns of the successes, and the cumulative success after each turn."""
    wins = [e.success_turn for e in episodes if e.success_turn is not None]
    n = max(1, len(episodes))
    return {"dialogues": float(len(episodes)),
            "success": len(wins) / n if episodes else 0.0,
            "mean_turns_success": sum(wins) / len(wins) if wins else None,
            "success_by_turn": [sum(w <= t for w in wins) / n for t in range(1, max_turns + 1)]}


# --- the command -----------------------------------------------------------------------------

SYSTEM_NAMES = ("popularity", "retriever", "base", "lora")


@dataclass(frozen=True)
class SimulateConfig:
    """Settings of ``kgrec eval simulate``; validated on construction."""

    data: str | None = None  # official ReDial JSONL (default: the test split)
    dialogues: int = 200
    seed: int = 0
    max_turns: int = 5
    systems: tuple[str, ...] = SYSTEM_NAMES
    out: str = "runs/eval-simulate"
    hints: tuple[str, ...] = HINT_KINDS  # what the seeker may reveal; fewer kinds, a harder search

    def __post_init__(self):
        if not self.hints or any(h not in HINT_KINDS for h in self.hints):
            raise ConfigError(f"--hints {','.join(self.hints)!r}: expected some of {','.join(HINT_KINDS)}")
        if self.dialogues < 1:
            raise ConfigError(f"--dialogues {self.dialogues}: expected at least 1")
        if not 1 <= self.max_turns <= 20:
            raise ConfigError(f"--max-turns {self.max_turns}: expected 1..20")
        unknown = [s for s in self.systems if s not in SYSTEM_NAMES]
        if unknown or not self.systems:
            raise ConfigError(f"--systems {','.join(self.systems)!r}: expected some of {','.join(SYSTEM_NAMES)}")


def build_chat_systems(names: Sequence[str], G: nx.MultiDiGraph, notes: list[str]) -> list[ChatSystem]:
    from kgrec.agent import Recommender
    from kgrec.agent.config import AgentConfig
    from kgrec.agent.llm import ModelConfig, default_adapter_dir, load_lm
    from kgrec.evaluation.redial import adapter_fingerprint, popularity_order
    from kgrec.evaluation.systems import AgentReplay

    config = AgentConfig()
    catalog = kgrec.kg.graph.catalog(G)
    systems: list[ChatSystem] = []
    for name in names:
        if name == "popularity":
            systems.append(PopularityChat(popularity_order(G, catalog), config.k))
        elif name == "retriever":
            systems.append(RetrieverChat(AgentReplay(G, config), config.k))
        elif name == "lora" and not (default_adapter_dir() / "adapter_config.json").exists():
            notes.append(f"lora: skipped, no shipped adapter at {default_adapter_dir()}")
        elif name == "lora":
            notes.append(f"adapter: {adapter_fingerprint(default_adapter_dir())}")
            systems.append(AgentChatSystem(Recommender(config, graph=G, lm=load_lm(config.model or ModelConfig())), name))
        else:
            lm = load_lm(ModelConfig(adapter=None) if name == "base" else (config.model or ModelConfig()))
            systems.append(AgentChatSystem(Recommender(config, graph=G, lm=lm), name))
    return systems


def evaluate(config: SimulateConfig, progress: bool = True, command: str = "kgrec eval simulate") -> dict:
    """Simulate ``config.dialogues`` seekers against every system; the JSON-able results."""
    import datetime as dt
    import time
    from pathlib import Path

    from tqdm import tqdm

    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import load_dialogues
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    path = Path(config.data) if config.data else data_dir() / "redial" / "test_data.jsonl"
    seekers = make_seekers(G, load_dialogues(path), config.dialogues, config.seed, config.hints)
    notes: list[str] = []
    results = {}
    for system in build_chat_systems(config.systems, G, notes):
        start = time.perf_counter()
        bar = tqdm(seekers, desc=system.name, unit="dialogue", disable=not progress)
        episodes = [run_episode(system, seeker, config.max_turns) for seeker in bar]
        results[system.name] = summarize(episodes, config.max_turns) | {
            "seconds_per_dialogue": (time.perf_counter() - start) / len(seekers),
            "successes": [e.dialog_id for e in episodes if e.success_turn is not None]}
    notes += [
        f"Success = the target is among the recommended items within {config.max_turns} replies; "
        "mean turns is over the successes.",
        "Agent systems recommend AgentConfig.k items per reply; the baselines as many.",
        "The seeker's hints come from the target's KG edges (genre, best-connected actor and director) and year.",
    ]
    return {"command": command, "date": dt.datetime.now().isoformat(timespec="seconds"), "data": str(path),
            "dialogues": len(seekers), "seed": config.seed, "max_turns": config.max_turns,
            "hints": list(config.hints),
            "example": {"dialog_id": seekers[0].dialog_id, "opening": seekers[0].opening,
                        "target": G.nodes[seekers[0].target].get("title"),
                        "hints": [h.text for h in seekers[0].hints]},
            "systems": results, "notes": notes}
