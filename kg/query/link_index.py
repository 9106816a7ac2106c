"""The alias index entity linking looks names up in (``kgrec.kg.query.linking``): built once per graph.

Aliases are normalised (lower case, no accents or punctuation) and map to graph nodes: movie
titles with and without year, subtitle or leading article; people's full names (and a surname one
person dominates); genre names with plurals and synonyms ("scary" -> horror, "rom-com" -> romance +
comedy); theme names; and ReDial's ``@123`` form (``redial_ids``)::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(2, name="Police Academy", title="Police Academy (1984)", type="movie")
    >>> [e.node for e in build_link_index(G).aliases["police academy"]]
    [2]
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import networkx as nx

from kgrec.kg import heap
from kgrec.kg.graph import degrees, display
from kgrec.kg.query.lexicon import COMMON, GENRE_SYNONYMS, THEME_FORMS, fold, normalize
from kgrec.kg.schema import DERIVED_ID_BASE, ITEM_TYPE

LINKED_TYPES = (ITEM_TYPE, "person", "genre", "theme")


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
        if not is_film_hint(data.get("hint", "")) and not degrees(G)[node]:  # co-mentions count
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
    """Theme names ("time travel"), their plural or singular and simple forms (``kgrec.kg.query.lexicon.THEME_FORMS``)
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


@heap.settled  # millions of small objects on a large catalog, living as long as it (kgrec.kg.heap)
def build_link_index(G: nx.MultiDiGraph, redial_ids: Mapping[int, int] = MappingProxyType({}),
                     common_words: Collection[str] = (), themes: bool = True) -> LinkIndex:
    """The alias index of ``G``, with the dialogue data set's words as input.

    ``redial_ids`` maps the ids its messages write movies as (ReDial's ``@123``) to nodes;
    ``common_words`` are its everyday words, linked only with a capital, beside the built-in
    ones. ``kgrec.kg.sources.redial.link_words(G)`` gives both for the shipped ReDial data. ``themes=False``
    leaves the theme nodes out (the linking before themes).
    """
    index = LinkIndex(common=COMMON | {fold(w) for w in common_words})
    index.redial = dict(redial_ids)
    degree = degrees(G)  # co-mentions counted as the edges they were (read-only: cached)
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
