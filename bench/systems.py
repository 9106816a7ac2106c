"""kgrec's own systems for the replay, built from the agent's layers.

For speed the replay does not run the whole chat loop per turn. :class:`AgentReplay` rebuilds
what the agent would know after the dialogue so far by calling the very functions
``agent.Recommender.stream`` calls, in the same order:

* each seeker utterance: ``kg.linking.link`` → ``agent.state.best_mentions(min_link_score)`` →
  ``agent.state.understand`` → ``agent.state.apply``;
* each recommender utterance: the movies it names become ``prefs.recommended`` and
  ``last_items``, as the agent's own suggestions would (so they are never suggested again);
* then ``retrieve_candidates``'s call (seeds = liked nodes, ``agent.state.constraints``,
  ``k = AgentConfig.candidates``), the same re-check of hard filters (catalog, not recommended,
  no duplicate of an excluded film, ``kg.retrieval.satisfies``), and ``rank_candidates``'s call
  of ``agent.ranking.rank`` on the top ``rank_pool`` with the conversation as the agent writes it
  (its last 6 earlier utterances and the seeker's message, each cut at 500 characters).

``--entities prev_entity`` skips the linking and takes the file's context entities as liked.
``AgentChat`` instead runs the real ``Recommender.respond`` on the last seeker message, with
the session's state rebuilt as above (slow: the model picks actions and explanation paths).
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from agent.types import Preferences
from bench.redial_eval import EvalTurn, Prepared
from kg.schema import Candidate, Mention

def request_text(context) -> str:
    """The conversation as ``rank_candidates`` gets it from the agent ("User: ...\nRecommender: ...")."""
    from agent.ranking import recent_text

    return recent_text([(u.role, u.text) for u in context]) if context else ""


@dataclass
class ReplayState:
    """The agent's view of a dialogue before its next reply."""

    prefs: Preferences
    last_items: tuple[int, ...] = ()
    focus: int | None = None
    request: str = ""  # the conversation as the ranking prompt gets it
    message: str = ""  # the seeker's last message


class AgentReplay:
    """The agent's linking → preferences → retrieval pipeline, replayed over a context."""

    def __init__(self, G: nx.MultiDiGraph, config=None, entities: str = "text"):
        from agent.config import AgentConfig
        from agent.state import title_index
        from kg.linking import build_link_index
        from kg.remention import graph_prior

        self.G, self.config, self.entities = G, config or AgentConfig(), entities
        self.catalog = frozenset(n for n, d in G.nodes(data=True) if d.get("item"))
        self.index = build_link_index(G) if entities == "text" else None
        self.titles = title_index(G)
        self.prior = graph_prior(G)  # kg.remention: the graph's learned rates of suggesting an item again

    def mentions(self, text: str) -> list[Mention]:
        from agent import state
        from kg.linking import link

        return state.best_mentions(link(self.index, text), self.config.min_link_score)

    def state(self, turn: EvalTurn) -> ReplayState:
        """Preferences after ``turn.context``, as the agent's session would hold them."""
        from agent import state

        s = ReplayState(Preferences(), request=request_text(turn.context))
        if self.entities == "prev_entity":
            s.prefs.liked = [n for n in dict.fromkeys(turn.annotated) if n in self.G]
            return s
        for utterance in turn.context:
            text = utterance.text[:self.config.max_message_chars]
            mentions = self.mentions(text)
            if utterance.role == "recommender":
                named = [m.node for m in mentions if m.node in self.catalog]
                s.prefs.recommended.extend(n for n in named if n not in s.prefs.recommended)
                s.last_items = tuple(dict.fromkeys(named)) or s.last_items
                continue
            s.message = text
            u = state.understand(self.G, text, mentions, s.prefs, s.last_items, s.focus)
            s.prefs = state.apply(s.prefs, u)
            s.focus = u.fact_subject if u.fact_subject is not None else s.focus
        return s

    def lists(self, s: ReplayState) -> dict[str, list[Candidate]]:
        """Each retriever's candidates for ``retrieve_candidates``'s call (``{}``: the agent would ask)."""
        from agent import state
        from agent.recommender import again_roles
        from kg import remention, retrieval

        if not state.has_preferences(s.prefs):
            return {}  # the agent would ask a question instead of recommending
        c = state.constraints(self.G, s.prefs)
        seeds = state.seeds(self.G, s.prefs)
        context = [n for n in state.context_items(s.prefs) if n in self.G]
        again = remention.scores(self.prior, remention.roles(**again_roles(self.G, s.prefs, s.last_items, s.message)))
        return retrieval.candidate_lists(self.G, seeds, c, retrieval.pool_depth(self.config.candidates), context, again)

    def candidates(self, s: ReplayState, lists: dict | None = None, weights=None) -> list[Candidate]:
        """``retrieval.retrieve``'s fused list (``weights``: the graph's, ``retrieval.graph_weights``) with the agent's re-check.

        ``lists``: :meth:`lists` of ``s``, computed here when not given.
        """
        from agent import state
        from agent.recommender import again_allowed, again_roles
        from kg import retrieval

        lists = self.lists(s) if lists is None else lists
        if not lists:
            return []
        found = retrieval.fuse(lists, weights or retrieval.graph_weights(self.G), self.config.candidates)
        c = state.constraints(self.G, s.prefs)
        shown = set(s.prefs.recommended) | state.duplicates(self.G, sorted(c.exclude), self.titles)
        again = {n for items in again_roles(self.G, s.prefs, s.last_items, s.message).values() for n in items}
        return [x for x in found if x.item in self.catalog and (x.item not in shown and retrieval.satisfies(
                self.G, x.item, c) or again_allowed(self.G, x, again, c))]

    def prepare(self, turn: EvalTurn) -> Prepared:
        s = self.state(turn)
        lists = self.lists(s)
        return Prepared(turn, tuple(s.prefs.liked), tuple(self.candidates(s, lists)), s, lists)


@dataclass
class RetrieverPart:
    """One retriever on its own (``FusionWeights.only``), with the agent's hard-filter re-check."""

    name: str
    replay: AgentReplay

    def rank(self, prepared: Prepared) -> list[int]:
        from kg.retrieval import FusionWeights

        weights = FusionWeights.only(self.name)
        return [c.item for c in self.replay.candidates(prepared.state, prepared.lists, weights)]


@dataclass
class DenseRanker:
    """The LM encoder alone: the conversation's nearest catalog items (``agent.encoder``).

    It ranks the whole catalog with the agent's hard filters (its constraints; liked, suggested
    and excluded films left out), also on turns where the agent would ask a question first.
    """

    name: str
    encoder: object  # agent.encoder.Encoder
    index: object  # agent.encoder.DenseIndex
    replay: AgentReplay
    k: int = 100

    def rank(self, prepared: Prepared) -> list[int]:
        return [c.item for c in dense_list(self.replay, self.encoder, self.index, prepared.state, self.k)]


def dense_list(replay: AgentReplay, encoder, index, s: ReplayState, k: int = 200) -> list[Candidate]:
    """The encoder's ``k`` nearest catalog items to the conversation of ``s``, under the agent's filters."""
    from dataclasses import replace

    from agent import encoder as dense, state

    G = replay.G
    c = state.constraints(G, s.prefs)
    shown = set(s.prefs.recommended) | set(s.prefs.liked) | state.duplicates(G, sorted(c.exclude), replay.titles)
    c = replace(c, exclude=c.exclude | shown)
    text = dense.query_text(G, s.prefs.liked, s.prefs.disliked, s.request)
    vector = encoder.embed([text], encoder.config.max_query_tokens)[0]
    return dense.dense_candidates(G, index, vector, c, k)


@dataclass
class ModelRanker:
    """``rank_candidates`` on the retriever's top ``rank_pool``; the rest keeps retrieval order."""

    name: str
    lm: object  # agent.types.LanguageModel
    G: nx.MultiDiGraph
    rank_pool: int = 20
    rank_config: object = None  # agent.ranking.RankConfig

    def rank(self, prepared: Prepared) -> list[int]:
        from agent import ranking

        pool = list(prepared.candidates[:self.rank_pool])
        if not pool:
            return []
        s = prepared.state
        context = ranking.RankContext(liked=tuple(s.prefs.liked), disliked=tuple(s.prefs.disliked),
                                      text=s.request)
        ranked = ranking.rank(self.lm, self.G, context, pool, self.rank_config or ranking.RankConfig())
        return [r.item for r in ranked] + [c.item for c in prepared.candidates[self.rank_pool:]]


@dataclass
class AgentChat:
    """The full chat loop (``Recommender.respond``) on the last seeker message; its items lead.

    The session starts from the state :class:`AgentReplay` rebuilds from the earlier context,
    so only the last message goes through the model-driven loop (action choice, ranking,
    explanations). The reply's ``k`` items are followed by the retriever's order.
    """

    recommender: object  # agent.Recommender
    replay: AgentReplay
    name: str = "agent"

    def rank(self, prepared: Prepared) -> list[int]:
        turn = prepared.turn
        if not turn.context or turn.context[-1].role != "seeker":
            return []
        earlier = EvalTurn(turn.dialog_id, turn.turn_id, turn.context[:-1], turn.annotated, turn.labels)
        before = self.replay.state(earlier)
        session = self.recommender.new_session()
        session.preferences, session.last_items, session.focus = before.prefs, before.last_items, before.focus
        session.history = [("user" if u.role == "seeker" else "assistant", u.text) for u in earlier.context]
        reply = self.recommender.respond(session, turn.context[-1].text)
        return [item.item for item in reply.items] + [c.item for c in prepared.candidates]
