"""One recommendation turn as pure stages on frozen values; the chat and the evaluation both call them.

    understand  -> Understood   the message linked (kgrec.kg.query.linking) and read (kgrec.agent.understanding) into new preferences
    constraints -> Request      seeds, the hard filters (what the last message asked for, every exclusion), the
                                wishes (what earlier ones asked for: weighed), the conversation's items, how many to retrieve
    retrieve    -> [Candidate]  every retriever (kgrec.kg.query.retrieval) on the items kgrec.kg.query.retrieval.admissible allows, fused
    rank        -> [Ranked]     the model reranks the top ``rank_pool`` (kgrec.agent.ranking)
    explain     -> [RecommendedItem]  each item with a KG path to what the user likes (kgrec.agent.explain)
    reply       -> Before       what the session knows afterwards

``agent.Recommender.stream`` runs these stages through ``kgrec.agent.actions.play`` (one typed step
each, ``kgrec.agent.steps``), and ``kgrec eval redial`` (``kgrec.evaluation.systems``) replays that same
function on a conversation. The hard filters are decided once per turn, in
``kgrec.kg.query.retrieval.admissible`` (inside :func:`candidate_lists`); the candidate cap once, :func:`shown`.

On a tiny graph::

    before = Before(Preferences())
    understood = understand(G, index, "I loved Police Academy", before, AgentConfig())
    request = constraints(G, understood.prefs, AgentConfig())
    retrieve(G, request)[0].item     # Police Academy 2, the sequel
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import networkx as nx

from kgrec.agent import preferences, understanding
from kgrec.agent.config import AgentConfig
from kgrec.agent.content import audience
from kgrec.agent.explain import check_explanation, unexplainable
from kgrec.agent.types import Explanation, Preferences, Ranked, RecommendedItem
from kgrec.kg.graph import display
from kgrec.kg.query import inverted, linking, remention, retrieval
from kgrec.kg.schema import Candidate, Constraints

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

    text: str  # the message (already through kgrec.agent.text.clean)
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
    query: str = ""  # the turn as the dense encoder reads it (kgrec.agent.ranking.query_text); "": no dense list
    liked: tuple[int, ...] = ()  # the conversation's movies not disliked, whose liked-movie vectors the encoder adds (kgrec.agent.dense_index)
    wishes: Constraints = Constraints()  # what earlier messages asked for: weighs, filters nothing (preferences.wishes)
    compound: frozenset[int] = frozenset()  # genres the message named as one ("romantic comedy"): films with all lead
    wishes_first: bool = False  # the message only asked for more ("another one?"): what meets the wishes leads

    def again_items(self) -> frozenset[int]:
        """The conversation's items the graph's re-mention prior may suggest again."""
        return frozenset(n for _, items in self.again for n in items)


# ---------------------------------------------------------------- understand
def conversation(history: Iterable[tuple[str, str]], text: str) -> str:
    """The talk as the rank prompt gets it: the last 6 earlier utterances and ``text``, each cut."""
    from kgrec.agent.ranking import recent_text

    return recent_text([(USER_ROLES.get(r, r), t) for r, t in history] + [("seeker", text)])


def understand(G: nx.MultiDiGraph, index, text: str, before: Before, config: AgentConfig,
               themes=None) -> Understood:
    """Link ``text`` (``index``: ``kgrec.kg.query.linking.LinkIndex``) and read it against ``before``.

    ``themes`` (``kgrec.agent.content.ThemeLinker``): for a message that names no title, person or theme
    but says what the movie should be about, the LM encoder's nearest theme (above its threshold)."""
    mentions = understanding.best_mentions(linking.link(index, text), config.min_link_score)
    mentions = sorted([*mentions, *audience(G, text, mentions)], key=lambda m: m.span)  # "my 6 year old": family
    if (themes is not None and all(m.type == "genre" for m in mentions)
            and understanding.content_outside_titles(text, mentions)):
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
    """The conversation's catalog items by role (``kgrec.kg.query.remention.ROLES``), disliked ones left out;
    none when the user's ``message`` asks for other titles ("another one", "something else")."""
    if NEW_ONES.search(message):
        return ()
    disliked = set(prefs.disliked)
    lists = (("last", last), ("suggested", prefs.recommended), ("liked", prefs.liked), ("seen", prefs.seen))
    return tuple((role, tuple(n for n in items if n not in disliked and G.nodes.get(n, {}).get("item")))
                 for role, items in lists)


def constraints(G: nx.MultiDiGraph, prefs: Preferences, config: AgentConfig,
                last: Sequence[int] = (), message: str = "", conversation: str = "",
                stated: understanding.Understanding | None = None) -> Request:
    """The retrieval request the preferences imply (``last``: the session's latest list before
    ``message``, the user's message; both for :func:`again_roles`; a film named, shown or excluded
    hides its namesakes, ``kgrec.kg.query.inverted.namesakes``: the KG's second entry of the same film,
    or "The Notebook (2013)", a Hungarian film, after "The Notebook (2004)";
    ``conversation``: ``Understood.conversation``, which the dense encoder reads after the titles of the
    conversation's movies not disliked (liked, shown, seen: ``preferences.context_items``, as it was trained);
    ``stated``: what ``message`` said (``Understood.u``): what it asks for filters, what earlier messages
    asked for is a wish, ``preferences.wishes``, and a message that only asks for more ("another one?",
    ``Understanding.wants_more`` and nothing else) puts what meets the wishes first; ``None``: everything filters)."""
    from kgrec.agent.ranking import query_text

    c, wishes = preferences.constraints(G, prefs), Constraints()
    if stated is not None:
        c, wishes = preferences.wishes(c, stated)
    more_of_the_same = stated is not None and stated.wants_more and not (stated.adds_preferences or stated.content)
    hidden = inverted.namesakes(G, c.exclude)
    return Request(seeds=tuple(preferences.seeds(G, prefs)), constraints=replace(c, exclude=c.exclude | hidden),
                   wishes=wishes, wishes_first=more_of_the_same and wishes != Constraints(),
                   compound=frozenset(stated.compound_genres) if stated is not None else frozenset(),
                   context=tuple(n for n in preferences.context_items(prefs) if n in G), k=config.candidates,
                   again=again_roles(G, prefs, last, message),
                   query=query_text(G, preferences.context_items(prefs), prefs.disliked, conversation) if conversation else "",
                   liked=tuple(n for n in preferences.context_items(prefs) if n in G))


# ---------------------------------------------------------------- retrieve
def candidate_lists(G: nx.MultiDiGraph, request: Request, dense=None) -> dict[str, list[Candidate]]:
    """Each retriever's candidates for ``request`` (``kgrec.kg.query.retrieval.candidate_lists``; the
    conversation's items scored by the graph's re-mention prior, ``kgrec.kg.query.remention``), and with
    ``dense`` (``kgrec.agent.encoder.DenseRetriever``) the LM encoder's list over the whole catalog."""
    depth = retrieval.pool_depth(request.k)
    again = remention.scores(remention.graph_prior(G), remention.roles(**dict(request.again)))
    allowed = with_facts(G, retrieval.allowed_for(G, request.seeds, request.constraints, again))  # the hard filters, once
    lists = retrieval.candidate_lists(G, request.seeds, request.constraints, depth, request.context, again, allowed,
                                      request.wishes)
    return lists | dense_lists(G, dense, request.query, request.constraints, depth, allowed.items, request.liked)


def with_facts(G: nx.MultiDiGraph, allowed: retrieval.Allowed) -> retrieval.Allowed:
    """``allowed`` without the items no KG fact could explain (no edge: ``kgrec.agent.explain.unexplainable``),
    whichever list reaches them (the LM encoder reads names; popularity counts mentions)."""
    hidden = unexplainable(G)
    return replace(allowed, items=allowed.items - hidden, again=allowed.again - hidden) if hidden else allowed


def dense_lists(G: nx.MultiDiGraph, dense, query: str, constraints: Constraints, depth: int,
                allowed: frozenset[int] | None = None, liked: Sequence[int] = ()) -> dict[str, list[Candidate]]:
    """``{"dense": ...}``: the encoder's ``depth`` nearest items to ``query`` (and the ``liked`` items'
    liked-movie vectors, ``Request.liked``) among ``allowed`` (the items :func:`with_facts` admits;
    decided here from ``constraints`` when not given; ``{}`` without an encoder or a conversation)."""
    if dense is None or not query:
        return {}
    if allowed is None:
        allowed = with_facts(G, retrieval.admissible(G, constraints)).items
    return {"dense": dense.candidates(G, query, constraints, depth, allowed, liked)}


def missed_wishes(G: nx.MultiDiGraph, request: Request, shown: Sequence[Candidate]) -> int:
    """How many of the ``shown`` items miss the request's wishes (earlier messages' genres, themes, people or
    years, which weigh but do not filter: ``preferences.wishes``)."""
    if request.wishes == Constraints() or not shown:
        return 0
    wished = retrieval.wished(G, request.constraints, request.wishes)
    return sum(c.item not in wished for c in shown)


NAMESAKE_SPARE = 10  # fused beyond k, so that leaving out namesakes still leaves k


def retrieve(G: nx.MultiDiGraph, request: Request, weights: retrieval.FusionWeights | None = None,
             lists: dict[str, list[Candidate]] | None = None) -> list[Candidate]:
    """All retrievers fused with ``weights`` (the graph's, ``kgrec.kg.query.retrieval.graph_weights``).

    ``lists``: :func:`candidate_lists` of ``request`` when already computed (already filtered).
    A film's namesake below it is left out ("Night of the Living Dead" twice: the KG's two entries);
    a film with every theme asked for, and every genre of a compound (``Request.compound``), comes before one
    with some (``kgrec.kg.query.retrieval.every_asked``).
    """
    lists = candidate_lists(G, request) if lists is None else lists
    wished = retrieval.wished(G, request.constraints, request.wishes)
    weights = weights or retrieval.graph_weights(G)
    fused = retrieval.fuse(lists, weights.wishes_first() if request.wishes_first else weights,
                           request.k + NAMESAKE_SPARE, wished, retrieval.every_asked(G, request.constraints, request.compound))
    out, hidden = [], set()
    for candidate in fused:
        if candidate.item not in hidden and len(out) < request.k:
            out.append(candidate)
            hidden |= inverted.namesakes(G, [candidate.item])
    return out


# ---------------------------------------------------------------- rank
def rank_pool(candidates: Sequence, config: AgentConfig) -> list:
    """The candidates the model re-scores: the best ``config.rank_pool``."""
    return list(candidates[:config.rank_pool])


def shown(candidates: Sequence, config: AgentConfig) -> list:
    """The items a reply shows, best first: ``config.k``, never beyond the ranked pool (the one cap)."""
    return list(candidates[:min(config.k, config.rank_pool)])


def rank_context(understood: Understood):
    """What the ranker knows: liked and disliked nodes and the conversation (``kgrec.agent.ranking.RankContext``)."""
    from kgrec.agent.ranking import RankContext

    p = understood.prefs
    return RankContext(liked=tuple(p.liked), disliked=tuple(p.disliked), text=understood.conversation)


def rank(lm, G: nx.MultiDiGraph, understood: Understood, candidates: Sequence[Candidate],
         config: AgentConfig) -> list:
    """The top ``rank_pool`` reranked by the model (``Ranked``), then the rest in retrieval order."""
    from kgrec.agent import ranking

    pool = rank_pool(candidates, config)
    if not config.rank_with_model or not pool:
        return list(candidates)
    ranked = ranking.rank(lm, G, rank_context(understood), pool, config.rank or ranking.RankConfig())
    return ranked + list(candidates[len(pool):])


def well_ranked(ranked: Sequence[Ranked], pool: Sequence[Candidate], config: AgentConfig) -> bool:
    """Whether the model's ``ranked`` is ``pool`` reordered with finite scores (else: the retrieval order)."""
    from kgrec.agent.ranking import RankConfig

    scored = ranked[:min(len(pool), (config.rank or RankConfig()).max_candidates)]  # the rest keep retrieval order
    return sorted(r.item for r in ranked) == sorted(c.item for c in pool) and \
        all(math.isfinite(r.score) and math.isfinite(r.lm_score) for r in scored)


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
