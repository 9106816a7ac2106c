"""What a user's message says about their taste: cue words around the linked mentions.

``understand`` reads one message (with the entity mentions ``kgrec.kg.query.linking`` found in it) and
returns an ``Understanding``; ``kgrec.agent.preferences.apply`` folds it into ``Preferences``. Pure: the
recommender owns the session state. Cue words are English; other languages still link titles.
"""
from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import networkx as nx

from kgrec.agent import negation
from kgrec.agent.content import content_words, moods
from kgrec.agent.replies import words
from kgrec.agent.types import Preferences, preference_fields
from kgrec.kg.graph import cached, catalog_set
from kgrec.kg.query.linking import item_types
from kgrec.kg.schema import Mention

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
#: words that point back to the movie just named ("seen Heat, loved it"; "... last week. The movie was great")
BACK = re.compile(r"\b(?:it|this one|that one|(?:the|that|this) (?:movie|film)|like (?:that|this))\b")
#: a clause with a subject of its own is not about the movie before it ("seen Heat, what do you like?")
OWN_SUBJECT = re.compile(r"\b(?:you|we|they|he|she|what|which|who|how|anything|something|any|some|else)\b")
SEEN_IT = re.compile(r"^\W*(?:i(?:'ve| have)?\s+)?(?:already\s+)?(?:seen|watched|saw)\s+(?:it|that one|this one)\b")
#: a comparison that makes the movie named right after it a year bound ("newer than Heat", "before Titanic")
THAN_TITLE = re.compile(r"\b(?:(older|earlier)|newer|later|more recent)\s+than\s*$|\b(?:(before|prior to)|after)\s*$")
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
    r"\b(?:loved|love|liked|like|enjoyed|watched|seen|saw|hated|recommend|suggest|about)\s+(?:the\s+)?"
    r"[\"“']?((?:[A-Z0-9][\w'’:&-]*)(?:\s+(?:[A-Z0-9][\w'’:&-]*|of|the|a|and|in|on))*)")
SEQUEL_NUMBER = re.compile(r"\s+(?:\d{1,2}|[ivx]{1,4})$")  # "toy story 2" -> "toy story"
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
    compound_genres: tuple[int, ...] = ()  # genres named as one ("romantic comedy", "horror comedies"): all of them lead
    not_genres: tuple[int, ...] = ()
    themes: tuple[int, ...] = ()  # theme nodes the items should be about ("time travel")
    not_themes: tuple[int, ...] = ()
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
    content: tuple[str, ...] = ()  # words saying what the movie should be about (kgrec.agent.content), for retrieval
    moods: tuple[str, ...] = ()  # how it should feel ("less sad", kgrec.agent.content.moods): no fact says it, the reply says so
    contradictions: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = field(default=())

    @property
    def adds_preferences(self) -> bool:
        """Did this message state a like, dislike, seen movie or filter (a saved preference)?"""
        return any(getattr(self, name) not in (None, ()) for name in preference_fields(saved=True))

    @property
    def has_signal(self) -> bool:
        """Did this message say anything about what to recommend (a preference, "more", or content words)?"""
        return self.adds_preferences or self.wants_more or bool(self.content)


def best_mentions(mentions: Sequence[Mention], min_score: float) -> list[Mention]:
    """Highest-scoring mention per overlapping span, in text order; ambiguous equals keep the first.
    Words that name two genres at once ("romantic comedy": romance and comedy,
    ``kgrec.kg.query.lexicon.GENRE_SYNONYMS``) keep both."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-m.score, m.span)):
        if m.type == "genre" and m.surface.strip().lower() in GENERIC:
            continue
        both = m.type == "genre" and any(k.type == "genre" and k.span == m.span and k.node != m.node for k in kept)
        if m.score < min_score or not both and any(m.span[0] < k.span[1] and k.span[0] < m.span[1] for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m.span)


def _clause_before(low: str, start: int) -> str:
    window = low[max(0, start - 60):start]
    cuts = list(CLAUSE_END.finditer(window))
    return window[cuts[-1].end():] if cuts else window


def _polarity(low: str, mention: Mention, limit: int | None = None, next_item: int | None = None,
              starts: Collection[int] = ()) -> str:
    """"negative", "seen" or "positive" from the words around a mention (``kgrec.agent.negation``);
    ``limit``: where the next mention starts, ``next_item`` the next movie, ``starts`` every mention.
    A judgement after a seen movie decides ("I've seen Inception, loved it", "watched Heat and it
    was great", "Heat? seen it, amazing", "we saw Coco, my kids loved it")."""
    if negation.negated(low, *mention.span, limit=limit):
        return "negative"
    if judged := _judged(low, mention.span[1], next_item, starts):
        return judged
    if SEEN.search(_clause_before(low, mention.span[0])) or SEEN_IT.match(low[mention.span[1]:]):
        return "seen"
    return "positive"


def _about(low: str, end: int, limit: int | None) -> list[tuple[int, int]]:
    """Spans of the clauses after a mention (ending at ``end``) that speak of it: the rest of its
    sentence and the next sentences that point back to it ("it", "the movie"), up to the next
    mention at ``limit``; a clause that leads into the next mention is about that one, and a clause
    with a subject of its own ("what do you like?") is about neither. A mark right after the
    mention ends no sentence ("Airplane! last week", "Heat. Amazing")."""
    stop = min(len(low), end + 160, limit if limit is not None else len(low))
    bounds = [end] + [m.end() for m in CLAUSE_END.finditer(low, end, stop)] + [stop]
    clauses = [(a, b) for a, b in zip(bounds, bounds[1:]) if low[a:b].strip(" ,.;!?\n")]
    if limit is not None and stop == limit and clauses:
        clauses.pop()
    spans = []
    for a, b in clauses:
        gap = re.sub(r"^[.!?…]+", "", low[end:a])  # "Airplane! last week": the title's own mark ends no sentence
        if re.search(r"[.;!?\n]\s*$", gap) and not BACK.search(low[a:b]):  # a new sentence about something else
            break
        if BACK.search(low[a:b]) or not OWN_SUBJECT.search(low[a:b]):
            spans.append((a, b))
    return spans


def _judged(low: str, end: int, limit: int | None, starts: Collection[int] = ()) -> str | None:
    """"positive" or "negative" when the clauses about a mention (``_about``) judge it one way only;
    a word right before another mention (at ``starts``) is about that one ("I love comedies")."""
    good = bad = False
    for a, b in _about(low, end, limit):
        praise = [g for g in negation.GOOD.finditer(low, a, b)  # "wasn't bad" is praise, not "bad"
                  if not any(s >= g.end() and not low[g.end():s].strip() for s in starts)]
        for g in praise:
            bad, good = (True, good) if negation.negated(low, g.start(), g.end(), lists=False, limit=b) else (bad, True)
        bad = bad or any(not any(g.start() <= w.start() < g.end() for g in praise) for w in negation.BAD.finditer(low, a, b))
        bad = bad or bool((it := BACK.search(low, a, b)) and negation.negated(low, it.start(), it.end(), limit=b))
    return "positive" if good and not bad else "negative" if bad and not good else None


def _bounds(G: nx.MultiDiGraph, low: str, mentions: Sequence[Mention]) -> dict[tuple[int, int], str]:
    """Movies named as a year bound ("newer than Heat", "nothing before Titanic"): their span and the
    phrase that says the same with the movie's year ("after 1995"), from the comparison's start."""
    found = {}
    for m in mentions:
        year = G.nodes[m.node].get("year") if m.type in item_types(G) else None
        before = low[max(0, m.span[0] - 20):m.span[0]]
        if not isinstance(year, int) or not (c := THAN_TITLE.search(before)):
            continue
        if c.group(0).rstrip().endswith("than") or not SEEN.search(_clause_before(low, m.span[0])):  # not "saw Big before Heat"
            found[m.span] = (m.span[0] - len(before) + c.start(), f"{'before' if c.group(1) or c.group(2) else 'after'} {year}")
    return found


def _years(low: str, anchor_years: Sequence[int], bounds: dict | None = None) -> negation.YearReading:
    """Year bounds and excluded ranges stated in the (lower-case, titles masked) message; a movie
    named as a bound reads as its year (``_bounds``), and a bare "newer" / "older" is relative to
    ``anchor_years`` (the liked movies', else the latest list's), never added to a stated bound ("older than 2010")."""
    for (_, end), (start, phrase) in sorted((bounds or {}).items(), reverse=True):
        low = low[:start] + phrase + low[end:]
    read = negation.read_years(low)
    lo, hi = read.year_min, read.year_max
    if anchor_years and re.search(r"\b(newer|more recent|recent ones?|modern)\b(?!\s+than\b)", low) and lo is None:
        lo = max(anchor_years) + 1
    if anchor_years and re.search(r"\b(older|classics?|old ones?)\b(?!\s+than\b)", low) and hi is None:
        hi = min(anchor_years) - 1
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


def _starts_a_title(G: nx.MultiDiGraph, phrase: str) -> bool:
    """Whether a catalog item's name goes on from ``phrase`` ("Toy Story" -> "Toy Story 3"), or from it
    without its sequel number ("Toy Story 2")."""
    names = cached(G, "item_names_sorted", lambda G: sorted(str(G.nodes[n].get("name") or "").lower()
                                                               for n in catalog_set(G)))
    stem = SEQUEL_NUMBER.sub("", phrase.lower())
    for key in (stem + " ", stem + ":"):
        i = bisect.bisect_left(names, key)
        if i < len(names) and names[i].startswith(key):
            return True
    return False


def _themes_in_titles(G: nx.MultiDiGraph, text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """``mentions`` without the themes and genres found inside a capitalised title-like phrase that
    goes on past them and starts a longer catalog title: in "I loved Toy Story" (a film the catalog
    lacks; it has "Toy Story 3") the user named a film, not the theme "toys". The phrase is then an
    unknown title, which the search step looks up ("Did you mean Toy Story 3 (2010)?")."""
    dropped: set[int] = set()
    for m in UNKNOWN_TITLE.finditer(text):
        start, end = m.span(1)
        inside = [i for i, k in enumerate(mentions) if k.span[0] < end and start < k.span[1]]
        if (len(m.group(1).split()) < 2 or not inside or any(mentions[i].type not in ("theme", "genre") for i in inside)
                or _masked(text, [mentions[i] for i in inside])[start:end].strip() == ""):
            continue
        if _starts_a_title(G, m.group(1).strip(" '\"“”")):
            dropped.update(inside)
    return [k for i, k in enumerate(mentions) if i not in dropped]


def content_outside_titles(text: str, mentions: Sequence[Mention]) -> tuple[str, ...]:
    """``kgrec.agent.content.content_words`` of ``text`` without its unknown titles: "I love the Harry
    Potter movies" says nothing about what a film is about."""
    return content_words(_blanked(text, _unknown_titles(text, mentions)), mentions)


def compound_genres(text: str, mentions: Sequence[Mention]) -> tuple[int, ...]:
    """The genres named as one compound: on one span ("romantic comedy", ``best_mentions``) or next to
    each other ("horror comedies", "sci-fi horror"); "comedy or horror" and "comedy and horror" are two.

    >>> from kgrec.kg.schema import Mention
    >>> g = lambda node, span: Mention(node=node, name="", type="genre", surface="", span=span, score=1.0)
    >>> compound_genres("horror comedies or drama", [g(1, (0, 6)), g(2, (7, 15)), g(3, (19, 24))])
    (1, 2)
    """
    genres = sorted((m for m in mentions if m.type == "genre"), key=lambda m: m.span)
    out: list[int] = []
    for a, b in zip(genres, genres[1:]):
        if a.span == b.span or text[a.span[1]:b.span[0]].strip(" -") == "" and a.span[1] <= b.span[0]:
            out += [a.node, b.node]
    return tuple(dict.fromkeys(out))


def _blanked(text: str, phrases: Sequence[str]) -> str:
    """``text`` with ``phrases`` (unknown titles) as spaces, so their words say nothing about content."""
    for phrase in phrases:
        text = text.replace(phrase, " " * len(phrase))
    return text


def _repeated(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """The mentions plus every other occurrence of their words ("horror, but not horror"; a title's
    only with the same letter case)."""
    low = text.lower() if len(text.lower()) == len(text) else text
    out = list(mentions)
    for m in mentions:
        surface = m.surface.strip().lower()
        if len(surface) < 3:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", low):
            if m.type not in ("genre", "person") and text[match.start():match.end()] != m.surface.strip():
                continue  # a title again only as written: in "I saw Saw" the verb is not the movie
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
    mentions = _themes_in_titles(G, text, mentions)
    given, mentions = tuple(mentions), _repeated(text, mentions)
    low = _masked(text, mentions)
    relations, bounds = _fact_relations(low), _bounds(G, low, mentions)
    out, subject, person = _sorted_mentions(G, low, mentions, relations, bounds)
    named = min((m.span[0] for m in mentions if m.type in item_types(G)), default=len(low))
    referred, where = _referred(low[:named], last_items, focus, relations)  # "it" after a title is that title
    if relations is not None:
        subject = next((n for n in (subject, referred, person) if n is not None), None)
    elif referred is not None:
        out[_reference_kind(low, where, named if named < len(low) else None)].append(referred)
    dated = [n for n in prefs.liked + tuple(out["liked"]) if n in G and isinstance(G.nodes[n].get("year"), int)]
    if not dated:  # "something newer" after a list and no liked movie: newer than the list
        dated = [n for n in last_items if n in G and isinstance(G.nodes[n].get("year"), int)]
    years = _years(low, [G.nodes[n]["year"] for n in dated], bounds)
    unknown = _unknown_titles(text, mentions)
    compound = tuple(g for g in compound_genres(text, given) if g in out["genres"])
    return Understanding(compound_genres=compound,
        **{k: tuple(dict.fromkeys(v)) for k, v in out.items()}, year_min=years.year_min, year_max=years.year_max,
        not_years=years.not_years, replaces_genres=bool(REPLACE.search(text.lower())), fact_relations=relations, fact_subject=subject,
        wants_more=bool(WANTS_MORE.search(low) or MORE_LIKE.search(low)) and relations is None,
        unknown_titles=unknown, contradictions=_contradictions(G, out, years), mentions=given,
        content=content_words(_blanked(text, unknown), mentions) if relations is None else (),
        moods=moods(text, mentions) if relations is None else ())


def _sorted_mentions(G: nx.MultiDiGraph, low: str, mentions: Sequence[Mention], relations: tuple[str, ...] | None,
                     bounds: Collection[tuple[int, int]] = ()) -> tuple[dict[str, list[int]], int | None, int | None]:
    """Each mention's node under what it says (``"liked"``, ``"not_genres"``, ...), and in a question
    its first movie and first person (the question is about them, nothing is liked). A movie named
    as a year bound (``bounds``: spans) is neither."""
    out: dict[str, list[int]] = {k: [] for k in ("liked", "disliked", "seen", "genres", "not_genres", "themes",
                                                 "not_themes", "people", "not_people")}
    subject = person = None
    starts = sorted({m.span[0] for m in mentions})
    items = [s for s in starts if any(m.span[0] == s and m.type in item_types(G) for m in mentions)]
    for m in mentions:
        polarity = _polarity(low, m, next((s for s in starts if s >= m.span[1]), None),
                             next((s for s in items if s >= m.span[1]), None), starts)
        if m.span in bounds:
            continue
        if m.type in item_types(G) and relations is not None:
            subject = subject if subject is not None else m.node
        elif m.type == "person" and relations is not None:
            person = person if person is not None else m.node
        elif m.type == "genre":
            out["not_genres" if polarity == "negative" else "genres"].append(m.node)
        elif m.type == "theme":
            out["not_themes" if polarity == "negative" else "themes"].append(m.node)
        elif m.type == "person" and polarity == "negative":
            out["not_people"].append(m.node)
            out["disliked"].append(m.node)
        elif m.type == "person" and HARD_PERSON.search(low[max(0, m.span[0] - 20):m.span[0]]):
            out["people"].append(m.node)
            out["liked"].append(m.node)
        else:
            out[{"negative": "disliked", "seen": "seen", "positive": "liked"}[polarity]].append(m.node)
    return out, subject, person


def _referred(low: str, last_items: Sequence[int], focus: int | None, relations: tuple[str, ...] | None
              ) -> tuple[int | None, int]:
    """The earlier movie "the second one" or "it" names, and where the phrase starts; "it" is the movie
    the latest question was about, else the first of the latest list."""
    referred, where = _ordinal(low, last_items)
    default = focus if focus is not None else last_items[0] if last_items else None
    if referred is None and default is not None and (relations is not None or SEEN.search(low)) and (m := IT.search(low)):
        referred, where = default, m.start()
    return referred, where


def _reference_kind(low: str, where: int, limit: int | None = None) -> str:
    """What a reference at ``where`` says about its movie: ``"disliked"``, ``"seen"`` or ``"liked"``
    ("seen it, loved it": the judgement after it decides, as after a title)."""
    if negation.negated(low, where, where):
        return "disliked"
    end = m.end() if (m := IT.match(low, where) or ORDINAL.match(low, where)) else where
    if judged := _judged(low, end, limit):
        return {"positive": "liked", "negative": "disliked"}[judged]
    return "seen" if SEEN.search(_clause_before(low, where)) else "liked"


def _contradictions(G: nx.MultiDiGraph, out: dict[str, list[int]], years: negation.YearReading) -> tuple[str, ...]:
    found, things = [], words(G.graph.get("domain_noun") or "movie")["nouns"]
    lo, hi = years.year_min, years.year_max
    if lo is not None and hi is not None and lo > hi:
        found.append(f"{things} from {lo} or later and from {hi} or earlier")
    elif negation.covers(years.not_years, lo, hi):
        found.append(f"{things} from {lo} to {hi} but not from " + ", ".join(f"{a} to {b}" for a, b in years.not_years))
    for want, avoid in (("genres", "not_genres"), ("themes", "not_themes"), ("people", "not_people"),
                        ("liked", "disliked")):
        for node in set(out[want]) & set(out[avoid]):
            found.append(f"{G.nodes[node].get('name', node)} both wanted and not wanted")
    return tuple(found)
