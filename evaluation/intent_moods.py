"""Intent cases: how a movie should feel ("less sad", "something lighter") is no fact of the graph.

Part of ``python -m kgrec.evaluation.intents`` (kind ``mood``): the title named is liked, and the
mood adds no genre and no dislike (``kgrec.agent.content.moods``: the reply says the graph cannot go
by it). "Less scary" is not a mood here: "scary" names the horror genre, which it excludes.
"""
from __future__ import annotations

import networkx as nx

MOODS = ("something like {x} but less sad", "I loved {x}, anything lighter?", "like {x}, but happier please",
         "something like {x} but nothing too violent", "I enjoyed {x}; something less depressing?",
         "{x} was great, maybe something more uplifting", "like {x} but not so dark")


def mood_cases(G: nx.MultiDiGraph, titles: list[tuple[str, frozenset[int]]], case) -> list:
    """The cases over the first 20 ``titles`` (``kgrec.evaluation.intents.popular_titles``); ``case`` is its ``Case``."""
    genres = frozenset(n for n, kind in G.nodes(data="type") if kind == "genre")
    return [case("mood", t.format(x=name), liked=nodes, dropped_genres=genres)
            for i, (name, nodes) in enumerate(titles[:20]) for t in MOODS[i % len(MOODS):][:2]]
