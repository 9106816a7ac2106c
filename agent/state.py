"""What a user's message says about their taste, and how it updates the preference state.

``understand`` reads one message (with the entity mentions ``kg.linking`` found in it) and
returns an ``Understanding``; ``apply`` folds it into ``Preferences``. Both are pure: the
recommender owns the session state. Cue words are English; other languages still link titles.
"""
from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx

from agent import negation
from agent.types import Preferences
from kg.answerable import hard_genres
from kg.linking import item_types
from kg.schema import Constraints, Mention

SEEN = re.compile(r"\b(seen|watched|saw)\b")
HARD_PERSON = re.compile(r"\b(with|starring|featuring|by|directed by|from)\s*$")
CLAUSE_END = re.compile(r"[.;!?\n]|,\s|\bbut\b|\bhowever\b|\bthough\b|\band\b")
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "last": -1}
ORDINAL = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+(one|movie|film|suggestion|pick)\b"
                     r"|(?:number|#|no\.)\s*([1-5])\b")
MORE_LIKE = re.compile(r"\b(more|something|anything|others?|movies?|films?)\s+(like|similar to)\b|\blike\s+(that|it|this|those)\b")
WANTS_MORE = re.compile(r"\b(another|more|else|other|recommend|suggest|what should i watch|any ideas)\b")
IT = re.compile(r"\b(it|that|this one|that one|the movie|the film)\b")
FACT_CUES = (  # (pattern, relations asked about; None = all)
    (re.compile(r"\bwho\s+(directed|direct|made|is the director)|\bdirector\b"), ("director",)),
    (re.compile(r"\bwho\s+(is|was|are|stars|starred|acts|acted|plays|played)\s+in\b|\bwho'?s in\b|\b(cast|actors?|stars in)\b\??"),
     ("starring",)),
    (re.compile(r"\bwho\s+(wrote|writes)|\bwriter\b"), ("writer", "author")),
    (re.compile(r"\bwho\s+(composed|did the music)|\b(music|soundtrack|composer)\b"), ("music_composer", "composer")),
    (re.compile(r"\bwho\s+produced|\bproducer\b"), ("producer",)),
    (re.compile(r"\bwhat\s+(genre|kind of (movie|film))\b"), ("genre",)),
    (re.compile(r"\b(tell me (more )?about|tell me more\b|more (info|details)\b|what is .{0,60} about|what'?s .{0,60} about|facts about|info about)\b"), None),
)
UNKNOWN_TITLE = re.compile(
    r"\b(?:loved|love|liked|like|enjoyed|watched|seen|saw|hated|recommend|suggest|about)\s+"
    r"[\"“']?((?:[A-Z0-9][\w'’:&-]*)(?:\s+(?:[A-Z0-9][\w'’:&-]*|of|the|a|and|in|on))*)")
QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")
REPLACE = re.compile(r"\b(?:instead|rather|funnier|scarier|sillier|creepier|less\s+\w+|a different genre)\b")
GENERIC = {"film", "films", "movie", "movies", "picture", "pictures", "cinema"}  # not a genre wish


@dataclass(frozen=True)
class Understanding:
    """One message's meaning for the recommender: node ids of the KG throughout."""

    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()
    seen: tuple[int, ...] = ()
    genres: tuple[int, ...] = ()
    not_genres: tuple[int, ...] = ()
    people: tuple[int, ...] = ()
    not_people: tuple[int, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    not_years: tuple[tuple[int, int], ...] = ()  # excluded year ranges, inclusive ("not from the 80s")
    replaces_genres: bool = False  # "funnier", "instead": the genres said replace the wanted ones
    fact_relations: tuple[str, ...] | None = None  # set when the user asks about a movie (() = anything)
    fact_subject: int | None = None
    wants_more: bool = False
    unknown_titles: tuple[str, ...] = ()
    contradictions: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = field(default=())

    @property
    def adds_preferences(self) -> bool:
        """Did this message state a like, dislike, seen movie or filter?"""
        return bool(self.liked or self.disliked or self.seen or self.genres or self.not_genres or self.people
                    or self.not_people or self.year_min is not None or self.year_max is not None or self.not_years)

    @property
    def has_signal(self) -> bool:
        """Did this message say anything about what to recommend?"""
        return self.adds_preferences or self.wants_more


def cap_message(text: str, limit: int) -> tuple[str, str]:
    """``text`` cut to ``limit`` characters, and the notice to show when it was cut."""
    if len(text) <= limit:
        return text, ""
    return text[:limit], f"Your message was cut to its first {limit:,} characters."


def best_mentions(mentions: Sequence[Mention], min_score: float) -> list[Mention]:
    """Highest-scoring mention per overlapping span, in text order; ambiguous equals keep the first."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-m.score, m.span)):
        if m.type == "genre" and m.surface.strip().lower() in GENERIC:
            continue
        if m.score < min_score or any(m.span[0] < k.span[1] and k.span[0] < m.span[1] for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m.span)


def _clause_before(low: str, start: int) -> str:
    window = low[max(0, start - 60):start]
    cuts = list(CLAUSE_END.finditer(window))
    return window[cuts[-1].end():] if cuts else window


def _polarity(low: str, mention: Mention, limit: int | None = None) -> str:
    """"negative", "seen" or "positive" from the words around a mention (``agent.negation``);
    ``limit``: where the next mention starts."""
    if negation.negated(low, *mention.span, limit=limit):
        return "negative"
    if SEEN.search(_clause_before(low, mention.span[0])):
        return "seen"
    return "positive"


def _years(low: str, liked_years: Sequence[int]) -> negation.YearReading:
    """Year bounds and excluded ranges stated in the (lower-case, titles masked) message."""
    read = negation.read_years(low)
    lo, hi = read.year_min, read.year_max
    if liked_years and re.search(r"\b(newer|more recent|recent ones?|modern)\b", low) and lo is None:
        lo = max(liked_years) + 1
    if liked_years and re.search(r"\b(older|classics?|old ones?)\b", low) and hi is None:
        hi = min(liked_years) - 1
    return negation.YearReading(lo, hi, read.not_years)


def _ordinal(low: str, last_items: Sequence[int]) -> tuple[int | None, int]:
    """The item of the last list that "the second one" names, and where the phrase starts."""
    if not last_items or not (m := ORDINAL.search(low)):
        return None, 0
    index = ORDINALS[m.group(1)] if m.group(1) else int(m.group(3)) - 1
    return (last_items[index] if -len(last_items) <= index < len(last_items) else None), m.start()


def _fact_relations(low: str) -> tuple[str, ...] | None:
    for pattern, relations in FACT_CUES:
        if pattern.search(low):
            return relations or ()
    return None


def _unknown_titles(text: str, mentions: Sequence[Mention]) -> tuple[str, ...]:
    """Title-like phrases ("I loved Fake Movie 3") that no mention covers."""
    found = []
    for m in list(UNKNOWN_TITLE.finditer(text)) + list(QUOTED.finditer(text)):
        start, end = m.span(1)
        phrase = m.group(1).strip(" '\"“”")
        covered = any(k.span[0] < end and start < k.span[1] for k in mentions)
        if len(phrase) >= 3 and not covered and phrase not in found:
            found.append(phrase)
    return tuple(found[:3])


def _repeated(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """The mentions plus every other occurrence of their words ("horror, but not horror")."""
    low = text.lower() if len(text.lower()) == len(text) else text
    out = list(mentions)
    for m in mentions:
        surface = m.surface.strip().lower()
        if len(surface) < 3:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", low):
            if not any(match.start() < k.span[1] and k.span[0] < match.end() for k in out):
                out.append(dataclasses.replace(m, span=match.span(), surface=text[match.start():match.end()]))
    return sorted(out, key=lambda m: m.span)


def _masked(text: str, mentions: Sequence[Mention]) -> str:
    """Lower-case ``text`` (same length, so spans still fit) with the mentions blanked out."""
    chars = [c.lower() if len(c.lower()) == 1 else c for c in text]
    for m in mentions:
        chars[m.span[0]:m.span[1]] = " " * (m.span[1] - m.span[0])
    return "".join(chars)


def understand(G: nx.MultiDiGraph, text: str, mentions: Sequence[Mention], prefs: Preferences,
               last_items: Sequence[int] = (), focus: int | None = None) -> Understanding:
    """What ``text`` says, given the linked ``mentions`` and the conversation so far.

    A movie mentioned plainly is liked; after a negation ("not", "hated", "no more") it is disliked;
    after "seen" it is seen. A person after a negation becomes a hard exclusion; after "with" /
    "starring" a hard requirement. Genres are wanted or excluded. "The second one" refers to
    ``last_items``; "it" in a question means ``focus`` (the movie last asked about) or the first
    of ``last_items``. When the user asks about a movie (or, with none, a person), it is the
    question's subject only.
    """
    given, mentions = tuple(mentions), _repeated(text, mentions)
    low = _masked(text, mentions)
    out: dict[str, list[int]] = {k: [] for k in ("liked", "disliked", "seen", "genres", "not_genres", "people", "not_people")}
    relations = _fact_relations(low)
    subject = person = None  # a question is about its first movie, else its first person
    starts = sorted({m.span[0] for m in mentions})
    for m in mentions:
        polarity = _polarity(low, m, next((s for s in starts if s >= m.span[1]), None))
        if m.type in item_types(G) and relations is not None:
            subject = subject if subject is not None else m.node
        elif m.type == "person" and relations is not None:
            person = person if person is not None else m.node
        elif m.type == "genre":
            out["not_genres" if polarity == "negative" else "genres"].append(m.node)
        elif m.type == "person" and polarity == "negative":
            out["not_people"].append(m.node)
            out["disliked"].append(m.node)
        elif m.type == "person" and HARD_PERSON.search(low[max(0, m.span[0] - 20):m.span[0]]):
            out["people"].append(m.node)
            out["liked"].append(m.node)
        else:
            out[{"negative": "disliked", "seen": "seen", "positive": "liked"}[polarity]].append(m.node)
    referred, where = _ordinal(low, last_items)
    default = focus if focus is not None and relations is not None else last_items[0] if last_items else None
    if referred is None and default is not None and (relations is not None or SEEN.search(low)) and (m := IT.search(low)):
        referred, where = default, m.start()
    if relations is not None:
        subject = next((n for n in (subject, referred, person) if n is not None), None)
    elif referred is not None:
        before = _clause_before(low, where)
        key = "disliked" if negation.negated(low, where, where) else "seen" if SEEN.search(before) else "liked"
        out[key].append(referred)
    liked_years = [G.nodes[n]["year"] for n in prefs.liked + out["liked"]
                   if n in G and isinstance(G.nodes[n].get("year"), int)]
    years = _years(low, liked_years)
    return Understanding(
        **{k: tuple(dict.fromkeys(v)) for k, v in out.items()}, year_min=years.year_min, year_max=years.year_max,
        not_years=years.not_years, replaces_genres=bool(REPLACE.search(text.lower())), fact_relations=relations, fact_subject=subject,
        wants_more=bool(WANTS_MORE.search(low) or MORE_LIKE.search(low)) and relations is None,
        unknown_titles=_unknown_titles(text, mentions), contradictions=_contradictions(G, out, years), mentions=given)


def _contradictions(G: nx.MultiDiGraph, out: dict[str, list[int]], years: negation.YearReading) -> tuple[str, ...]:
    found = []
    lo, hi = years.year_min, years.year_max
    if lo is not None and hi is not None and lo > hi:
        found.append(f"films from {lo} or later and from {hi} or earlier")
    elif negation.covers(years.not_years, lo, hi):
        found.append(f"films from {lo} to {hi} but not from " + ", ".join(f"{a} to {b}" for a, b in years.not_years))
    for want, avoid in (("genres", "not_genres"), ("people", "not_people"), ("liked", "disliked")):
        for node in set(out[want]) & set(out[avoid]):
            found.append(f"{G.nodes[node].get('name', node)} both wanted and not wanted")
    return tuple(found)


def _add(target: list[int], nodes, *remove_from: list[int]) -> None:
    for node in nodes:
        if node not in target:
            target.append(node)
        for other in remove_from:
            while node in other:
                other.remove(node)


def apply(prefs: Preferences, u: Understanding) -> Preferences:
    """``prefs`` updated by ``u`` (a new object). The latest statement wins over an earlier one."""
    new = copy.deepcopy(prefs)
    if u.contradictions:
        return new
    _add(new.liked, u.liked, new.disliked)
    _add(new.disliked, u.disliked, new.liked)
    _add(new.seen, u.seen)
    if u.replaces_genres and u.genres:  # "something funnier" after horror: comedy instead of horror
        new.genres.clear()
    _add(new.genres, u.genres, new.not_genres)
    _add(new.not_genres, u.not_genres, new.genres)
    _add(new.people, u.people, new.not_people)
    _add(new.not_people, u.not_people, new.people)
    if u.year_min is not None:
        new.year_min = u.year_min
        if new.year_max is not None and new.year_max < u.year_min and u.year_max is None:
            new.year_max = None
    if u.year_max is not None:
        new.year_max = u.year_max
        if new.year_min is not None and new.year_min > u.year_max and u.year_min is None:
            new.year_min = None
    _apply_not_years(new, u)
    return new


def _apply_not_years(new: Preferences, u: Understanding) -> None:
    """Excluded ranges: a newly wanted closed range ("the 80s then") lifts the exclusions it
    overlaps (an open bound, "after 1980", lifts none); a new exclusion that leaves no year of the
    wanted range replaces that range."""
    if u.year_min is not None and u.year_max is not None:
        new.not_years = [r for r in new.not_years if r[1] < u.year_min or u.year_max < r[0]]
    for r in u.not_years:
        if tuple(r) not in map(tuple, new.not_years):
            new.not_years.append(tuple(r))
    if u.not_years and negation.covers(new.not_years, new.year_min, new.year_max):
        new.year_min = new.year_max = None


def has_preferences(prefs: Preferences) -> bool:
    """Is there anything to recommend from?"""
    return bool(prefs.liked or prefs.genres or prefs.people or prefs.year_min is not None
                or prefs.year_max is not None or prefs.not_genres or prefs.not_people or prefs.not_years)


def context_items(prefs: Preferences) -> list[int]:
    """The conversation's movies for the interaction retrievers: liked, suggested or seen, not disliked."""
    disliked = set(prefs.disliked)
    return [n for n in dict.fromkeys(prefs.liked + prefs.recommended + prefs.seen) if n not in disliked]


def seeds(G: nx.MultiDiGraph, prefs: Preferences) -> list[int]:
    """The retrieval seeds: liked nodes, and wished genres the graph cannot answer as filters."""
    hard = set(hard_genres(G, prefs.genres))
    return [n for n in dict.fromkeys(prefs.liked + [g for g in prefs.genres if g not in hard]) if n in G]


def soft_genres(G: nx.MultiDiGraph, prefs: Preferences) -> list[int]:
    """Wished genres kept as preferences, not filters (no catalog item has them, or few items have a genre)."""
    hard = set(hard_genres(G, prefs.genres))
    return [g for g in prefs.genres if g not in hard and g in G]


def constraints(G: nx.MultiDiGraph, prefs: Preferences) -> Constraints:
    """The hard filters the preferences imply: never the liked, seen, disliked or recommended movies."""
    shown = {n for n in prefs.liked + prefs.disliked + prefs.seen + prefs.recommended if G.nodes.get(n, {}).get("item")}
    genres = frozenset(hard_genres(G, prefs.genres))  # the others are soft: seeds (see seeds)
    return Constraints(exclude=frozenset(shown), genres=genres, not_genres=frozenset(prefs.not_genres),
                       people=frozenset(prefs.people), not_people=frozenset(prefs.not_people),
                       year_min=prefs.year_min, year_max=prefs.year_max,
                       not_years=frozenset(tuple(r) for r in prefs.not_years))


def forget(prefs: Preferences, node: int | str) -> Preferences:
    """``prefs`` without ``node`` anywhere (or without the year bound ``"year_min"`` / ``"year_max"``,
    or without the excluded year ranges, ``"not_years"``)."""
    new = copy.deepcopy(prefs)
    if node in ("year_min", "year_max"):
        setattr(new, node, None)
        return new
    if node == "not_years":
        new.not_years = []
        return new
    for name in ("liked", "disliked", "seen", "genres", "not_genres", "people", "not_people"):
        setattr(new, name, [n for n in getattr(new, name) if n != node])
    return new



def _key(G: nx.MultiDiGraph, node: int) -> str:
    return re.sub(r"\W+", " ", str(G.nodes[node].get("name", ""))).strip().lower()


def title_index(G: nx.MultiDiGraph) -> dict[str, list[int]]:
    """Normalized movie name -> catalog items with that name (built once per graph)."""
    index: dict[str, list[int]] = {}
    for node, data in G.nodes(data=True):
        if data.get("item"):
            index.setdefault(_key(G, node), []).append(node)
    return index


def duplicates(G: nx.MultiDiGraph, shown: Sequence[int], titles: dict[str, list[int]]) -> set[int]:
    """Catalog entries that look like the same film as one in ``shown`` (same name, and a year missing
    or equal): the KG holds a few movies twice, and "Police Academy" should not follow "Police Academy"."""
    found = set()
    for node in shown:
        if node not in G or G.nodes[node].get("type") not in item_types(G):
            continue
        year = G.nodes[node].get("year")
        for other in titles.get(_key(G, node), ()):
            other_year = G.nodes[other].get("year")
            if other != node and (year is None or other_year is None or year == other_year):
                found.add(other)
    return found
