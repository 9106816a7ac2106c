"""Entity linking: the movies, people and genres a message mentions.

The index (``kgrec.kg.query.link_index``, built once per graph) maps normalised aliases (lower case, no accents or punctuation) to graph nodes:
movie titles with and without year, subtitle or leading article; people's full names (and
a surname one person dominates); genre names with plurals and synonyms ("scary" -> horror,
"rom-com" -> romance + comedy); and ReDial's ``@123`` form. ``link`` looks up every n-gram
of a message, fuzzily matches spans holding an unknown word (a typo), drops matches that a
longer one covers, and returns every node an ambiguous span could mean. Titles made of
everyday words (``kgrec.kg.query.lexicon``) need a capital: "Up" links, "up to date" does not::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, name="Up", title="Up (2009)", type="movie", item=True, popularity=3)
    >>> G.add_node(2, name="Police Academy", title="Police Academy (1984)", type="movie")
    >>> index = build_link_index(G)
    >>> [m.name for m in link(index, "I loved police acadmy, have you seen Up?")]
    ['Up (2009)', 'Police Academy (1984)']
    >>> link(index, "something up to date")
    []
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from kgrec.kg.query.lexicon import SENTENCE_END, STOPWORDS, normalize, tokens
from kgrec.kg.query.link_index import Entry, LinkIndex, _prior
from kgrec.kg.query.link_index import build_link_index, genre_nodes, is_film_hint, item_types  # noqa: F401  (kgrec.kg.query.linking's names too)
from kgrec.kg.schema import Mention

MAX_TOKENS = 10  # longest alias looked up, in words
MAX_FUZZY_TOKENS = 6
MAX_AMBIGUITY = 8  # nodes returned for one ambiguous span
REDIAL_ID = re.compile(r"@(\d+)")
#: cue words (likes, negations) a typo match never folds into a title: "hated gladiator" is no "The Gladiator"
CUE_WORDS = frozenset("""
not no never none nothing without except avoid skip hate hated hates dislike disliked like liked likes love
loved loves enjoy enjoyed seen saw watched but than other anything everything stand cant cannot dont didnt
rather instead less more recommend suggest want movie movies film films
""".split())
#: "the movie X", "a film called 9": a short title plainly named as a movie
NAMED_AS_MOVIE = re.compile(r"(?:\b(?:the|a|that)\s+(?:movie|film|flick)(?:\s+(?:called|named|titled))?"
                            r"|\b(?:called|named|titled))\s*$", re.IGNORECASE)
#: what follows a sentence-initial title judged at once: "Saw was awful", "Taken? hated it"
JUDGED = re.compile(r"\s*(?:\?|(?:was|is|were|are|sucked|sucks|bored|rocks|rocked|never gets)\b)", re.IGNORECASE)
TITLE_SMALL = frozenset("a an the and or of in on at to as by for with from".split())  # lower case in Title Case
QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}


# ---------------------------------------------------------------- matching
@dataclass(frozen=True)
class _Match:
    start: int  # first token
    end: int  # one past the last token
    score: float  # how well the text matches the alias
    entries: tuple[Entry, ...]


def _quoted(text: str, start: int, end: int) -> bool | None:
    """True when quotes enclose exactly ``text[start:end]``, False when a quote opens before it but
    does not close right after it ("'DROP TABLE movies'" quotes no "Drop"), None without a quote."""
    before = text[:start].rstrip()
    if not before or before[-1] not in QUOTES:
        return None
    return text[end:].lstrip(" .!?").startswith(QUOTES[before[-1]])


def _named(text: str, words: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """Whether a span is plainly named as a movie: quoted exactly, or after "the movie" / "called"."""
    start, end = words[i][1], words[j - 1][2]
    return bool(_quoted(text, start, end)) or NAMED_AS_MOVIE.search(text[:start]) is not None


def _capitalised(text: str, words: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """Whether a span is written like a name: quoted, Title Cased, or capitalised mid-sentence
    (a word in capitals, "DROP", is shouting or code, not a name)."""
    start, end = words[i][1], words[j - 1][2]
    before = text[:start].rstrip()
    quoted = _quoted(text, start, end)
    if quoted is not None:
        return quoted
    if text.isupper() or not text[start].isupper() or (text[start:end].isupper() and end - start > 1):
        return False
    if j - i > 1 and all(text[words[k][1]].isupper() or words[k][0] in TITLE_SMALL for k in range(i, j)):
        return True
    if before and SENTENCE_END.search(before) is None:
        return True
    if all(words[k][0] in STOPWORDS for k in range(i, j)):
        return False  # "It was great" speaks of "it", not of It (2017)
    return JUDGED.match(text, end) is not None  # a sentence opens with the title and judges it


def _exact(index: LinkIndex, text: str, words: list[tuple[str, int, int]]) -> list[_Match]:
    folded = [w for w, _, _ in words]
    matches = []
    for i in range(len(folded)):
        for j in range(min(len(folded), i + MAX_TOKENS), i, -1):
            entries = index.aliases.get(" ".join(folded[i:j]))
            if not entries or (all(w in CUE_WORDS for w in folded[i:j])
                               and not _named(text, words, i, j) and not _capitalised(text, words, i, j)):
                continue  # "I hated Gladiator" names no film "Hated"
            if any(e.bare for e in entries) and not _named(text, words, i, j):
                entries = [e for e in entries if not e.bare]
            if any(e.weak and not e.bare for e in entries) and not _capitalised(text, words, i, j):
                entries = [e for e in entries if not e.weak]
            if j - i > 1 and _list_break(text, words, i, j):  # "comedy, drama" is two genres, not Comedy-drama
                entries = [e for e in entries if index.nodes[e.node].type != "genre"]
            if entries:
                matches.append(_Match(i, j, 1.0, tuple(entries)))
    return matches


def _list_break(text: str, words: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """Whether a comma, semicolon or slash separates two words of the span (a list, not one name)."""
    return any(set(text[words[k][2]:words[k + 1][1]]) & set(",;/") for k in range(i, j - 1))


def _cutoff(key: str) -> float:
    return 90.0 if len(key) < 8 else 85.0


def _close_words(index: LinkIndex, word: str) -> list[str]:
    """Distinctive alias words a typo ``word`` may stand for."""
    if len(word) < 4:
        return []
    return [w for w, _, _ in process.extract(word, index.words, scorer=fuzz.ratio, limit=5,
                                             score_cutoff=75)]


def _neighbours(index: LinkIndex, words: list[str], close: dict[str, list[str]]) -> list[str]:
    """Aliases sharing a distinctive word (or a word close to a typo) with ``words``."""
    found: dict[str, None] = {}
    for word in words:
        if word not in index.vocab and word not in close:
            close[word] = _close_words(index, word)
        for known in close.get(word, [word]):
            postings = index.by_token.get(known, ())
            if len(postings) <= 2000:
                found.update(dict.fromkeys(postings))
    return list(found)


def _fuzzy(index: LinkIndex, words: list[tuple[str, int, int]]) -> list[_Match]:
    """Matches of spans holding an unknown word (likely a typo) to close aliases."""
    folded = [w for w, _, _ in words]
    unknown = [w not in index.vocab and not w.isdigit() and len(w) >= 3 for w in folded]
    edge = [w in STOPWORDS and len(w) <= 3 for w in folded]
    cue = [w in CUE_WORDS for w in folded]
    matches, close = [], {}
    for i in range(len(folded)):
        for j in range(i + 1, min(len(folded), i + MAX_FUZZY_TOKENS) + 1):
            key = " ".join(folded[i:j])
            if not any(unknown[i:j]) or edge[i] or edge[j - 1] or len(key) < 6 or cue[i:j].count(True):
                continue
            choices = index.single if j - i == 1 else _neighbours(index, folded[i:j], close)
            for alias, score, _ in process.extract(key, choices, scorer=fuzz.ratio, limit=3,
                                                   score_cutoff=_cutoff(key)):
                entries = tuple(e for e in index.aliases[alias] if not e.weak)
                if (entries and abs(len(alias.split()) - (j - i)) <= 1
                        and not _inflection(key, alias)):
                    matches.append(_Match(i, j, 0.9 * score / 100, entries))
    return matches


def _inflection(a: str, b: str) -> bool:
    """``"fence"``/``"fences"``, ``"choices"``/``"choice"``: another form, not a typo."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short):] in ("s", "es", "d", "ed", "ing", "t")


def _select(matches: list[_Match]) -> list[_Match]:
    """Longest matches first; a match overlapping a chosen one is dropped."""
    chosen, taken = [], set()
    for match in sorted(matches, key=lambda m: (m.start - m.end, -m.score, m.start)):
        span = set(range(match.start, match.end))
        if taken.isdisjoint(span):
            chosen.append(match)
            taken |= span
    return chosen


def _mention(index: LinkIndex, node: int, surface: str, span: tuple[int, int],
             score: float) -> Mention:
    info = index.nodes[node]
    return Mention(node, info.name, info.type, surface, span, round(score, 4))


def _redial_mentions(index: LinkIndex, text: str) -> tuple[list[Mention], str]:
    """Mentions written ``@123`` and the text with them blanked out."""
    mentions = []
    for match in REDIAL_ID.finditer(text):
        node = index.redial.get(int(match.group(1)))
        if node is not None and node in index.nodes:
            mentions.append(_mention(index, node, match.group(), match.span(), 1.0))
    return mentions, REDIAL_ID.sub(lambda m: " " * len(m.group()), text)


def link(index: LinkIndex, text: str) -> list[Mention]:
    """The movies, people and genres ``text`` mentions, best first (ambiguous spans give all).

    One mention per node; ``span`` is in characters of ``text``. Empty text gives ``[]``.
    """
    if not text or not text.strip():
        return []
    mentions, text = _redial_mentions(index, text)
    words = tokens(text)
    for match in _select(_exact(index, text, words) + _fuzzy(index, words)):
        start, end = words[match.start][1], words[match.end - 1][2]
        for rank, entry in enumerate(match.entries[:MAX_AMBIGUITY]):
            score = match.score * entry.score * (1 - 0.05 * rank)
            mentions.append(_mention(index, entry.node, text[start:end], (start, end), score))
    best: dict[int, Mention] = {}
    for mention in sorted(mentions, key=lambda m: (-m.score, m.span)):
        best.setdefault(mention.node, mention)
    return list(best.values())


def lookup(index: LinkIndex, name: str, types: Collection[str] | None = None,
           limit: int = 5) -> list[Mention]:
    """The nodes best matching ``name`` (a name, title, ``@123`` or node id), fuzzy, best first."""
    text = name.strip()
    key = normalize(text)
    allowed = [n for n in (index.redial.get(int(text[1:])) if REDIAL_ID.fullmatch(text) else None,
                           int(text) if text.isdigit() else None) if n in index.nodes]
    scores: dict[int, float] = dict.fromkeys(allowed, 1.0)
    for entry in index.aliases.get(key, ()):
        scores.setdefault(entry.node, entry.score)
    if key:
        for alias, score, _ in process.extract(key, index.keys, scorer=fuzz.WRatio,
                                               limit=limit * 4 + 10, score_cutoff=60):
            if len(alias) < len(key):  # a short alias inside a long name is no match
                score = min(score, fuzz.ratio(key, alias))
            for entry in index.aliases[alias]:
                scores.setdefault(entry.node, 0.9 * entry.score * score / 100)
    if types is not None:
        scores = {n: s for n, s in scores.items() if index.nodes[n].type in types}
    ranked = sorted(scores, key=lambda n: (-round(scores[n], 4), *_prior(index.nodes[n]), n))
    return [_mention(index, n, name, (0, len(name)), scores[n]) for n in ranked[:limit]]
