"""One recommendation turn as pure stages on frozen values; the chat and the evaluation both call them.

    understand  -> Understood   the message linked (kg.linking) and read (agent.understanding) into new preferences
    constraints -> Request      seeds, every hard filter, the conversation's items, how many to retrieve
    retrieve    -> [Candidate]  every retriever (kg.retrieval) on the items kg.retrieval.admissible allows, fused
    rank        -> [Ranked]     the model reranks the top ``rank_pool`` (agent.ranking)
    explain     -> [RecommendedItem]  each item with a KG path to what the user likes (agent.explain)
    reply       -> Before       what the session knows afterwards

``agent.Recommender.stream`` runs these stages through its LangChain tools (so each step is in the
trace and a bad call is an observation); ``kgrec eval redial`` (``evaluation.systems``) calls them
directly on a replayed conversation. The hard filters are decided in one place,
``kg.retrieval.admissible``; :func:`allowed` asks it again of whatever a tool returned.

On a tiny graph::

    before = Before(Preferences())
    understood = understand(G, index, "I loved Police Academy", before, AgentConfig())
    request = constraints(G, understood.prefs, AgentConfig(), preferences.title_index(G))
    retrieve(G, request)[0].item     # Police Academy 2, the sequel
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import networkx as nx

from agent import preferences, understanding
from agent.config import AgentConfig
from agent.content import audience, content_words
from agent.explain import check_explanation, explainable
from agent.types import Explanation, Preferences, Ranked, RecommendedItem
from kg.graph import display
from kg import linking, remention, retrieval
from kg.schema import Candidate, Constraints

USER_ROLES = {"user": "seeker", "assistant": "recommender"}  # session roles -> rank-prompt roles


@dataclass(frozen=True)
class Before:
    """What a session knows before the message: preferences, the latest list, the focus, the talk so far."""

    prefs: Preferences
    last_items: tuple[int, ...] = ()  # the latest recommendation list ("the second one")
    focus: int | None = None  # the movie the latest question was about ("who directed it?")
    history: tuple[tuple[str, str], ...] = ()  # earlier (role, text); role "user" or "assistant"


@dataclass(frozen=True)
class Understood:
    """The message read against ``Before``: what it says and the preferences it leads to."""

    text: str  # the message (already through agent.text.clean)
    u: understanding.Understanding
    prefs: Preferences  # Before.prefs with u applied
    conversation: str  # "User: ...\nRecommender: ..." as the ranker and the encoder read it


@dataclass(frozen=True)
class Request:
    """What to retrieve: seeds, the hard filters and the conversation's items."""

    seeds: tuple[int, ...]  # liked nodes, and wished genres the graph cannot filter on
    constraints: Constraints  # every hard filter (liked, seen, disliked, shown and their second KG entries excluded)
    context: tuple[int, ...]  # the conversation's movies for the interaction retrievers
    k: int  # candidates kept after fusion (AgentConfig.candidates)
    again: tuple[tuple[str, tuple[int, ...]], ...] = ()  # the conversation's items by role (:func:`again_roles`)
    query: str = ""  # the turn as the dense encoder reads it (agent.ranking.query_text); "": no dense list

    def again_items(self) -> frozenset[int]:
        """The conversation's items the graph's re-mention prior may suggest again."""
        return frozenset(n for _, items in self.again for n in items)


# ---------------------------------------------------------------- understand
def conversation(history: Iterable[tuple[str, str]], text: str) -> str:
    """The talk as the rank prompt gets it: the last 6 earlier utterances and ``text``, each cut."""
    from agent.ranking import recent_text

    return recent_text([(USER_ROLES.get(r, r), t) for r, t in history] + [("seeker", text)])


def understand(G: nx.MultiDiGraph, index, text: str, before: Before, config: AgentConfig,
               themes=None) -> Understood:
    """Link ``text`` (``index``: ``kg.linking.LinkIndex``) and read it against ``before``.

    ``themes`` (``agent.content.ThemeLinker``): for a message that names no title, person or theme
    but says what the movie should be about, the LM encoder's nearest theme (above its threshold)."""
    mentions = understanding.best_mentions(linking.link(index, text), config.min_link_score)
    mentions = sorted([*mentions, *audience(G, text, mentions)], key=lambda m: m.span)  # "my 6 year old": family
    if themes is not None and all(m.type == "genre" for m in mentions) and content_words(text, mentions):
        named = {m.node for m in mentions}  # a genre the message names itself is read from its words ("not big on horror")
        mentions = [*mentions, *(m for m in themes.link(text) if m.node not in named)]  # the encoder's theme
    u = understanding.understand(G, text, mentions, before.prefs, before.last_items, before.focus)
    return Understood(text, u, preferences.apply(before.prefs, u), conversation(before.history, text))


# ---------------------------------------------------------------- constraints
def recommends(prefs: Preferences, u: understanding.Understanding | None = None, encoder: bool = False) -> bool:
    """Whether there is anything to recommend from (else the agent asks what the user wants): a
    preference, or, with an ``encoder`` (the dense list), words saying what the movie is about."""
    return preferences.has_preferences(prefs) or (encoder and u is not None and bool(u.content))


NEW_ONES = re.compile(r"\b(another|else|others?|different|instead|new ones?)\b", re.IGNORECASE)


def again_roles(G: nx.MultiDiGraph, prefs: Preferences, last: Sequence[int],
                message: str = "") -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The conversation's catalog items by role (``kg.remention.ROLES``), disliked ones left out;
    none when the user's ``message`` asks for other titles ("another one", "something else")."""
    if NEW_ONES.search(message):
        return ()
    disliked = set(prefs.disliked)
    lists = (("last", last), ("suggested", prefs.recommended), ("liked", prefs.liked), ("seen", prefs.seen))
    return tuple((role, tuple(n for n in items if n not in disliked and G.nodes.get(n, {}).get("item")))
                 for role, items in lists)


def constraints(G: nx.MultiDiGraph, prefs: Preferences, config: AgentConfig, titles: dict,
                last: Sequence[int] = (), message: str = "", conversation: str = "") -> Request:
    """The retrieval request the preferences imply (``titles``: ``agent.preferences.title_index(G)``;
    ``last``: the session's latest list before ``message``, the user's message; both for :func:`again_roles`;
    ``conversation``: ``Understood.conversation``, which the dense encoder reads with the liked titles)."""
    from agent.ranking import query_text

    c = preferences.constraints(G, prefs)
    hidden = preferences.duplicates(G, sorted(c.exclude), titles)  # the KG's second entries of excluded films
    return Request(seeds=tuple(preferences.seeds(G, prefs)), constraints=replace(c, exclude=c.exclude | set(hidden)),
                   context=tuple(n for n in preferences.context_items(prefs) if n in G), k=config.candidates,
                   again=again_roles(G, prefs, last, message),
                   query=query_text(G, prefs.liked, prefs.disliked, conversation) if conversation else "")


def tool_arguments(request: Request) -> dict:
    """``request`` as the arguments of the ``retrieve_candidates`` tool (JSON values)."""
    c = request.constraints
    return {"seeds": list(request.seeds), "genres": sorted(c.genres), "not_genres": sorted(c.not_genres),
            "themes": sorted(c.themes), "not_themes": sorted(c.not_themes),
            "people": sorted(c.people), "not_people": sorted(c.not_people), "exclude": sorted(c.exclude),
            "year_min": c.year_min, "year_max": c.year_max, "k": request.k,
            "not_years": [list(r) for r in sorted(c.not_years)], "context": list(request.context),
            "again": {role: list(items) for role, items in request.again}, "query": request.query}


# ---------------------------------------------------------------- retrieve
def allowed(G: nx.MultiDiGraph, request: Request, found: Iterable) -> list:
    """The items of ``found`` that ``kg.retrieval.admissible`` allows for ``request``: catalog items
    that pass every hard filter, or conversation items the re-mention prior proposed.

    Whatever produced ``found`` (a tool, the model's order), only these are shown.
    """
    found = list(found)
    ok = retrieval.admissible(G, request.constraints, request.again_items(), among=[x.item for x in found])
    return [x for x in found if ok.admits(x)]


def candidate_lists(G: nx.MultiDiGraph, request: Request, dense=None) -> dict[str, list[Candidate]]:
    """Each retriever's candidates for ``request`` (``kg.retrieval.candidate_lists``; the
    conversation's items scored by the graph's re-mention prior, ``kg.remention``), and with
    ``dense`` (``agent.encoder.DenseRetriever``) the LM encoder's list over the whole catalog."""
    depth = retrieval.pool_depth(request.k)
    again = remention.scores(remention.graph_prior(G), remention.roles(**dict(request.again)))
    lists = retrieval.candidate_lists(G, request.seeds, request.constraints, depth, request.context, again)
    return lists | dense_lists(G, dense, request.query, request.constraints, depth)


def dense_lists(G: nx.MultiDiGraph, dense, query: str, constraints: Constraints, depth: int) -> dict[str, list[Candidate]]:
    """``{"dense": ...}``: the encoder's ``depth`` nearest items to ``query`` that pass ``constraints``
    (``{}`` without an encoder or a conversation). The chat's tool and the replay both call this.
    An item without any KG edge is left out: no fact could explain it (``agent.explain.explainable``)."""
    if dense is None or not query:
        return {}
    ok = explainable(G)
    return {"dense": [c for c in dense.candidates(G, query, constraints, depth) if c.item in ok]}


def retrieve(G: nx.MultiDiGraph, request: Request, weights: retrieval.FusionWeights | None = None,
             lists: dict[str, list[Candidate]] | None = None) -> list[Candidate]:
    """All retrievers fused with ``weights`` (the graph's, ``kg.retrieval.graph_weights``).

    ``lists``: :func:`candidate_lists` of ``request`` when already computed (already filtered).
    The same items in the same order as the ``retrieve_candidates`` tool's answer.
    """
    lists = candidate_lists(G, request) if lists is None else lists
    return retrieval.fuse(lists, weights or retrieval.graph_weights(G), request.k)


# ---------------------------------------------------------------- rank
def rank_pool(candidates: Sequence, config: AgentConfig) -> list:
    """The candidates the model re-scores: the best ``config.rank_pool``."""
    return list(candidates[:config.rank_pool])


def rank_context(understood: Understood):
    """What the ranker knows: liked and disliked nodes and the conversation (``agent.ranking.RankContext``)."""
    from agent.ranking import RankContext

    p = understood.prefs
    return RankContext(liked=tuple(p.liked), disliked=tuple(p.disliked), text=understood.conversation)


def rank_arguments(understood: Understood, pool: Sequence[Candidate]) -> dict:
    """The ``rank_candidates`` tool's arguments for ``pool`` (the same context as :func:`rank`)."""
    context = rank_context(understood)
    return {"items": [x.item for x in pool], "liked": list(context.liked), "disliked": list(context.disliked),
            "request": context.text, "retrieval_scores": [x.score for x in pool]}


def rank(lm, G: nx.MultiDiGraph, understood: Understood, candidates: Sequence[Candidate],
         config: AgentConfig) -> list:
    """The top ``rank_pool`` reranked by the model (``Ranked``), then the rest in retrieval order."""
    from agent import ranking

    pool = rank_pool(candidates, config)
    if not config.rank_with_model or not pool:
        return list(candidates)
    ranked = ranking.rank(lm, G, rank_context(understood), pool, config.rank or ranking.RankConfig())
    return ranked + list(candidates[len(pool):])


# ---------------------------------------------------------------- explain and reply
def anchors(understood: Understood) -> list[int]:
    """What explanations lead back to: this message's likes first, then the standing ones."""
    u, p = understood.u, understood.prefs
    return list(u.liked) + [n for n in p.themes + p.liked + p.genres + p.people if n not in u.liked]


def explained(G: nx.MultiDiGraph, best: Sequence[Ranked | Candidate],
              explanations: Sequence[Explanation] | None) -> list[RecommendedItem]:
    """The shown items with their explanations; a cited fact that is not a KG edge is our bug."""
    if explanations is None:
        explanations = [Explanation(r.item, (), "") for r in best]
    items = []
    for ranked, explanation in zip(best, explanations):
        if not check_explanation(G, explanation):
            raise RuntimeError(f"explanation of {ranked.item} cites a fact that is not in the graph: {explanation}")
        items.append(RecommendedItem(ranked.item, display(G, ranked.item), float(ranked.score), explanation))
    return items


def after(before: Before, understood: Understood, shown: Sequence[int], answer: str, keep: int) -> Before:
    """What the session knows after replying ``answer`` with ``shown`` (the last ``keep`` messages kept)."""
    prefs = preferences.add(understood.prefs, "recommended", shown)
    last_items, focus = before.last_items, before.focus
    if shown:
        last_items, focus = tuple(shown), None
    elif understood.u.fact_subject is not None:
        focus = understood.u.fact_subject
    history = (before.history + (("user", understood.text), ("assistant", answer)))[-keep:]
    return Before(prefs, last_items, focus, history)
