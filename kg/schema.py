"""The shape of a kgrec knowledge graph: the contract every stage relies on.

A kgrec graph is a ``networkx.MultiDiGraph`` ``G``:

* **Node ids** are ``int``. For the movie KG they are the DBpedia entity ids of
  ``entity2id.json`` (so ``test.jsonl`` labels are node ids). Nodes added by kgrec
  (broad genres) get ids from ``DERIVED_ID_BASE`` upwards, stable across rebuilds.
* **Node attributes**: ``name`` (display name, str), ``type`` (one of ``NODE_TYPES``),
  ``hint`` (disambiguation such as ``"film"`` or ``"director"``, or ``""``),
  ``uri`` (source identifier, may be ``""``). Movies also carry ``title``
  (ReDial title with year, e.g. ``"Police Academy (1984)"``, or the name),
  ``year`` (``int`` or ``None``), ``item`` (``True`` for recommendable catalog
  items) and ``popularity`` (mentions in the train split, ``int``).
* **Edges** ``G.add_edge(head, tail, key=relation, relation=relation, source=...)``:
  the key *is* the relation name, so a (head, relation, tail) fact exists at most
  once. ``relation`` is a readable name from ``RELATIONS`` (``"starring"``,
  ``"director"``, ``"genre"``, ...). ``source`` says where the fact came from
  (``"dbpedia"``, ``"wikipedia"``, ``"cmu"``, ``"redial"``, or an importer's file).
  ``has_theme`` edges (movie -> ``theme`` node, e.g. "time travel") say what a movie is about;
  a movie may carry a short ``premise`` (str) attribute (``kgrec.kg.sources.themes``, ``kgrec.kg.query.documents``).
  Co-mentions (``co_mentioned`` facts, movie <-> movie, with ``count`` and ``liked``) are not
  networkx edges: one sparse matrix on ``G.graph`` (``kgrec.kg.comentions``) holds them, and
  ``kgrec.kg.query.paths.has_fact`` / ``facts_about`` and ``kgrec.kg.graph.degrees`` read them as
  the two edges each pair was.
* **Graph attributes**: ``G.graph["name"]`` (e.g. ``"redial-dbpedia"``) and
  ``G.graph["domain_noun"]`` (``"movie"``; ``"book"`` for a books KG).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

NODE_TYPES = ("movie", "person", "genre", "theme", "company", "country", "language", "other")
ITEM_TYPE = "movie"  # the node type of recommendable items in the movie KG

#: DBpedia ontology relation -> readable relation name.
RELATIONS = {
    "subsequentWork": "subsequent_work",
    "previousWork": "previous_work",
    "genre": "genre",
    "company": "company",
    "composer": "composer",
    "starring": "starring",
    "cinematography": "cinematography",
    "director": "director",
    "musicComposer": "music_composer",
    "location": "location",
    "editing": "editing",
    "productionCompany": "production_company",
    "format": "format",
    "language": "language",
    "editor": "editor",
    "person": "person",
    "producer": "producer",
    "distributor": "distributor",
    "country": "country",
    "network": "network",
    "executiveProducer": "executive_producer",
    "narrator": "narrator",
    "author": "author",
    "writer": "writer",
}
CO_MENTIONED = "co_mentioned"
HAS_THEME = "has_theme"  # item -> theme node ("time travel"): what the item is about
THEME_TYPE = "theme"
DERIVED_ID_BASE = 1_000_000


@dataclass(frozen=True)
class Fact:
    """One edge of the graph: ``head --relation--> tail``."""

    head: int
    relation: str
    tail: int


@dataclass(frozen=True)
class Mention:
    """A graph node that a piece of text refers to."""

    node: int
    name: str  # display name of the node
    type: str  # node type
    surface: str  # the text that matched
    span: tuple[int, int]  # character offsets in the text
    score: float  # 0..1, higher is more certain


@dataclass(frozen=True)
class Candidate:
    """A catalog item proposed by a retriever."""

    item: int
    score: float
    sources: tuple[str, ...] = field(default=())  # which retrievers proposed it


@dataclass(frozen=True)
class Constraints:
    """Hard filters on candidates. Empty means no constraint."""

    exclude: frozenset[int] = frozenset()  # seen, disliked, already recommended
    genres: frozenset[int] = frozenset()  # item must have at least one of these genre nodes
    not_genres: frozenset[int] = frozenset()  # item must have none of these
    people: frozenset[int] = frozenset()  # item must involve all of these nodes (any relation)
    not_people: frozenset[int] = frozenset()  # item must involve none of these nodes
    year_min: int | None = None
    year_max: int | None = None
    not_years: frozenset[tuple[int, int]] = frozenset()  # (first, last) year ranges the item must be outside
    themes: frozenset[int] = frozenset()  # item must have at least one of these theme nodes (has_theme)
    not_themes: frozenset[int] = frozenset()  # item must have none of these

    def joined(self, wishes: Constraints) -> Constraints:
        """These filters with the positive ones of ``wishes`` (genres, themes, people, years) in place of
        their own: what an item must meet to be allowed and wished for.

        >>> Constraints(genres=frozenset({1}), year_min=1990).joined(Constraints(people=frozenset({7}))).people
        frozenset({7})
        """
        if wishes == Constraints():
            return self
        wished_years = wishes.year_min is not None or wishes.year_max is not None
        years = {"year_min": wishes.year_min, "year_max": wishes.year_max} if wished_years else {}
        return replace(self, **{name: getattr(wishes, name) for name in ("genres", "themes", "people")
                                if getattr(wishes, name)}, **years)

