"""Training pairs of the dense encoder: (what the encoder reads, the catalog item it should find).

Four ingredients (``TrainConfig``: ``content_pairs``, ``kg_pairs``, ``mention_pairs``; ReDial's always):

* ReDial train conversations -> each movie the recommender suggested (``pairs``, from
  ``kgrec.evaluation.pairs``: the same pairs validate the encoder);
* content requests -> an item: a request written here from the item's own KG facts (genres,
  director, stars, decade, themes where the graph has ``has_theme`` edges), phrased several
  ways; every other item that fits the same facts is masked, so it is never a negative
  (``content_pairs``). Nothing comes from any test data;
* verbalized KG paths -> an item: "Liked: A." and the sentence of A's fact (``kgrec.kg.query.verbalize``),
  target another item with that fact, A masked (``kg_pairs``);
* ReDial train conversations known only as their movie mentions (``train_mentions.jsonl``: no
  text; valid's conversations never) -> the next movie the seeker liked, written as a turn's first
  lines are: "Liked: A, B." / "Disliked: C." (``mention_pairs``).

Each pair also carries the KG retriever's near misses for its context (``kgrec.kg.query.retrieval``, the
items it ranks highest that are not the answer): the hard negatives of the shared-LoRA item
side, which cannot score every item each step.

    >>> Pair("User: a heist movie", 3, (4,)).hard
    ()
"""
from __future__ import annotations

import random
from collections.abc import Sequence

import networkx as nx

from kgrec.evaluation.pairs import Pair, near_misses, pairs, turn_text  # noqa: F401  (kgrec.finetune.dense_pairs' names too)
from kgrec.kg.graph import display, is_item
from kgrec.kg.schema import Fact


# ---------------------------------------------------------------- content requests

#: how people ask for films with a given fact: {x} is the fact's phrase
ASK = ("I want a {x}.", "Can you recommend a {x}?", "Any good {x}?", "I'm in the mood for a {x}.",
       "Looking for a {x}, any ideas?", "Suggest me a {x} please.", "What's a good {x} to watch tonight?",
       "I'd love to see a {x}.", "Do you know a {x}?", "Something like a {x} would be great.")
#: a fact -> the request's phrase; {g} genre, {p} person, {t} theme, {d} decade
FACETS = {
    "genre": ("{g} movie", "{g} film", "good {g}"),
    "director": ("movie directed by {p}", "film by {p}", "{p} movie"),
    "starring": ("movie with {p}", "film starring {p}", "movie where {p} plays"),
    "theme": ("movie about {t}", "film about {t}", "story about {t}"),
    "decade": ("movie from the {d}", "{d} film"),
}


def facts_of(G: nx.MultiDiGraph, item: int) -> dict[str, list[str]]:
    """The item's request-worthy facts: relation -> names (the other ends of its edges)."""
    found: dict[str, list[str]] = {}
    for _, tail, relation in G.out_edges(item, keys=True):
        key = "theme" if relation == "has_theme" else relation
        if key in FACETS:
            found.setdefault(key, []).append(display(G, tail).lower() if key in ("genre", "theme") else display(G, tail))
    year = G.nodes[item].get("year")
    if isinstance(year, int) and 1900 <= year < 2100:
        found["decade"] = [f"{year // 10 * 10}s"]
    return found


def _matching(G: nx.MultiDiGraph, chosen: list[tuple[str, str]], by_fact: dict) -> set[int]:
    sets = [by_fact.get(fact, set()) for fact in chosen]
    return set.intersection(*sets) if sets else set()


def content_pairs(G: nx.MultiDiGraph, items: Sequence[int], n: int, seed: int = 0) -> list[Pair]:
    """``n`` requests written from single items' facts (one or two facets), others that fit masked."""
    rng = random.Random(seed + 3)
    row = {int(i): r for r, i in enumerate(items)}
    facts = {i: facts_of(G, i) for i in items}
    by_fact: dict[tuple[str, str], set[int]] = {}
    for i, found in facts.items():
        for key, names in found.items():
            for name in names:
                by_fact.setdefault((key, name), set()).add(i)
    candidates = [i for i in items if facts[i]]
    out: list[Pair] = []
    while candidates and len(out) < n:
        item = rng.choice(candidates)
        keys = rng.sample(sorted(facts[item]), min(len(facts[item]), rng.choice((1, 2))))
        chosen = [(k, rng.choice(facts[item][k][:3])) for k in keys]
        fits = _matching(G, chosen, by_fact)
        if len(fits) > 300:  # too broad to teach this item
            continue
        phrase = " ".join(rng.choice(FACETS[k]).format(g=v, p=v, t=v, d=v) for k, v in chosen[:1])
        if len(chosen) > 1:
            k, v = chosen[1]
            phrase += {"genre": f", a {v} one", "director": f" directed by {v}", "starring": f" with {v}",
                       "theme": f" about {v}", "decade": f" from the {v}"}[k]
        text = "User: " + rng.choice(ASK).format(x=phrase)
        out.append(Pair(text, row[item], tuple(sorted(row[i] for i in fits if i != item and i in row)), (), "content"))
    return out


# ---------------------------------------------------------------- verbalized KG paths


def kg_pairs(G: nx.MultiDiGraph, items: Sequence[int], n: int, seed: int = 0) -> list[Pair]:
    """``n`` pairs "Liked: A. <A's fact, verbalized>" -> B, another item with the same fact (A masked)."""
    from kgrec.kg.query.verbalize import verbalize

    rng = random.Random(seed + 4)
    row = {int(i): r for r, i in enumerate(items)}
    relations = ("director", "starring", "genre", "writer", "has_theme", "subsequent_work", "music_composer")
    facts = [Fact(h, r, t) for h, t, r in G.edges(keys=True) if r in relations and h in row]
    out: list[Pair] = []
    for _ in range(20 * n):
        if len(out) >= n or not facts:
            break
        fact = rng.choice(facts)
        others = [h for h, _, r in G.in_edges(fact.tail, keys=True) if r == fact.relation and h != fact.head
                  and h in row and is_item(G, h)]
        if not others or len(others) > 200:
            continue
        text = f"Liked: {display(G, fact.head)}.\n{verbalize(G, fact)}\nUser: something else like that?"
        target = rng.choice(others)
        masked = tuple(sorted({row[fact.head]} | {row[o] for o in others if o != target}))
        out.append(Pair(text, row[target], masked, (), "kg", liked=(row[fact.head],)))
    return out


def mention_pairs(G: nx.MultiDiGraph, sessions: Sequence, items: Sequence[int], n: int, seed: int = 0) -> list[Pair]:
    """Up to ``n`` pairs from ``sessions`` (``kgrec.kg.sources.interactions.Session``: movie mentions in
    order, with likes): the mentions before a liked movie, as ``query_text`` writes a turn's liked
    and disliked titles, -> that movie; the earlier mentions masked. A random sample when there are more."""
    from kgrec.agent.ranking import query_text

    row = {int(i): r for r, i in enumerate(items)}
    out: list[Pair] = []
    for session in sessions:
        seen = [i for i in session.items if i in row]
        for k in range(1, len(seen)):
            if seen[k] not in session.positive:
                continue
            before = seen[:k]
            liked = [i for i in before if i not in session.negative]
            text = query_text(G, liked, [i for i in before if i in session.negative], "")
            out.append(Pair(text, row[seen[k]], tuple(sorted({row[i] for i in before})), (), "mentions",
                            liked=tuple(row[i] for i in liked)))
    random.Random(seed + 5).shuffle(out)
    return out[:n]


def mention_only_pairs(G: nx.MultiDiGraph, items: Sequence[int], n: int, seed: int = 0) -> list[Pair]:
    """:func:`mention_pairs` of ReDial's train conversations known only as mentions (``train_mentions.jsonl``;
    valid's never); none on an imported graph, whose items they do not name."""
    if not n or G.graph.get("folder"):
        return []
    from kgrec.kg.sources.interactions import redial_train_sessions

    training = redial_train_sessions(G)  # the dialogues with text first, then those known only as mentions
    return mention_pairs(G, training.sessions[len(training.sessions) - training.mentions:], items, n, seed)
