"""Facts and paths of the graph in plain English: one function for fine-tuning and explanations.

A single fact reads as its natural sentence; a path (facts sharing nodes, edges as stored, some
traversed backwards) reads as a chain of relative clauses from its first node to its last::

    >>> import networkx as nx
    >>> from kgrec.kg.schema import Fact
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, name="Police Academy", title="Police Academy (1984)", type="movie")
    >>> G.add_node(2, name="Police Academy 2", title="Police Academy 2 (1985)", type="movie")
    >>> G.add_node(3, name="Steve Guttenberg", type="person")
    >>> G.add_node(4, name="Hugh Wilson", type="person")
    >>> verbalize(G, Fact(1, "starring", 3))
    'Police Academy (1984) stars Steve Guttenberg.'
    >>> verbalize(G, Fact(1, "director", 4))
    'Hugh Wilson directed Police Academy (1984).'
    >>> verbalize(G, [Fact(2, "starring", 3), Fact(1, "starring", 3)])
    'Police Academy 2 (1985) stars Steve Guttenberg, who stars in Police Academy (1984).'
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import networkx as nx

from kgrec.kg.graph import degrees, display
from kgrec.kg.schema import CO_MENTIONED, HAS_THEME, Fact


class Template(NamedTuple):
    """How one relation reads: ``forward`` has the head as subject, ``backward`` the tail."""

    forward: str  # "{o}" is the tail
    backward: str  # "{o}" is the head
    natural: str = "head"  # which end a single fact's sentence starts from


#: relation -> templates; "{o}" is the object's display name
TEMPLATES: dict[str, Template] = {
    "starring": Template("stars {o}", "stars in {o}"),
    "director": Template("is directed by {o}", "directed {o}", "tail"),
    "writer": Template("is written by {o}", "wrote {o}", "tail"),
    "author": Template("is written by {o}", "wrote {o}", "tail"),
    "producer": Template("is produced by {o}", "produced {o}", "tail"),
    "executive_producer": Template("has {o} as executive producer",
                                   "was an executive producer of {o}", "tail"),
    "composer": Template("has music by {o}", "composed the music for {o}", "tail"),
    "music_composer": Template("has music by {o}", "composed the music for {o}", "tail"),
    "cinematography": Template("was shot by {o}", "was the cinematographer of {o}"),
    "editing": Template("was edited by {o}", "edited {o}", "tail"),
    "editor": Template("was edited by {o}", "edited {o}", "tail"),
    "narrator": Template("is narrated by {o}", "narrated {o}", "tail"),
    "person": Template("features {o}", "is featured in {o}"),
    "genre": Template("is {o}", "is the genre of {o}"),
    "has_theme": Template("is about {o}", "is what {o} is about"),
    "subsequent_work": Template("is followed by {o}", "follows {o}"),
    "previous_work": Template("follows {o}", "is followed by {o}"),
    "company": Template("was made by {o}", "made {o}"),
    "production_company": Template("was produced by {o}", "produced {o}"),
    "distributor": Template("is distributed by {o}", "distributed {o}"),
    "network": Template("aired on {o}", "aired {o}"),
    "format": Template("is in the {o} format", "is the format of {o}"),
    "location": Template("was filmed in {o}", "is where {o} was filmed"),
    "language": Template("is in {o}", "is the language of {o}"),
    "country": Template("is from {o}", "is the country of {o}"),
    CO_MENTIONED: Template("is often mentioned with {o}", "is often mentioned with {o}"),
}
#: relations whose tail is a shared attribute: "X is a comedy, like Y."
ATTRIBUTES = frozenset({"genre", "has_theme", "language", "country", "location", "format", "network",
                        "distributor", "company", "production_company"})
#: genre names that are nouns by themselves ("a comedy"); others read "a horror film" ("a horror book")
GENRE_NOUNS = ("comedy", "drama", "thriller", "documentary", "western", "musical", "romance",
               "mystery", "satire", "parody", "fantasy", "film", "movie", "series", "story")
GENRE_PHRASES = {"animation": "an animated {noun}", "animated": "an animated {noun}"}


def genre_phrase(name: str, *, lower: bool = True, noun: str = "film") -> str:
    """``"comedy"`` -> ``"a comedy"``; ``"Horror"`` -> ``"a horror film"`` (``noun="book"``: ``"a horror book"``)."""
    lower = name[:1].lower() + name[1:] if lower and not name.isupper() else name
    if lower.lower() in GENRE_PHRASES:
        return GENRE_PHRASES[lower.lower()].format(noun=noun)
    if (lower.lower().split() or [""])[-1] not in GENRE_NOUNS:  # "history" is not a "story"
        lower = f"{lower} {noun}"
    return f"{'an' if lower[:1].lower() in 'aeiou' else 'a'} {lower}"


def genre_noun(G: nx.MultiDiGraph) -> str:
    """What a genre qualifies: ``"film"`` for movies ("a horror film"), else the graph's noun ("book")."""
    noun = G.graph.get("domain_noun") or "movie"
    return "film" if noun == "movie" else noun


def object_name(G: nx.MultiDiGraph, relation: str, node: int, *, is_tail: bool) -> str:
    """A node's name as the object of ``relation`` ("a comedy", "English")."""
    name = display(G, node)
    if is_tail and relation == "genre":
        return genre_phrase(name, lower=G.nodes[node].get("type") == "genre", noun=genre_noun(G))
    if is_tail and relation == "language" and name.endswith(" language"):
        return name[: -len(" language")]
    return name


def phrase(G: nx.MultiDiGraph, fact: Fact, subject: int) -> str:
    """The verb phrase about ``subject`` (the fact's head or tail) naming the other end."""
    forward = subject == fact.head
    other = fact.tail if forward else fact.head
    if fact.relation == HAS_THEME and forward:
        return theme_phrase(G, other)
    return _verb(G, fact.relation, forward, object_name(G, fact.relation, other, is_tail=forward))


def theme_phrase(G: nx.MultiDiGraph, theme: int) -> str:
    """What an item is, said of one of its themes: the theme node's ``reads`` ("is based on a
    true story"), else ``"is about <theme>"`` ("is about time travel")."""
    return G.nodes[theme].get("reads") or f"is about {display(G, theme)}"


def _verb(G: nx.MultiDiGraph, relation: str, forward: bool, obj: str) -> str:
    """``relation``'s verb phrase with ``obj`` (one name, or several joined) as its object."""
    if relation == CO_MENTIONED:  # "is often read with" in a books graph
        return f"is often {PARTICIPLES.get(interaction_verb(G), 'mentioned')} with {obj}"
    template = TEMPLATES.get(relation)
    if template is None:
        relation = relation.replace("_", " ")
        return f"— {relation} — {obj}" if forward else f"— {relation} of — {obj}"
    return (template.forward if forward else template.backward).format(o=obj)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


#: catalog noun -> what people do with an item, for co-mention sentences ("People who read ...")
VERBS = {"movie": "mention", "book": "read", "song": "listen to", "album": "listen to", "track": "listen to",
         "game": "play", "podcast": "listen to"}


#: an interaction verb -> its participle, for co-mentions inside a path ("is often read with ...")
PARTICIPLES = {"mention": "mentioned", "read": "read", "listen to": "listened to", "play": "played", "like": "liked"}


def interaction_verb(G: nx.MultiDiGraph) -> str:
    """``G.graph["verb"]``, else the noun's verb (``"read"`` for books), else ``"like"``."""
    noun = G.graph.get("domain_noun") or "movie"
    return G.graph.get("verb") or VERBS.get(noun, "like")


def _fact_sentence(G: nx.MultiDiGraph, fact: Fact) -> str:
    if fact.relation == CO_MENTIONED:
        verb = interaction_verb(G)
        return (f"People who {verb} {display(G, fact.head)} often {verb} "
                f"{display(G, fact.tail)} too.")
    template = TEMPLATES.get(fact.relation)
    subject = fact.tail if template is not None and template.natural == "tail" else fact.head
    return _sentence(f"{display(G, subject)} {phrase(G, fact, subject)}")


def path_nodes(facts: Sequence[Fact]) -> list[int]:
    """The nodes a path visits in order (its first node is the one the second fact lacks)."""
    first, second = facts[0], facts[1]
    start = first.head if first.head not in (second.head, second.tail) else first.tail
    nodes = [start]
    for fact in facts:
        here = nodes[-1]
        if here not in (fact.head, fact.tail):
            raise ValueError(f"facts do not form a path at {fact}")
        nodes.append(fact.tail if here == fact.head else fact.head)
    return nodes


def _pronoun(G: nx.MultiDiGraph, node: int) -> str:
    return "who" if G.nodes[node].get("type") == "person" else "which"


def verbalize(G: nx.MultiDiGraph, facts: Fact | Sequence[Fact]) -> str:
    """Plain English for one fact or a path of facts; names come from the graph.

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, name="Up", title="Up (2009)", type="movie")
    >>> G.add_node(2, name="comedy", type="genre")
    >>> verbalize(G, Fact(1, "genre", 2))
    'Up (2009) is a comedy.'
    """
    if isinstance(facts, Fact):
        return _fact_sentence(G, facts)
    facts = list(facts)
    if not facts:
        return ""
    if len(facts) == 1:
        return _fact_sentence(G, facts[0])
    nodes = path_nodes(facts)
    parts = [f"{display(G, nodes[0])} {phrase(G, facts[0], nodes[0])}"]
    for i, fact in enumerate(facts[1:], 1):
        previous, subject = facts[i - 1], nodes[i]
        if (fact.relation == previous.relation and fact.relation in ATTRIBUTES
                and subject == fact.tail and subject == previous.tail):
            parts.append(f", like {display(G, nodes[i + 1])}")
        else:
            parts.append(f", {_pronoun(G, subject)} {phrase(G, fact, subject)}")
    return _sentence("".join(parts))


def by_fame(G: nx.MultiDiGraph, nodes) -> list[int]:
    """``nodes`` best known first: popular, then well connected (Morgan Freeman before a bit part)."""
    def key(node: int) -> tuple:
        return (-(G.nodes[node].get("popularity") or 0), -degrees(G)[node], display(G, node))  # cached: G.degree of a hub walks its edges
    return sorted(set(nodes), key=key)


def _join(names: Sequence[str], more: int) -> str:
    """``["A", "B", "C"]`` -> ``"A, B and C"``; ``more`` adds "and N more"."""
    names = list(names) + ([f"{more} more"] if more else [])
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def summarize(G: nx.MultiDiGraph, subject: int, facts: Sequence[Fact], max_names: int = 5) -> str:
    """Facts about ``subject`` as a short paragraph: one sentence per relation, names grouped.

    One fact reads as ``verbalize`` reads it. Every name in the text is the other end of one of
    ``facts``; at most ``max_names`` per relation, the best known first, then "and N more".

    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, name="Up", title="Up (2009)", type="movie")
    >>> for n, name in [(2, "Ed Asner"), (3, "Jordan Nagai"), (4, "Pete Docter")]:
    ...     G.add_node(n, name=name, type="person")
    >>> summarize(G, 1, [Fact(1, "starring", 2), Fact(1, "starring", 3), Fact(1, "director", 4)])
    'Up (2009) stars Ed Asner and Jordan Nagai. It is directed by Pete Docter.'
    """
    facts = [f for f in facts if subject in (f.head, f.tail)]
    if len(facts) == 1:
        return _fact_sentence(G, facts[0])
    groups: dict[tuple[str, bool], list[Fact]] = {}
    for fact in facts:
        forward = fact.head == subject or fact.relation == CO_MENTIONED  # co-mention reads both ways
        groups.setdefault((fact.relation, forward), []).append(fact)
    sentences = []
    for (relation, forward), group in groups.items():
        ends = {f.tail if f.head == subject else f.head for f in group}
        others = by_fame(G, ends)
        names = [object_name(G, relation, n, is_tail=forward) for n in others[:max_names]]
        verb = _verb(G, relation, forward, _join(names, len(others) - len(names)))
        if relation == HAS_THEME and forward:
            verb = _join([theme_phrase(G, n) for n in others[:max_names]], 0)
        person = G.nodes[subject].get("type") == "person"  # named again: "he"/"she" is not in the graph
        who = display(G, subject) if not sentences or person else "it"
        sentences.append(_sentence(f"{who} {verb}"))
    return " ".join(sentences)


#: what an item card lists, in order: (relation, label, at most this many names)
CARD_FIELDS = (("genre", "Genres", 3), ("director", "Directed by", 2), ("starring", "Starring", 3),
               ("writer", "Written by", 2), ("previous_work", "Follows", 1), ("subsequent_work", "Followed by", 1))


def card(G: nx.MultiDiGraph, item: int) -> str:
    """An item's KG card: its title and, per relation of ``CARD_FIELDS``, its best-known neighbours.

    Every name on the card is the other end of one of the item's edges (what the dense encoder reads).

    >>> G = nx.MultiDiGraph()
    >>> G.add_node(1, title="Up (2009)", type="movie")
    >>> G.add_node(2, name="Pete Docter", type="person"); G.add_node(3, name="animation", type="genre")
    >>> G.add_edge(1, 2, key="director"); G.add_edge(1, 3, key="genre")
    'director'
    'genre'
    >>> card(G, 1)
    'Up (2009). Genres: animation. Directed by: Pete Docter.'
    """
    ends: dict[str, list[int]] = {}
    for _, tail, relation in G.out_edges(item, keys=True):
        ends.setdefault(relation, []).append(tail)
    for head, _, relation in G.in_edges(item, keys=True):  # "A is followed by B" also reads from B
        reverse = {"subsequent_work": "previous_work", "previous_work": "subsequent_work"}.get(relation)
        if reverse:
            ends.setdefault(reverse, []).append(head)
    parts = [display(G, item)]
    for relation, label, most in CARD_FIELDS:
        if relation in ends:
            parts.append(f"{label}: {', '.join(display(G, n) for n in by_fame(G, ends[relation])[:most])}")
    return ". ".join(parts) + "."
