"""The conversation's own items, suggested again: a prior learned from a graph's training turns.

Recommenders in some data sets keep naming the film they are pitching ("Have you seen Joker?
... It's really worth it"): in INSPIRED's training turns, 13% of the items the recommender
suggested in its previous message are suggested again in the next one, 8% of the films the
seeker said they liked, against about 3% for the retriever's best new candidate. Each item of
the conversation has *roles* (``ROLES``); its prior is the learned rate of its best role. The
rates are counted on training turns (``fit_prior``), kept with the graph
(``kgrec.kg.storage.registry.save_tuning``) and read by ``kgrec.kg.query.retrieval`` through ``graph_prior``::

    >>> prior = fit_prior([({1: ("last",), 2: ("liked",)}, {1}), ({3: ("last",)}, set())])
    >>> prior.last, prior.liked
    (0.5, 0.0)
    >>> scores(prior, roles(liked=[2], suggested=[1, 3], last=[3], disliked=[2]))
    {3: 0.5, 1: 0.0}
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields

import networkx as nx

from kgrec.kg.errors import ConfigError

ROLES = ("last", "suggested", "liked", "seen")
GRAPH_KEY = "remention_prior"  # G.graph: the prior's fields (kgrec.kg.storage.registry.load_graph, or learned at build/import)
SOURCE_KEY = "remention_trained_on"  # G.graph: what the prior was counted on, in words


@dataclass(frozen=True)
class RementionPrior:
    """How often an item of each role is suggested again in the next recommendation (0..1)."""

    last: float = field(default=0.0, metadata={"help": "suggested in the recommender's previous message"})
    suggested: float = field(default=0.0, metadata={"help": "suggested earlier in the conversation"})
    liked: float = field(default=0.0, metadata={"help": "the seeker said they liked it"})
    seen: float = field(default=0.0, metadata={"help": "the seeker has seen it (no opinion)"})

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ConfigError(f"RementionPrior.{f.name}={value!r}: expected a rate in 0..1")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def roles(*, liked: Sequence[int] = (), suggested: Sequence[int] = (), seen: Sequence[int] = (),
          last: Sequence[int] = (), disliked: Iterable[int] = ()) -> dict[int, tuple[str, ...]]:
    """Item -> its roles in the conversation; disliked items have none (never suggested again)."""
    disliked = set(disliked)
    found: dict[int, list[str]] = {}
    for role, items in (("last", last), ("suggested", suggested), ("liked", liked), ("seen", seen)):
        for item in items:
            if item not in disliked:
                found.setdefault(item, []).append(role)
    return {item: tuple(r) for item, r in found.items()}


def scores(prior: RementionPrior, item_roles: Mapping[int, Sequence[str]]) -> dict[int, float]:
    """Item -> the rate of its best role."""
    return {item: max(getattr(prior, r) for r in rs) for item, rs in item_roles.items() if rs}


def fit_prior(observations: Iterable[tuple[Mapping[int, Sequence[str]], set[int]]]) -> RementionPrior:
    """Rates per role from ``(item roles before a turn, the turn's suggested items)`` pairs."""
    hits, totals = Counter(), Counter()
    for item_roles, labels in observations:
        for item, rs in item_roles.items():
            for role in rs:
                totals[role] += 1
                hits[role] += item in labels
    return RementionPrior(**{r: round(hits[r] / totals[r], 4) if totals[r] else 0.0 for r in ROLES})


def turn_observations(turns: Iterable) -> list[tuple[dict[int, tuple[str, ...]], set[int]]]:
    """:func:`fit_prior`'s pairs from recommendation turns in dialogue order (``kgrec.kg.sources.redial.Turn``): an
    item is ``last`` when the recommender's previous message suggested it, ``suggested`` when an
    earlier turn of the dialogue did, ``liked`` by the turn's labels, ``seen`` when mentioned with
    neither a like nor a suggestion; disliked items have no role.

    >>> from kgrec.kg.sources.redial import Turn
    >>> turns = [Turn("d", ("a",), (1,), (1,), (), (2,)), Turn("d", ("a", "b", "c"), (1, 2), (1,), (), (2,))]
    >>> fit_prior(turn_observations(turns))
    RementionPrior(last=1.0, suggested=1.0, liked=0.0, seen=0.0)
    """
    out, previous, earlier = [], None, []
    for t in turns:
        if previous is None or previous.dialog_id != t.dialog_id:
            previous, earlier = None, []
        last = previous.targets if previous and len(t.context) == len(previous.context) + 2 else ()
        seen = [n for n in t.mentioned if n not in t.liked and n not in t.disliked and n not in earlier]
        out.append((roles(liked=t.liked, suggested=earlier, seen=seen, last=last, disliked=t.disliked), set(t.targets)))
        previous, earlier = t, list(dict.fromkeys([*earlier, *t.targets]))
    return out


def sequence_prior(sessions: Iterable) -> RementionPrior:
    """Rates per role from interaction sequences (``kgrec.kg.sources.interactions.Session``): before each mention
    after the first, the previous item is ``last``, earlier liked items are ``liked`` and earlier
    unlabelled ones ``seen`` (disliked: no role); a hit is the mention naming that item again.

    >>> from kgrec.kg.sources.interactions import Session
    >>> sequence_prior([Session((1, 2), frozenset({1}), sequence=(1, 2, 1, 1))])
    RementionPrior(last=0.3333, suggested=0.0, liked=0.6667, seen=0.0)
    """
    hits, totals = Counter(), Counter()
    for s in sessions:
        sequence = s.sequence or s.items
        role = {i: "liked" if i in s.positive else None if i in s.negative else "seen" for i in sequence}
        before: Counter = Counter()  # role -> distinct earlier items with it
        named: set[int] = set()
        for t, item in enumerate(sequence):
            if t and sequence[t - 1] not in s.negative:
                totals["last"] += 1
                hits["last"] += item == sequence[t - 1]
            if t:
                totals.update(before)
                if item in named and role[item]:
                    hits[role[item]] += 1
            if item not in named and role[item]:
                before[role[item]] += 1
            named.add(item)
    return RementionPrior(**{r: round(hits[r] / totals[r], 4) if totals[r] else 0.0 for r in ROLES})


def graph_prior(G: nx.MultiDiGraph) -> RementionPrior:
    """The prior kept with ``G`` (all rates 0 without one: nothing is suggested again)."""
    return RementionPrior(**G.graph.get(GRAPH_KEY) or {})
