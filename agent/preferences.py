"""The preference algebra: ``Preferences`` (frozen, ``kgrec.agent.types``) changed by what a message said,
and what they imply for retrieval (seeds, hard filters, the movies never to suggest again).

Every function is pure and returns a new object.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import networkx as nx

from kgrec.agent import negation
from kgrec.agent.types import Preferences, preference_fields
from kgrec.agent.understanding import Understanding
from kgrec.kg.graph import is_item
from kgrec.kg.query.answerable import hard_genres, items_with
from kgrec.kg.schema import Constraints

def _add(lists: dict[str, list[int]], name: str, nodes: Iterable[int], *remove_from: str) -> None:
    for node in nodes:
        if node not in lists[name]:
            lists[name].append(node)
        for other in remove_from:
            while node in lists[other]:
                lists[other].remove(node)


def apply(prefs: Preferences, u: Understanding) -> Preferences:
    """``prefs`` updated by ``u`` (a new object). The latest statement wins over an earlier one."""
    if u.contradictions:
        return prefs
    lists = {name: list(getattr(prefs, name)) for name in preference_fields(kind="nodes")}
    _add(lists, "liked", u.liked, "disliked")
    _add(lists, "disliked", u.disliked, "liked")
    _add(lists, "seen", u.seen)
    if u.replaces_genres and u.genres:  # "something funnier" after horror: comedy instead of horror
        lists["genres"].clear()
    _add(lists, "genres", u.genres, "not_genres")
    _add(lists, "not_genres", u.not_genres, "genres")
    if u.themes:  # a request about something else is a new topic: "now a movie about boxing"
        lists["themes"].clear()
    _add(lists, "themes", u.themes, "not_themes")
    _add(lists, "not_themes", u.not_themes, "themes")
    _add(lists, "people", u.people, "not_people")
    _add(lists, "not_people", u.not_people, "people")
    year_min, year_max = prefs.year_min, prefs.year_max
    if u.year_min is not None:
        year_min = u.year_min
        if year_max is not None and year_max < u.year_min and u.year_max is None:
            year_max = None
    if u.year_max is not None:
        year_max = u.year_max
        if year_min is not None and year_min > u.year_max and u.year_min is None:
            year_min = None
    return _apply_not_years(dataclasses.replace(prefs, **lists, year_min=year_min, year_max=year_max), u)


def _apply_not_years(new: Preferences, u: Understanding) -> Preferences:
    """Excluded ranges: a newly wanted closed range ("the 80s then") lifts the exclusions it
    overlaps (an open bound, "after 1980", lifts none); a new exclusion that leaves no year of the
    wanted range replaces that range."""
    ranges = list(new.not_years)
    if u.year_min is not None and u.year_max is not None:
        ranges = [r for r in ranges if r[1] < u.year_min or u.year_max < r[0]]
    for r in u.not_years:
        if tuple(r) not in ranges:
            ranges.append(tuple(r))
    new = dataclasses.replace(new, not_years=ranges)
    if u.not_years and negation.covers(new.not_years, new.year_min, new.year_max):
        new = dataclasses.replace(new, year_min=None, year_max=None)
    return new


def add(prefs: Preferences, name: str, nodes: Iterable[int]) -> Preferences:
    """``prefs`` with the new ``nodes`` appended to the node list ``name`` ("recommended", "seen", ...)."""
    old = getattr(prefs, name)
    return dataclasses.replace(prefs, **{name: old + tuple(n for n in dict.fromkeys(nodes) if n not in old)})


def has_preferences(prefs: Preferences) -> bool:
    """Is there anything to recommend from (a field marked ``anchor``)?"""
    return any(getattr(prefs, name) not in (None, ()) for name in preference_fields(anchor=True))


def context_items(prefs: Preferences) -> list[int]:
    """The conversation's movies for the interaction retrievers: liked, suggested or seen, not disliked."""
    disliked = set(prefs.disliked)
    return [n for n in dict.fromkeys(prefs.liked + prefs.recommended + prefs.seen) if n not in disliked]


def seeds(G: nx.MultiDiGraph, prefs: Preferences) -> list[int]:
    """The retrieval seeds: liked nodes, and wished genres the graph cannot answer as filters."""
    hard = set(hard_genres(G, prefs.genres))
    return [n for n in dict.fromkeys(prefs.liked + tuple(g for g in prefs.genres if g not in hard)) if n in G]


def soft_genres(G: nx.MultiDiGraph, prefs: Preferences) -> list[int]:
    """Wished genres kept as preferences, not filters (no catalog item has them, or few items have a genre)."""
    hard = set(hard_genres(G, prefs.genres))
    return [g for g in prefs.genres if g not in hard and g in G]


def hard_themes(G: nx.MultiDiGraph, prefs: Preferences) -> frozenset[int]:
    """The wished themes some catalog item has: filters (an item must have one of them)."""
    return frozenset(t for t in prefs.themes if items_with(G, t) > 0)


def constraints(G: nx.MultiDiGraph, prefs: Preferences) -> Constraints:
    """The hard filters the preferences imply: never the liked, seen, disliked or recommended movies."""
    shown = {n for n in prefs.liked + prefs.disliked + prefs.seen + prefs.recommended if is_item(G, n)}
    genres = frozenset(hard_genres(G, prefs.genres))  # the others are soft: seeds (see seeds)
    return Constraints(exclude=frozenset(shown), genres=genres, not_genres=frozenset(prefs.not_genres),
                       themes=hard_themes(G, prefs), not_themes=frozenset(prefs.not_themes),
                       people=frozenset(prefs.people), not_people=frozenset(prefs.not_people),
                       year_min=prefs.year_min, year_max=prefs.year_max,
                       not_years=frozenset(tuple(r) for r in prefs.not_years))


def wishes(c: Constraints, stated: Understanding) -> tuple[Constraints, Constraints]:
    """``c`` split into the filters and the wishes: a facet (genres, themes, people, years) that the latest
    message ``stated`` filters, as the preferences hold it; one that only earlier messages asked for is a
    wish, which weighs (``kgrec.kg.query.retrieval.FusionWeights.wish``) but hides nothing. Exclusions and
    every "not" always filter. ("A comedy" then "with Jim Carrey": Jim Carrey filters, comedy weighs.)

    >>> hard, wish = wishes(Constraints(genres=frozenset({1}), year_min=2000), Understanding(genres=(1,)))
    >>> sorted(hard.genres), hard.year_min, wish.year_min
    ([1], None, 2000)
    """
    said_years = stated.year_min is not None or stated.year_max is not None
    kept = {"genres": bool(stated.genres), "themes": bool(stated.themes), "people": bool(stated.people)}
    hard = dataclasses.replace(c, **{name: frozenset() for name, said in kept.items() if not said},
                               **({} if said_years else {"year_min": None, "year_max": None}))
    wish = Constraints(**{name: getattr(c, name) for name, said in kept.items() if not said},
                       **({} if said_years else {"year_min": c.year_min, "year_max": c.year_max}))
    return hard, wish


def forget(prefs: Preferences, node: int | str) -> Preferences:
    """``prefs`` without ``node`` in any saved list (or without the year bound ``"year_min"`` /
    ``"year_max"``, or without the excluded year ranges, ``"not_years"``)."""
    if node in preference_fields(kind="year") + preference_fields(kind="ranges"):
        return dataclasses.replace(prefs, **{node: None if node in preference_fields(kind="year") else ()})
    return dataclasses.replace(prefs, **{name: tuple(n for n in getattr(prefs, name) if n != node)
                                         for name in preference_fields(kind="nodes", saved=True)})
