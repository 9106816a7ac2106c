"""Candidate retrieval: pure functions of the graph that propose catalog items with scores.

Every retriever returns ``Candidate``s (items only; the ``Constraints`` applied once, by
:func:`admissible`) sorted by score, best first. ``from_seeds`` walks the graph from what the user likes (personalised PageRank on
an undirected, hub-free projection cached on ``G.graph``); ``from_attributes`` lists what
matches a genre, person or year range; ``from_comentions`` follows what people mention
together; ``popular`` is the fallback; ``retrieve`` fuses them::

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([1, 2, 3], type="movie", item=True, popularity=0)
    >>> G.add_node(9, type="person")
    >>> G.add_edge(1, 9, key="starring"); G.add_edge(2, 9, key="starring")
    'starring'
    'starring'
    >>> [c.item for c in from_seeds(G, [1])]
    [2]
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import networkx as nx
import numpy as np

from kgrec.kg.comentions import co_mentions
from kgrec.kg.errors import ConfigError
from kgrec.kg.graph import cached, catalog, catalog_set, degrees, is_item
from kgrec.kg.query import inverted, remention
from kgrec.kg.query.answerable import genre_coverage
from kgrec.kg.query.collaborative import collaborative_scores
from kgrec.kg.query.similarity import CLOSE_BONUS, content_scores
from kgrec.kg.query.walk import (CO_MENTION_STRENGTHS, RELATION_WEIGHTS, WALK_KEY, WalkConfig,  # noqa: F401  (retrieval's names too)
                                 _item_mass, walk_config, walk_scores)
from kgrec.kg.schema import Candidate, Constraints

@dataclass(frozen=True)
class FusionWeights:
    """How much each retriever counts in ``retrieve`` (tuned on ReDial valid: ``python -m kgrec.evaluation.tune_fusion``;
    an imported graph's own weights, tuned on its training turns, come with it: :func:`graph_weights`)."""

    walk: float = field(default=0.75, metadata={"help": "personalised PageRank from the seeds"})
    comention: float = field(default=0.75, metadata={"help": "summed co-mention counts"})
    collaborative: float = field(default=0.0, metadata={"help": "EASE item-item model of the training dialogues"})
    content: float = field(default=0.1, metadata={"help": "sequels, shared director, stars, writers"})
    attribute: float = field(default=0.25, metadata={"help": "matches the asked genre, person or years"})
    popular: float = field(default=0.1, metadata={"help": "most mentioned items"})
    dense: float = field(default=0.0, metadata={"help": "the LM encoder's nearest items to the conversation "
                         "(kgrec.agent.encoder; 0: the untuned encoder measured no better than chance)"})
    remention: float = field(default=0.0, metadata={"help": "the conversation's own items suggested again, by "
                             "the graph's learned rates (kgrec.kg.query.remention; 0: never, ReDial's setting)"})
    close_first: bool = field(default=True, metadata={"help": "close relatives of a liked film (sequels, "
                              "franchise, same director and stars: kgrec.kg.query.similarity) lead the list"})
    wish: float = field(default=1.0, metadata={"help": "added to the fused score of an item that meets the wishes "
                        "(an earlier message's genres, themes, people or years: a bonus, not a filter)"})

    def __post_init__(self):
        for name in [*self.sources(), "wish"]:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ConfigError(f"FusionWeights.{name}={value!r}: expected a number >= 0")
        if not isinstance(self.close_first, bool):
            raise ConfigError(f"FusionWeights.close_first={self.close_first!r}: expected True or False")

    @classmethod
    def sources(cls) -> list[str]:
        """The retrievers' names (every field but ``close_first`` and ``wish``)."""
        return [f.name for f in fields(cls) if f.name not in ("close_first", "wish")]

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> FusionWeights:
        """The defaults with ``values`` set (from a file or flags); an unknown key is an error.

        >>> FusionWeights.from_dict({"content": 2}).content
        2
        >>> FusionWeights.from_dict({"contnet": 2})
        Traceback (most recent call last):
        ...
        kgrec.kg.errors.ConfigError: FusionWeights has no weight 'contnet': expected one of walk, comention, collaborative, content, attribute, popular, dense, remention, close_first, wish
        """
        names = [f.name for f in fields(cls)]
        for key in values:
            if key not in names:
                raise ConfigError(f"FusionWeights has no weight {key!r}: expected one of {', '.join(names)}")
        return cls(**values)

    def weight(self, source: str) -> float:
        """The weight of the retriever ``source``; an unknown name is an error naming the valid ones."""
        if source not in self.sources():
            raise ConfigError(f"FusionWeights has no retriever {source!r}: expected one of {', '.join(self.sources())}")
        return getattr(self, source)

    def wishes_first(self) -> FusionWeights:
        """These weights with a wish bonus above any fused score (each list adds at most its weight): the items
        that meet the wishes lead, in fused order; the close relatives of ``close_first`` still come first.
        Weights without a wish bonus (:meth:`only`: a retriever on its own) stay without one."""
        if not self.wish:
            return self
        return replace(self, wish=sum(abs(getattr(self, name)) for name in self.sources()) + 1.0)

    @classmethod
    def only(cls, source: str) -> FusionWeights:
        """Weight 1 on one retriever, 0 elsewhere, no tier, no wish bonus: a retriever on its own."""
        names = cls.sources()
        if source not in names:
            raise ConfigError(f"retriever {source!r}: expected one of {', '.join(names)}")
        return cls(**{name: float(name == source) for name in names}, close_first=False, wish=0.0)


WEIGHTS_KEY = "fusion_weights"  # G.graph: an imported graph's tuned weights (kgrec.kg.storage.registry.load_graph sets it)


def graph_weights(G: nx.MultiDiGraph) -> FusionWeights:
    """The weights kept with ``G`` (``kgrec eval tune``), else ``FusionWeights()`` (ReDial's)."""
    return FusionWeights(**G.graph.get(WEIGHTS_KEY) or {})


# ---------------------------------------------------------------- constraints
def satisfies(G: nx.MultiDiGraph, item: int, constraints: Constraints) -> bool:
    """Whether ``item`` is a catalog item that passes every hard filter of ``constraints``."""
    c = constraints
    if not is_item(G, item) or item in c.exclude:
        return False
    year = G.nodes[item].get("year")
    if (c.year_min is not None or c.year_max is not None or c.not_years) and year is None:
        return False
    if (c.year_min is not None and year < c.year_min) or (c.year_max is not None and
                                                          year > c.year_max):
        return False
    if any(lo <= year <= hi for lo, hi in c.not_years):
        return False
    out = G.succ[item]
    if c.genres and not any(g in out for g in c.genres):
        return False
    if any(g in out for g in c.not_genres):
        return False
    if (c.themes and not any(t in out for t in c.themes)) or any(t in out for t in c.not_themes):
        return False
    if c.people or c.not_people:
        near = set(out) | set(G.pred[item])
        if not c.people <= near or not near.isdisjoint(c.not_people):
            return False
    return True


@dataclass(frozen=True)
class Allowed:
    """What a turn may show, decided once by :func:`admissible`: the hard filters' one place.

    ``items``: catalog items that pass every filter; ``again``: conversation items (the re-mention
    retriever's) that pass every filter but "already named". Retrievers only test membership.
    """

    items: frozenset[int]
    again: frozenset[int] = frozenset()

    def admits(self, candidate: Candidate) -> bool:
        """Whether ``candidate`` may be shown (an again-item only as the re-mention prior's proposal)."""
        return candidate.item in self.items or ("remention" in candidate.sources and candidate.item in self.again)


def admissible(G: nx.MultiDiGraph, constraints: Constraints, again: Iterable[int] = (),
               among: Iterable[int] | None = None) -> Allowed:
    """Every hard filter of ``constraints`` applied, once: the items of ``among`` (default: the
    catalog) that :func:`satisfies`, and the ``again`` items that do once they are not excluded."""
    c, again = constraints, frozenset(again)
    pool = catalog_set(G) if among is None else frozenset(among)
    if c == Constraints(exclude=c.exclude) and among is None:  # no filter but "not these": set algebra
        items = pool - c.exclude
    else:
        items = inverted.admitted(G, c, None if among is None else pool)  # set algebra, not a check per item
    unnamed = replace(c, exclude=c.exclude - again)
    return Allowed(items, frozenset(n for n in again if satisfies(G, n, unnamed)))


def _top(G: nx.MultiDiGraph, scores: dict[int, float], allowed: frozenset[int], k: int,
         source: str, ordered: bool = False) -> list[Candidate]:
    """The ``k`` best-scored ``allowed`` items (``ordered``: ``scores`` already sorted)."""
    if not ordered:  # the k best of those that may be shown: the order a full sort gives, without it
        ranked = heapq.nsmallest(k, ((n, s) for n, s in scores.items() if s > 0 and n in allowed),
                                 key=lambda kv: (-kv[1], kv[0]))
    else:
        ranked = scores.items()
    out = []
    for item, score in ranked:
        if len(out) == k:
            break
        if score > 0 and item in allowed:
            out.append(Candidate(item, float(score), (source,)))
    return out


def _items(G: nx.MultiDiGraph, constraints: Constraints, allowed: frozenset[int] | None) -> frozenset[int]:
    return admissible(G, constraints).items if allowed is None else allowed


# ---------------------------------------------------------------- retrievers
# Each takes ``constraints`` and, from :func:`candidate_lists`, the already decided ``allowed``
# items (:func:`admissible`); a retriever only scores and keeps its ``k`` best allowed items.
def from_seeds(G: nx.MultiDiGraph, seeds: Iterable[int], constraints: Constraints = Constraints(),
               k: int = 100, config: WalkConfig = WalkConfig(),
               allowed: frozenset[int] | None = None) -> list[Candidate]:
    """Items near the seeds (liked items or entities) by personalised PageRank; seeds excluded."""
    seeds = list(seeds)
    walk, positions, mass = _item_mass(G, seeds, config)
    best = np.argsort(-mass, kind="stable")
    order, mass = positions[best], mass[best]
    allowed = _items(G, constraints, allowed) - set(seeds)
    depth = max(8 * k, 1000)  # enough for most filters; a strict one looks further
    while True:
        ranked = {walk.nodes[i]: float(m) for i, m in zip(order[:depth].tolist(), mass[:depth].tolist())}
        candidates = _top(G, ranked, allowed, k, "walk", ordered=True)
        if len(candidates) == k or depth >= len(order):
            return candidates
        depth = len(order)


def from_attributes(G: nx.MultiDiGraph, constraints: Constraints, k: int = 100,
                    allowed: frozenset[int] | None = None) -> list[Candidate]:
    """Items matching the constraints' themes, genres, people or years, most popular first (an item
    with more of the asked themes before one with fewer).

    Without a theme, genre, person or year constraint there is nothing to match: ``[]``.
    """
    c = constraints
    if c.themes:
        prior, matched = _priors(G), Counter(n for t in c.themes if t in G for n in G.pred[t])
        return _top(G, {n: prior[n] * m for n, m in matched.items() if n in prior}, _items(G, c, allowed), k,
                    "attribute")
    if c.people:
        pools = [set(G.succ[p]) | set(G.pred[p]) for p in c.people if p in G]
        pool = set.intersection(*pools) if len(pools) == len(c.people) else set()
    elif c.genres:
        pool = {n for g in c.genres if g in G for n in G.pred[g]}
    elif c.year_min is not None or c.year_max is not None or c.not_years:
        pool = None  # every item: the allowed ones decide
    else:
        return []
    prior, keep = _priors(G), _items(G, c, allowed) if pool is None else _items(G, c, allowed) & pool
    if len(keep) > 8 * k:  # the priors are already best first: walk them, do not sort the pool
        return _top(G, prior, keep, k, "attribute", ordered=True)
    return _top(G, {n: prior[n] for n in keep if n in prior}, keep, k, "attribute")


def _priors(G: nx.MultiDiGraph) -> dict[int, float]:
    """Item -> popularity, with graph degree breaking ties among never-mentioned items."""
    def build(G):
        degree = degrees(G)
        prior = {n: 1 + int(G.nodes[n].get("popularity") or 0) + min(degree[n], 100) / 101 for n in catalog(G)}
        return dict(sorted(prior.items(), key=lambda kv: (-kv[1], kv[0])))
    return cached(G, "priors", build)


def from_comentions(G: nx.MultiDiGraph, items: Iterable[int], constraints: Constraints = Constraints(),
                    k: int = 100, allowed: frozenset[int] | None = None) -> list[Candidate]:
    """Items people mention together with ``items``, by summed co-mention counts (one row of the
    graph's co-mention matrix per item, ``kgrec.kg.comentions``: arrays, not a dict per neighbour)."""
    rows = [co_mentions(G).row(item) for item in dict.fromkeys(items) if item in G]
    if not rows:
        return []
    others, where = np.unique(np.concatenate([r[0] for r in rows]), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate([r[1] for r in rows]).astype(np.float64), minlength=len(others))
    return _top(G, dict(zip(others.tolist(), counts.tolist())), _items(G, constraints, allowed), k, "comention")


def popular(G: nx.MultiDiGraph, constraints: Constraints = Constraints(), k: int = 100,
            allowed: frozenset[int] | None = None) -> list[Candidate]:
    """The most mentioned items (graph degree breaks ties)."""
    return _top(G, _priors(G), _items(G, constraints, allowed), k, "popular", ordered=True)


def from_collaborative(G: nx.MultiDiGraph, items: Iterable[int], constraints: Constraints = Constraints(),
                       k: int = 100, allowed: frozenset[int] | None = None) -> list[Candidate]:
    """Items the training sessions' EASE model scores from ``items`` (``kgrec.kg.query.collaborative``)."""
    scores = dict(collaborative_scores(G, items))
    return _top(G, scores, _items(G, constraints, allowed), k, "collaborative", ordered=True)


def from_content(G: nx.MultiDiGraph, items: Iterable[int], constraints: Constraints = Constraints(),
                 k: int = 100, allowed: frozenset[int] | None = None) -> list[Candidate]:
    """Sequels and films sharing director, stars or writers with ``items`` (``kgrec.kg.query.similarity``)."""
    return _top(G, dict(content_scores(G, items)), _items(G, constraints, allowed), k, "content", ordered=True)


def from_conversation(G: nx.MultiDiGraph, again: Mapping[int, float], constraints: Constraints = Constraints(),
                      k: int = 100, allowed: frozenset[int] | None = None) -> list[Candidate]:
    """The conversation's own items by their re-mention prior (``kgrec.kg.query.remention.scores``); every
    hard filter applies but the exclusion of these very items (``allowed``: :attr:`Allowed.again`)."""
    allowed = admissible(G, constraints, again, among=()).again if allowed is None else allowed
    return _top(G, dict(again), allowed, k, "remention")


def prepare_filters(G: nx.MultiDiGraph) -> None:
    """Build now what the hard filters build on first use (the items by year, the share of items
    with a genre), so the first turn that filters does not pay it: 1.4 s of CPU at 10^6 items."""
    inverted.year_index(G)
    genre_coverage(G)


def every_asked(G: nx.MultiDiGraph, constraints: Constraints, compound: Collection[int] = ()) -> frozenset[int]:
    """The items with every theme ``constraints`` ask for and every genre of ``compound`` (genres named as
    one: "romantic comedy"), when that is several ("set in space with aliens", "horror comedies"): the
    filters admit an item with any of them, and these lead (:func:`fuse`'s ``lead``). Genres listed apart
    ("comedy or horror") are not a compound."""
    asked = list(constraints.themes) + [g for g in compound if g in constraints.genres]
    if len(asked) < 2 or not all(a in G for a in asked):
        return frozenset()
    return frozenset.intersection(*(frozenset(G.pred[a]) for a in asked))


def wished(G: nx.MultiDiGraph, constraints: Constraints, wishes: Constraints) -> frozenset[int]:
    """The items that pass ``constraints`` and meet ``wishes`` too (empty without wishes): a wish is a
    positive filter (genres, themes, people, years) that only weighs, by ``FusionWeights.wish``, in
    :func:`fuse`: an item that misses it may still be shown."""
    if wishes == Constraints():
        return frozenset()
    latest = cached(G, "wished", lambda G: {})  # the latest turn's: its fusion and its reply ask again
    found = latest.get((constraints, wishes))
    if found is None:
        found = admissible(G, constraints.joined(wishes)).items
        latest.clear()  # one entry: sessions share the graph, a turn asks for its own
        latest[(constraints, wishes)] = found
    return found


def allowed_for(G: nx.MultiDiGraph, seeds: Iterable[int], constraints: Constraints,
                again: Iterable[int] = ()) -> Allowed:
    """What a retrieval from ``seeds`` may propose: :func:`admissible` with the seeds excluded too."""
    return admissible(G, replace(constraints, exclude=constraints.exclude | set(seeds)), again)


def candidate_lists(G: nx.MultiDiGraph, seeds: Iterable[int], constraints: Constraints = Constraints(),
                    depth: int = 200, context: Iterable[int] = (),
                    again: Mapping[int, float] | None = None, allowed: Allowed | None = None,
                    wishes: Constraints = Constraints()) -> dict[str, list[Candidate]]:
    """Every retriever's ``depth`` best candidates (seeds excluded), by source name.

    The hard filters are applied once, here (:func:`admissible`), or given as ``allowed``
    (:func:`allowed_for` of the same arguments, when a list scored elsewhere shares them); the
    retrievers only score. ``context``: more items of the conversation (e.g. suggested earlier and
    not rejected); the interaction retrievers (co-mentions, collaborative) start from them as well
    as the seeds. ``again``: conversation items that may be suggested again, with their prior (``"remention"``).
    ``wishes``: positive filters that only weigh (:func:`wished`); the attribute list matches them too.
    """
    seeds = list(dict.fromkeys(seeds))
    again = again or {}
    allowed = allowed_for(G, seeds, constraints, again) if allowed is None else allowed
    items = [s for s in seeds if is_item(G, s)]
    session = [s for s in dict.fromkeys([*items, *context]) if is_item(G, s)]
    c, keep = constraints, allowed.items
    # the attribute list matches the wishes too (those it lists meet them): what was wished for has candidates
    asked, meets = (c, keep) if wishes == Constraints() else (c.joined(wishes), keep & wished(G, c, wishes))
    return {
        "walk": from_seeds(G, seeds, c, depth, walk_config(G), keep),
        "comention": from_comentions(G, session, c, depth, keep),
        "collaborative": from_collaborative(G, session, c, depth, keep),
        "content": from_content(G, items, c, depth, keep),
        "attribute": from_attributes(G, asked, depth, meets),
        "popular": popular(G, c, depth, keep),
        "remention": from_conversation(G, again, c, depth, allowed.again),
    }


def fuse(lists: dict[str, list[Candidate]], weights: FusionWeights = FusionWeights(),
         k: int = 50, wished: frozenset[int] = frozenset(), lead: frozenset[int] = frozenset()) -> list[Candidate]:
    """A weighted sum of each list's scores divided by its best score, plus ``weights.wish`` for the items
    that meet the wishes (``wished``, :func:`wished`); the ``k`` best.

    With ``weights.close_first``, the content list's close relatives (score >= ``CLOSE_BONUS``)
    come first, in fused order, whatever their weight; then the ``lead`` items (:func:`every_asked`).
    """
    fused: dict[int, float] = defaultdict(float)
    sources: dict[int, list[str]] = defaultdict(list)
    close = {c.item for c in lists.get("content", ()) if c.score >= CLOSE_BONUS} if weights.close_first else set()
    for name, candidates in lists.items():
        weight = weights.weight(name)
        if not candidates or not (weight or name == "content" and close):
            continue
        best = candidates[0].score
        for c in candidates:
            if weight or c.item in close:
                fused[c.item] += weight * c.score / best
                sources[c.item].append(name)
    if weights.wish and wished:
        for n in fused.keys() & wished:
            fused[n] += weights.wish
    ranked = sorted(fused, key=lambda n: (n not in close, n not in lead, -fused[n], n))[:k]
    return [Candidate(n, round(fused[n], 6), tuple(sources[n])) for n in ranked]


def retrieve(G: nx.MultiDiGraph, seeds: Iterable[int], constraints: Constraints = Constraints(),
             k: int = 50, weights: FusionWeights | None = None, context: Iterable[int] = (),
             roles: Mapping[int, Sequence[str]] | None = None,
             extra: Mapping[str, list[Candidate]] | None = None, wishes: Constraints = Constraints()) -> list[Candidate]:
    """All retrievers fused (:func:`fuse` of :func:`candidate_lists`; ``weights``: :func:`graph_weights`).

    The seeds themselves are not proposed (the user just named them) unless ``roles`` (the
    conversation's items by role, ``kgrec.kg.query.remention.roles``) and the graph's learned prior say so.
    ``extra``: lists scored outside the graph (``"dense"``: the LM encoder's, ``kgrec.agent.encoder``),
    already under ``constraints``; they join the fusion with their weights. ``wishes``: positive filters
    that only weigh (:func:`wished`).
    """
    again = remention.scores(remention.graph_prior(G), roles or {})
    lists = candidate_lists(G, seeds, constraints, pool_depth(k), context, again, wishes=wishes) | dict(extra or {})
    return fuse(lists, weights or graph_weights(G), k, wished(G, constraints, wishes), every_asked(G, constraints))


def pool_depth(k: int) -> int:
    """How many candidates each retriever gives ``retrieve`` for a fused list of ``k``."""
    return max(4 * k, 200)
