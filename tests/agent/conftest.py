"""A 12-movie graph built in code and a scripted fake language model, shared by the agent tests.

    Police Academy (1984) -> Police Academy 2 (1985) -> Police Academy 3 (1986): Steve Guttenberg,
    comedy; Hugh Wilson directed the first. Three Men and a Baby (1987): Guttenberg, comedy.
    Big (1988, comedy), Toy Story (1995, animation + comedy), Cast Away (2000, drama): Tom Hanks.
    Scary Movie (2000): comedy + horror. The Shining (1980): horror, Stanley Kubrick.
    Get Out (2017): horror, Jordan Peele. Up (2009): animation. Superbad (2007): comedy.
    Police Academy 7 (1994) is in the graph but not in the catalog (item=False).
    Themes: The Shining and Get Out are about ghosts (a theme node), Toy Story about toys.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import pytest

from kgrec.kg.comentions import from_pairs, set_co_mentions
from kgrec.kg.schema import DERIVED_ID_BASE, HAS_THEME

PA, PA2, PA3, THREE_MEN, SCARY, SHINING, UP, TOY, BIG, CAST_AWAY, GET_OUT, SUPERBAD, PA7 = range(1, 14)
GUTTENBERG, WILSON, HANKS, KUBRICK, PEELE = 20, 21, 22, 23, 24
COMEDY, HORROR, ANIMATION, DRAMA = (DERIVED_ID_BASE + i for i in range(1, 5))
GHOSTS, TOYS = DERIVED_ID_BASE + 1000, DERIVED_ID_BASE + 1001

MOVIES = {  # id: (name, year, popularity, genres, people)
    PA: ("Police Academy", 1984, 10, [COMEDY], [GUTTENBERG]),
    PA2: ("Police Academy 2: Their First Assignment", 1985, 5, [COMEDY], [GUTTENBERG]),
    PA3: ("Police Academy 3: Back in Training", 1986, 3, [COMEDY], [GUTTENBERG]),
    THREE_MEN: ("Three Men and a Baby", 1987, 4, [COMEDY], [GUTTENBERG]),
    SCARY: ("Scary Movie", 2000, 6, [COMEDY, HORROR], []),
    SHINING: ("The Shining", 1980, 9, [HORROR], []),
    UP: ("Up", 2009, 8, [ANIMATION], []),
    TOY: ("Toy Story", 1995, 12, [ANIMATION, COMEDY], [HANKS]),
    BIG: ("Big", 1988, 5, [COMEDY], [HANKS]),
    CAST_AWAY: ("Cast Away", 2000, 7, [DRAMA], [HANKS]),
    GET_OUT: ("Get Out", 2017, 8, [HORROR], []),
    SUPERBAD: ("Superbad", 2007, 6, [COMEDY], []),
    PA7: ("Police Academy 7: Mission to Moscow", 1994, 0, [COMEDY], []),
}
CATALOG = frozenset(MOVIES) - {PA7}


def agent_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(name="agent-tiny", domain_noun="movie")
    for node, (name, year, popularity, _, _) in MOVIES.items():
        G.add_node(node, name=name, type="movie", hint="film", uri="", year=year, title=f"{name} ({year})",
                   item=node in CATALOG, popularity=popularity)
    for node, name, kind in [(GUTTENBERG, "Steve Guttenberg", "person"), (WILSON, "Hugh Wilson", "person"),
                             (HANKS, "Tom Hanks", "person"), (KUBRICK, "Stanley Kubrick", "person"),
                             (PEELE, "Jordan Peele", "person"), (COMEDY, "comedy", "genre"),
                             (HORROR, "horror", "genre"), (ANIMATION, "animation", "genre"),
                             (DRAMA, "drama", "genre"), (GHOSTS, "ghosts", "theme"), (TOYS, "toys", "theme")]:
        G.add_node(node, name=name, type=kind, hint="", uri="")

    def edge(head, relation, tail, **attrs):
        G.add_edge(head, tail, key=relation, relation=relation, source="test", **attrs)

    for movie, (_, _, _, genres, people) in MOVIES.items():
        for genre in genres:
            edge(movie, "genre", genre)
        for person in people:
            edge(movie, "starring", person)
    edge(PA, "director", WILSON)
    edge(SHINING, "director", KUBRICK)
    edge(GET_OUT, "director", PEELE)
    edge(PA, "subsequent_work", PA2)
    edge(PA2, "subsequent_work", PA3)
    for movie, theme in ((SHINING, GHOSTS), (GET_OUT, GHOSTS), (TOY, TOYS)):
        edge(movie, HAS_THEME, theme)
    # co-mentions live outside networkx's edges (kgrec.kg.comentions): (a, b, count, liked)
    set_co_mentions(G, from_pairs([(a, b, count, 0) for a, b, count in [(PA, PA2, 3), (PA, SCARY, 1), (UP, TOY, 2), (BIG, CAST_AWAY, 1)]],
                                  source="test"))
    return G


BOOKS = Path(__file__).parents[1] / "kg" / "fixtures" / "books"


def books_graph() -> nx.MultiDiGraph:
    """A 20-book graph (tests/kg/fixtures/books: authors, genres, co-reading from ratings), as imported."""
    from kgrec.kg.sources.importer import import_graph

    return import_graph(BOOKS / "items.csv", BOOKS / "triples.tsv", BOOKS / "ratings.csv", domain_noun="book")


def books_recommender(G: nx.MultiDiGraph | None = None):
    """A real ``Recommender`` over ``books_graph()`` with the model off (no ranking, no action choice)."""
    from kgrec.agent import AgentConfig, Recommender

    return Recommender(AgentConfig(rank_with_model=False, lm_chooses_actions=False),
                       graph=G if G is not None else books_graph(), lm=ScriptedLM())


class ScriptedLM:
    """A fake ``LanguageModel`` that answers from scripts, malformed answers included.

    ``choices``: answers ``choose`` returns in turn (any value, even out of range or not an int);
    when they run out it answers ``default_choice``. ``scores``: a function ``(prompt, continuations)
    -> list`` (default: earlier continuations score higher). Every call is recorded in ``calls``.
    """

    def __init__(self, choices: Sequence = (), scores=None, default_choice=0):
        self.choices, self.default_choice = list(choices), default_choice
        self.scores = scores or (lambda prompt, options: [-0.1 * i for i in range(len(options))])
        self.calls: list[tuple[str, tuple]] = []

    def chat_prompt(self, system: str, user: str) -> str:
        return f"<system>{system}</system><user>{user}</user><assistant>"

    def score(self, prompt: str, continuations: Sequence[str], normalize: bool = True) -> list[float]:
        self.calls.append(("score", tuple(continuations)))
        return list(self.scores(prompt, list(continuations)))

    def choose(self, prompt: str, options: Sequence[str]):
        self.calls.append(("choose", tuple(options)))
        return self.choices.pop(0) if self.choices else self.default_choice

    def stream(self, prompt: str, max_new_tokens: int = 64):
        yield from ("scripted ", "text")


@pytest.fixture
def G() -> nx.MultiDiGraph:
    return agent_graph()


@pytest.fixture
def lm() -> ScriptedLM:
    return ScriptedLM()


@pytest.fixture
def rec(G, lm):
    from kgrec.agent import AgentConfig, Recommender

    return Recommender(AgentConfig(k=3, rank_with_model=True), graph=G, lm=lm)  # the model reranks


def assert_filters_kept(G: nx.MultiDiGraph, reply) -> None:
    """Every shown item passes the turn's hard filters (what the last message asked for, every exclusion
    and "not"); the filters and the wishes together are the preferences' filters, nothing dropped; an item
    that misses an earlier message's wish is said (``kgrec.agent.preferences.wishes``)."""
    import dataclasses

    from kgrec.agent import preferences
    from kgrec.agent.steps import Retrieved
    from kgrec.kg.query import retrieval

    if not reply.items:
        return
    request = next(s for s in reversed(reply.trace) if isinstance(s, Retrieved)).request
    everything = dataclasses.replace(preferences.constraints(G, reply.understood), exclude=frozenset())
    hard = dataclasses.replace(request.constraints, exclude=frozenset())
    assert hard.joined(request.wishes) == everything
    assert all(retrieval.satisfies(G, i.item, hard) for i in reply.items)
    if not all(retrieval.satisfies(G, i.item, everything) for i in reply.items):
        assert "what you asked for earlier" in reply.text, reply.text
