"""Entity linking: the movies, people and genres a message mentions.

The index maps normalised aliases (lower case, no accents or punctuation) to graph nodes:
movie titles with and without year, subtitle or leading article; people's full names (and
a surname one person dominates); genre names with plurals and synonyms ("scary" -> horror,
"rom-com" -> romance + comedy); and ReDial's ``@123`` form. ``link`` looks up every n-gram
of a message, fuzzily matches spans holding an unknown word (a typo), drops matches that a
longer one covers, and returns every node an ambiguous span could mean. Titles made of
everyday words (``kg.lexicon``) need a capital: "Up" links, "up to date" does not::

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
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import networkx as nx
from rapidfuzz import fuzz, process

from kg import heap
from kg.lexicon import COMMON, GENRE_SYNONYMS, SENTENCE_END, STOPWORDS, THEME_FORMS, fold, normalize, tokens
from kg.graph import display
from kg.schema import DERIVED_ID_BASE, ITEM_TYPE, Mention

LINKED_TYPES = (ITEM_TYPE, "person", "genre", "theme")
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


@dataclass(frozen=True)
class Entry:
    """An alias's meaning: a node, how sure an exact match is, whether it needs a capital."""

    node: int
    score: float
    weak: bool = False  # only counts written capitalised (or followed by the year)
    bare: bool = False  # a letter or a number ("X", "9"): only counts plainly named as a movie


class NodeInfo(NamedTuple):
    name: str  # display name (a movie's title with year)
    type: str
    popularity: int
    item: bool
    year: int | None
    degree: int
    film: bool = True  # False for a pinball machine, novel or film score named like a film


def is_film_hint(hint: str) -> bool:
    """Whether a URI's disambiguation ("1939 film", "pinball", "film score") names a film."""
    return not hint or (re.search(r"\bfilm\b", hint) is not None
                        and re.search(r"\bfilm (score|series)\b", hint) is None)


@dataclass
class LinkIndex:
    """Aliases of a graph's movies, people and genres; built once by ``build_link_index``."""

    aliases: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))
    nodes: dict[int, NodeInfo] = field(default_factory=dict)
    vocab: set[str] = field(default_factory=set)
    by_token: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    single: list[str] = field(default_factory=list)  # one-word aliases for fuzzy matching
    keys: list[str] = field(default_factory=list)  # every alias, for lookup
    words: list[str] = field(default_factory=list)  # distinctive alias words, for typos
    redial: dict[int, int] = field(default_factory=dict)
    common: frozenset[str] = COMMON  # everyday words: titles made of them need a capital


# ---------------------------------------------------------------- index
def _add(index: LinkIndex, alias: str, entry: Entry) -> None:
    if alias and all(e.node != entry.node for e in index.aliases[alias]):
        index.aliases[alias].append(entry)


TRAILING_ARTICLE = re.compile(r"^(.+?),\s*(the|a|an)$", re.IGNORECASE)


def _movie_aliases(data: dict) -> list[tuple[str, float]]:
    title = data.get("title") or data.get("name") or ""
    bare = re.sub(r"\s*\(\d{4}\)\s*$", "", title)
    names = {bare: 1.0, data.get("name") or bare: 1.0}
    for name in list(names):  # library style "Usual Suspects, The" -> "The Usual Suspects"
        match = TRAILING_ARTICLE.match(name)
        if match:
            names.setdefault(f"{match.group(2)} {match.group(1)}", 1.0)
    for name in list(names):
        if ":" in name:
            names.setdefault(name.split(":")[0], 0.9)
        for article in ("the ", "a ", "an "):
            if name.lower().startswith(article) and len(name) > len(article) + 3:
                names.setdefault(name[len(article):], 0.9)
    aliases = [(normalize(name), score) for name, score in names.items()]
    year = data.get("year")
    return aliases + [(f"{alias} {year}", 1.0) for alias, _ in aliases if year]


def _is_weak(index: LinkIndex, alias: str) -> bool:
    """A title of everyday words ("Up", "Get Out") only counts when written capitalised."""
    return all(w in index.common for w in alias.split())


def item_types(G: nx.MultiDiGraph) -> tuple[str, ...]:
    """The node types of the graph's items: ``"movie"`` and the graph's noun (``"book"``)."""
    return tuple(dict.fromkeys((ITEM_TYPE, G.graph.get("domain_noun") or ITEM_TYPE)))


def _index_movies(index: LinkIndex, G: nx.MultiDiGraph) -> None:
    kinds = item_types(G)
    for node, data in G.nodes(data=True):
        if data.get("type") not in kinds and not data.get("item"):
            continue
        if not is_film_hint(data.get("hint", "")) and not G.degree(node):
            continue  # an edgeless franchise or novel page ("Toy Story" -> Toy_Story_(franchise)): nothing to link
        year = data.get("year")
        for alias, score in _movie_aliases(data):
            yearful = bool(year) and alias.endswith(str(year))
            stripped = score < 1.0 and " " not in alias  # "The American" -> "american"
            weak = (_is_weak(index, alias) or stripped) and not yearful
            bare = not yearful and (len(alias.replace(" ", "")) <= 1 or alias.replace(" ", "").isdigit())
            _add(index, alias, Entry(node, score, weak=weak or bare, bare=bare))


def _index_people(index: LinkIndex, G: nx.MultiDiGraph, degree: dict[int, int]) -> None:
    surnames: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for node, data in G.nodes(data=True):
        if data.get("type") != "person":
            continue
        alias = normalize(data.get("name", ""))
        _add(index, alias, Entry(node, 1.0, weak=_is_weak(index, alias)))
        words = alias.split()
        if len(words) > 1 and len(words[-1]) >= 4 and not words[-1].isdigit():
            surnames[words[-1]].append((degree[node], node))
    for surname, people in surnames.items():
        (degree, node), *others = sorted(people, reverse=True)
        dominant = not others or degree >= max(5, 3 * others[0][0])  # Steven, not Anne
        if dominant and surname not in index.aliases and surname not in index.common:
            _add(index, surname, Entry(node, 0.7, weak=True))


def genre_nodes(G: nx.MultiDiGraph) -> dict[str, int]:
    """Normalised genre name -> genre node: kgrec's broad genres where the graph has them."""
    genres = [(n, d) for n, d in G.nodes(data=True) if d.get("type") == "genre"]
    if any(n >= DERIVED_ID_BASE for n, _ in genres):  # DBpedia's 700 raw labels add noise
        genres = [(n, d) for n, d in genres if n >= DERIVED_ID_BASE]
    best: dict[str, tuple] = {}
    for node, data in genres:
        name = normalize(data.get("name", ""))
        rank = (G.degree(node), -node)
        for key in {name, re.sub(r" (film|movie|films|movies)$", "", name)}:
            if key and (key not in best or rank > best[key][0]):
                best[key] = (rank, node)
    return {key: node for key, (_, node) in best.items()}


def _index_genres(index: LinkIndex, G: nx.MultiDiGraph) -> None:
    by_name = genre_nodes(G)
    for phrase, meanings in GENRE_SYNONYMS.items():
        for meaning in meanings:
            if meaning in by_name:
                _add(index, phrase, Entry(by_name[meaning], 1.0 if phrase == meaning else 0.95))
    for name, node in by_name.items():
        plural = name[:-1] + "ies" if name.endswith("y") else name + "s"
        for alias in (name, plural, *(f"{name} {noun}" for noun in ("movie", "movies", "film",
                                                                    "films", "flick", "flicks"))):
            if alias not in GENRE_SYNONYMS:
                _add(index, alias, Entry(node, 1.0))


def _index_themes(index: LinkIndex, G: nx.MultiDiGraph) -> None:
    """Theme names ("time travel"), their plural or singular and simple forms (``kg.lexicon.THEME_FORMS``)
    and "<theme> movie(s)". A theme outranks a genre word that also names it ("heist": the theme, not crime)."""
    for node, data in G.nodes(data=True):
        if data.get("type") != "theme" or not G.in_degree(node):
            continue
        name = normalize(data.get("name", ""))
        single = name[:-3] + "y" if name.endswith("ies") else name[:-1] if name.endswith("s") else name
        forms = {name, single, single + "s", *map(normalize, THEME_FORMS.get(data.get("name", ""), ()))}
        for form in {f for f in forms if f}:
            for alias in (form, *(f"{form} {noun}" for noun in ("movie", "movies", "film", "films", "flick", "flicks"))):
                _add(index, alias, Entry(node, 1.0))


@heap.settled  # millions of small objects on a large catalog, living as long as it (kg.heap)
def build_link_index(G: nx.MultiDiGraph, redial_ids: Mapping[int, int] = MappingProxyType({}),
                     common_words: Collection[str] = (), themes: bool = True) -> LinkIndex:
    """The alias index of ``G``, with the dialogue data set's words as input.

    ``redial_ids`` maps the ids its messages write movies as (ReDial's ``@123``) to nodes;
    ``common_words`` are its everyday words, linked only with a capital, beside the built-in
    ones. ``kg.redial.link_words(G)`` gives both for the shipped ReDial data. ``themes=False``
    leaves the theme nodes out (the linking before themes).
    """
    index = LinkIndex(common=COMMON | {fold(w) for w in common_words})
    index.redial = dict(redial_ids)
    degree = dict(G.degree())
    _index_genres(index, G)
    if themes:
        _index_themes(index, G)
    _index_movies(index, G)
    _index_people(index, G, degree)
    linked = (*(t for t in LINKED_TYPES if themes or t != "theme"), *item_types(G))
    for node, data in G.nodes(data=True):
        if data.get("type") in linked or data.get("item"):
            index.nodes[node] = NodeInfo(display(G, node), data["type"], int(data.get("popularity") or 0),
                                         bool(data.get("item")), data.get("year"), degree[node],
                                         data["type"] != ITEM_TYPE or is_film_hint(data.get("hint", "")))
    for alias, entries in index.aliases.items():
        index.aliases[alias] = sorted(entries, key=lambda e: _rank(index, e))
        words = alias.split()
        index.vocab.update(words)
        strong = any(not e.weak for e in entries)
        if len(words) == 1 and strong and len(alias) >= 4:
            index.single.append(alias)
        for word in set(words) - index.common:
            index.by_token[word].append(alias)
    index.vocab |= index.common
    index.keys = list(index.aliases)
    index.words = list(index.by_token)
    return index


def _prior(info: NodeInfo) -> tuple:
    """Which of equally good matches a user more likely means: a node with edges (an edgeless one
    gives nothing to recommend from), items, films, popular, dated, connected."""
    return (info.degree == 0, not info.item, not info.film, -info.popularity, info.year is None, -info.degree)


def _rank(index: LinkIndex, entry: Entry) -> tuple:
    return (-entry.score, *_prior(index.nodes[entry.node]), entry.node)


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
