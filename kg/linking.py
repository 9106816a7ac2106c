"""Entity linking: the movies, people and genres a message mentions.

The index maps normalised aliases (lower case, no accents or punctuation) to graph nodes:
movie titles with and without year, subtitle or leading article; people's full names (and
their surname where no other person shares it); genre names with plurals and synonyms
("scary" -> horror, "rom-com" -> romance + comedy); and ReDial's ``@123`` form. ``link`` looks
up every n-gram of a message, fuzzily matches spans holding an unknown word (a typo), drops
matches that a longer one covers, and returns every node an ambiguous span could mean::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, name="Up", title="Up (2009)", type="movie", item=True, popularity=3)
    >>> G.add_node(2, name="Police Academy", title="Police Academy (1984)", type="movie")
    >>> index = build_link_index(G, redial_ids={})
    >>> [m.name for m in link(index, "I loved police acadmy, have you seen Up?")]
    ['Up (2009)', 'Police Academy (1984)']
    >>> link(index, "something up to date")
    []
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import networkx as nx
from rapidfuzz import fuzz, process

from kg.schema import DERIVED_ID_BASE, ITEM_TYPE, Mention

LINKED_TYPES = (ITEM_TYPE, "person", "genre")
MAX_TOKENS = 10  # longest alias looked up, in words
MAX_FUZZY_TOKENS = 6
MAX_AMBIGUITY = 8  # nodes returned for one ambiguous span
REDIAL_ID = re.compile(r"@(\d+)")
TOKEN = re.compile(r"\w+(?:['’]\w+)*|&")
SENTENCE_END = re.compile(r"[.!?]\s*$")

#: function words and words so frequent in chat that a one-word title equal to one of them
#: ("Up", "It", "Her", "Taken") only counts when written capitalised mid-sentence or with its year
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves im ive id dont didnt
doesnt isnt wasnt cant wont thats whats youre youve theyre lets also yes yeah yep ok okay oh
hi hello hey thanks thank please sure really well maybe
""".split())
COMMON = STOPWORDS | frozenset("""
movie movies film films flick flicks show shows watch watched watching seen see saw look like
liked likes love loved loves enjoy enjoyed good great best better bad worse worst awesome cool
nice fun funny scary sad happy new old big little small long short first last next one two
three four five time times day days night nights year years life home family friend friends
kids kid man men woman women girl girls boy boys people person thing things something anything
everything nothing way back go going gone get got give take taken make made know known think
thought want wanted need say said tell told find found come came run running ride drive
walk play played work working start started stop end ending story stories world war wars
game games school house room city town car cars road light dark black white red blue green
gold signs sign heat speed crash cut wild free true real right left high low hard easy
fast slow open close closed alone together again ever never always still even enough once
maybe perhaps kind sort lot lots part whole full half cast actor actors actress character
characters scene scenes series sequel sequels original classic classics recent recently today
tonight tomorrow yesterday week weekend recommend recommendation recommendations suggest
suggestion suggestions genre type mood heard hear sounds sound idea ideas prefer favorite
favourite fan fans action drama comedy comedies horror thriller thrillers romance romantic
family mother father sister sisters brother brothers parents children baby date dates
mystery fantasy adventure crime documentary western musical animated animation cartoon anime
war music power wanted moving once twisted taken fallen legend ghost pride secret test
gravity contact drive flight room life them us her it up go big home signs split crash else
guys guy sleep sleepless
""".split())

#: what users say -> the broad genre names it means (each resolved to a genre node if present)
GENRE_SYNONYMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("scary", "spooky", "creepy", "slasher", "slashers", "horror", "horrors",
                     "frightening", "terrifying"), ("horror",)),
    **dict.fromkeys(("funny", "hilarious", "comedic", "comedy", "comedies", "lighthearted",
                     "light hearted", "goofy", "silly"), ("comedy",)),
    **dict.fromkeys(("sci fi", "scifi", "science fiction", "sci fis", "space movie",
                     "space movies"), ("science fiction",)),
    **dict.fromkeys(("kids", "kid", "children", "childrens", "family", "family friendly",
                     "kid friendly"), ("family",)),
    **dict.fromkeys(("cartoon", "cartoons", "animated", "animation", "anime", "pixar"),
                    ("animation",)),
    **dict.fromkeys(("rom com", "rom coms", "romcom", "romcoms", "romantic comedy",
                     "romantic comedies", "chick flick", "chick flicks"), ("romance", "comedy")),
    **dict.fromkeys(("romantic", "romance", "romances", "love story", "love stories"),
                    ("romance",)),
    **dict.fromkeys(("thriller", "thrillers", "suspense", "suspenseful"), ("thriller",)),
    **dict.fromkeys(("documentary", "documentaries", "docs", "docu"), ("documentary",)),
    **dict.fromkeys(("drama", "dramas", "dramatic"), ("drama",)),
    **dict.fromkeys(("action", "action packed", "action movies"), ("action",)),
    **dict.fromkeys(("war movie", "war movies", "war film", "war films"), ("war",)),
    **dict.fromkeys(("western", "westerns", "cowboy"), ("western",)),
    **dict.fromkeys(("musical", "musicals"), ("musical",)),
    **dict.fromkeys(("mystery", "mysteries", "whodunit"), ("mystery",)),
    **dict.fromkeys(("crime", "gangster", "heist", "mob"), ("crime",)),
    **dict.fromkeys(("fantasy", "fantasies"), ("fantasy",)),
    **dict.fromkeys(("adventure", "adventures"), ("adventure",)),
    **dict.fromkeys(("superhero", "superheroes", "superhero movies"), ("superhero",)),
    **dict.fromkeys(("biopic", "biopics", "biography", "biographical"), ("biography",)),
    **dict.fromkeys(("sports", "sport"), ("sports",)),
    **dict.fromkeys(("christmas", "holiday", "holidays", "xmas"), ("holiday",)),
    **dict.fromkeys(("teen", "teens", "teenage", "coming of age", "high school"), ("teen",)),
    **dict.fromkeys(("historical", "period piece", "period pieces"), ("history",)),
}

COMMON |= {phrase for phrase in GENRE_SYNONYMS if " " not in phrase}  # "Holidays (2016)"


@dataclass(frozen=True)
class Entry:
    """An alias's meaning: a node, how sure an exact match is, whether it needs a capital."""

    node: int
    score: float
    weak: bool = False  # only counts written capitalised (or followed by the year)


class NodeInfo(NamedTuple):
    name: str  # display name (a movie's title with year)
    type: str
    popularity: int
    item: bool
    year: int | None
    degree: int


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


# ---------------------------------------------------------------- text
def fold(word: str) -> str:
    """Lower case without accents or apostrophes: ``"Amélie's"`` -> ``"amelies"``."""
    if word == "&":
        return "and"
    text = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in text if not unicodedata.combining(c) and c not in "'’")


def tokens(text: str) -> list[tuple[str, int, int]]:
    """``(folded word, start, end)`` for each word of ``text``."""
    return [(fold(m.group()), m.start(), m.end()) for m in TOKEN.finditer(text)]


def normalize(text: str) -> str:
    """``"Police Academy 2: Their First"`` -> ``"police academy 2 their first"``."""
    return " ".join(word for word, _, _ in tokens(text))


# ---------------------------------------------------------------- index
def _add(index: LinkIndex, alias: str, entry: Entry) -> None:
    if alias and all(e.node != entry.node for e in index.aliases[alias]):
        index.aliases[alias].append(entry)


def _movie_aliases(data: dict) -> list[tuple[str, float]]:
    title = data.get("title") or data.get("name") or ""
    bare = re.sub(r"\s*\(\d{4}\)\s*$", "", title)
    names = {bare: 1.0, data.get("name") or bare: 1.0}
    for name in list(names):
        if ":" in name:
            names.setdefault(name.split(":")[0], 0.9)
        for article in ("the ", "a ", "an "):
            if name.lower().startswith(article) and len(name) > len(article) + 3:
                names.setdefault(name[len(article):], 0.9)
    aliases = [(normalize(name), score) for name, score in names.items()]
    year = data.get("year")
    return aliases + [(f"{alias} {year}", 1.0) for alias, _ in aliases if year]


def _is_weak(alias: str) -> bool:
    """A title of common words ("Up", "Get Out") only counts when written capitalised."""
    return all(w in COMMON for w in alias.split())


def _index_movies(index: LinkIndex, G: nx.MultiDiGraph) -> None:
    for node, data in G.nodes(data=True):
        if data.get("type") != ITEM_TYPE:
            continue
        year = data.get("year")
        for alias, score in _movie_aliases(data):
            yearful = bool(year) and alias.endswith(str(year))
            _add(index, alias, Entry(node, score, weak=_is_weak(alias) and not yearful))


def _index_people(index: LinkIndex, G: nx.MultiDiGraph, degree: dict[int, int]) -> None:
    surnames: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for node, data in G.nodes(data=True):
        if data.get("type") != "person":
            continue
        alias = normalize(data.get("name", ""))
        _add(index, alias, Entry(node, 1.0, weak=_is_weak(alias)))
        words = alias.split()
        if len(words) > 1 and len(words[-1]) >= 4 and not words[-1].isdigit():
            surnames[words[-1]].append((degree[node], node))
    for surname, people in surnames.items():
        (degree, node), *others = sorted(people, reverse=True)
        dominant = not others or degree >= max(5, 3 * others[0][0])  # Steven, not Anne
        if dominant and surname not in index.aliases and surname not in COMMON:
            _add(index, surname, Entry(node, 0.7, weak=True))


def genre_nodes(G: nx.MultiDiGraph) -> dict[str, int]:
    """Normalised genre name -> one genre node (kgrec's broad genres first, then the best known)."""
    best: dict[str, tuple] = {}
    for node, data in G.nodes(data=True):
        if data.get("type") != "genre":
            continue
        name = normalize(data.get("name", ""))
        names = {name, re.sub(r" (film|movie|films|movies)$", "", name)}
        rank = (node >= DERIVED_ID_BASE, G.degree(node), -node)
        for key in names:
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
        for alias in (name, plural):
            if alias not in GENRE_SYNONYMS:
                _add(index, alias, Entry(node, 1.0))


def _redial_ids(G: nx.MultiDiGraph) -> dict[int, int]:
    try:
        from kg.redial import redial_to_node
    except ImportError:
        return {}
    from kg.errors import KgrecError

    try:
        return redial_to_node(G)
    except KgrecError:
        return {}


def build_link_index(G: nx.MultiDiGraph, redial_ids: Mapping[int, int] | None = None) -> LinkIndex:
    """The alias index of ``G``; ``redial_ids`` maps ReDial ids to nodes (default: KGSF's file)."""
    index = LinkIndex()
    index.redial = dict(_redial_ids(G) if redial_ids is None else redial_ids)
    degree = dict(G.degree())
    _index_genres(index, G)
    _index_movies(index, G)
    _index_people(index, G, degree)
    for node, data in G.nodes(data=True):
        if data.get("type") in LINKED_TYPES:
            name = data.get("title") or data.get("name") or str(node)
            index.nodes[node] = NodeInfo(name, data["type"], int(data.get("popularity") or 0),
                                         bool(data.get("item")), data.get("year"), degree[node])
    for alias, entries in index.aliases.items():
        index.aliases[alias] = sorted(entries, key=lambda e: _rank(index, e))
        words = alias.split()
        index.vocab.update(words)
        strong = any(not e.weak for e in entries)
        if len(words) == 1 and strong and len(alias) >= 4:
            index.single.append(alias)
        for word in set(words) - COMMON:
            index.by_token[word].append(alias)
    index.vocab |= COMMON
    index.keys = list(index.aliases)
    index.words = list(index.by_token)
    return index


def _prior(info: NodeInfo) -> tuple:
    """Which of equally good matches a user more likely means: items, popular, dated, connected."""
    return (not info.item, -info.popularity, info.year is None, -info.degree)


def _rank(index: LinkIndex, entry: Entry) -> tuple:
    return (-entry.score, *_prior(index.nodes[entry.node]), entry.node)


# ---------------------------------------------------------------- matching
@dataclass(frozen=True)
class _Match:
    start: int  # first token
    end: int  # one past the last token
    score: float  # how well the text matches the alias
    entries: tuple[Entry, ...]


def _capitalised(text: str, words: list[tuple[str, int, int]], i: int, j: int) -> bool:
    """Whether a span is written like a name: quoted, Title Cased, or capitalised mid-sentence."""
    start = words[i][1]
    before = text[:start].rstrip()
    if before.endswith(('"', "'", "“", "‘")):
        return True
    if text.isupper() or not text[start].isupper():
        return False
    if j - i > 1 and all(text[words[k][1]].isupper() for k in range(i, j)):
        return True
    return bool(before) and SENTENCE_END.search(before) is None


def _exact(index: LinkIndex, text: str, words: list[tuple[str, int, int]]) -> list[_Match]:
    folded = [w for w, _, _ in words]
    matches = []
    for i in range(len(folded)):
        for j in range(min(len(folded), i + MAX_TOKENS), i, -1):
            entries = index.aliases.get(" ".join(folded[i:j]))
            if not entries:
                continue
            if any(e.weak for e in entries) and not _capitalised(text, words, i, j):
                entries = [e for e in entries if not e.weak]
            if entries:
                matches.append(_Match(i, j, 1.0, tuple(entries)))
    return matches


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
    matches, close = [], {}
    for i in range(len(folded)):
        for j in range(i + 1, min(len(folded), i + MAX_FUZZY_TOKENS) + 1):
            key = " ".join(folded[i:j])
            if not any(unknown[i:j]) or edge[i] or edge[j - 1] or len(key) < 5:
                continue
            choices = index.single if j - i == 1 else _neighbours(index, folded[i:j], close)
            for alias, score, _ in process.extract(key, choices, scorer=fuzz.ratio, limit=3,
                                                   score_cutoff=_cutoff(key)):
                entries = tuple(e for e in index.aliases[alias] if not e.weak)
                if entries and abs(len(alias.split()) - (j - i)) <= 1:
                    matches.append(_Match(i, j, 0.9 * score / 100, entries))
    return matches


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
