"""The agent's KG tools as LangChain tools, built over one graph: a thin adapter for outside agents.

The chat does not go through them: ``Recommender.stream`` calls the stages directly
(``kgrec.agent.actions``); these wrap the same functions for any LangChain agent.

Each tool is a typed function with an ``Args:`` docstring; it returns readable text for a model
and, as the artifact, the typed values (``Mention``, ``Fact``, ``Candidate``, ``Ranked``,
``Explanation``) for Python callers. A bad call (unknown node, contradictory filters, bad
arguments) becomes an error observation; a bug in our code raises.

For example, over the movie KG (not run as a doctest)::

    tools = {t.name: t for t in make_tools(G, index)}
    tools["get_facts"].invoke({"node": 1})
    # -> 'Police Academy (1984) stars Steve Guttenberg.'
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import ValidationError

from kgrec.agent import explain, replies
from kgrec.agent.steps import Step
from kgrec.agent.text import clean_value
from kgrec.agent.types import LanguageModel
from kgrec.kg.errors import KgrecError
from kgrec.kg.graph import display
from kgrec.kg.query import linking, paths, remention, retrieval
from kgrec.kg.query.verbalize import verbalize
from kgrec.kg.schema import Constraints
from kgrec.kg.sources.redial import link_words

MAX_FACTS = 200  # the reply groups them by relation (kgrec.kg.query.verbalize.summarize)
MAX_QUERY_CHARS, MAX_REQUEST_CHARS = 500, 10_000  # text arguments are cleaned and cut (kgrec.agent.text)
_call_ids = itertools.count()


def _node(G: nx.MultiDiGraph, node: int, what: str = "node") -> int:
    if node not in G:
        raise ToolException(f"{what} {node} is not in the graph")
    return node


def _bad_arguments(error: ValidationError) -> str:
    return "invalid arguments: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())


def _as_tool(func: Callable) -> BaseTool:
    tool = StructuredTool.from_function(func, parse_docstring=True, response_format="content_and_artifact",
                                        error_on_invalid_docstring=True)
    tool.handle_tool_error = True
    tool.handle_validation_error = _bad_arguments
    return tool


def make_tools(G: nx.MultiDiGraph, index=None, lm: LanguageModel | None = None, rank_config=None,
               dense=None) -> list[BaseTool]:
    """The KG tools over ``G`` (``index``: a ``kgrec.kg.query.linking.LinkIndex``, built if None).

    ``rank_candidates`` is included only when a language model ``lm`` is given; with ``dense``
    (``kgrec.agent.encoder.DenseRetriever``) ``retrieve_candidates`` fuses the encoder's list too.
    """
    index = index if index is not None else linking.build_link_index(G, **link_words(G))

    def search_entities(query: str, types: list[str] | None = None, limit: int = 5) -> tuple[str, list]:
        """Find items, people or genres of the knowledge graph by (approximate) name.

        Args:
            query: the name to look for, e.g. "Police Academy" or "Steve Guttenberg".
            types: node types to keep (an item type such as "movie" or "book", "person", "genre", ...); all when omitted.
            limit: at most this many matches (1-20).
        """
        if not 1 <= limit <= 20:
            raise ToolException(f"limit={limit}: expected 1..20")
        query = clean_value(query, MAX_QUERY_CHARS)
        found = linking.lookup(index, query, types=types, limit=limit)
        text = "\n".join(f"{m.node}: {m.name} ({m.type})" for m in found) or f"nothing named like {query!r}"
        return text, found

    def get_facts(node: int, relations: list[str] | None = None) -> tuple[str, list]:
        """Facts (edges) of the knowledge graph about one item or person, in plain English.

        Args:
            node: the node id of the item or person.
            relations: only these relations (e.g. ["director"], ["starring"]); all when omitted.
        """
        facts = paths.facts_about(G, _node(G, node), relations=relations)[:MAX_FACTS]
        text = "\n".join(verbalize(G, f) for f in facts) or f"no facts about {display(G, node)} in the graph"
        return text, facts

    def retrieve_candidates(seeds: list[int], genres: list[int] | None = None, not_genres: list[int] | None = None,
                            people: list[int] | None = None, not_people: list[int] | None = None,
                            exclude: list[int] | None = None, year_min: int | None = None,
                            year_max: int | None = None, k: int = 50,
                            context: list[int] | None = None,
                            not_years: list[list[int]] | None = None,
                            again: dict[str, list[int]] | None = None, query: str = "",
                            themes: list[int] | None = None, not_themes: list[int] | None = None) -> tuple[str, list]:
        """Catalog items related to the seed nodes that satisfy every hard filter, best first.

        Args:
            seeds: node ids the user likes (items, people, genres); may be empty.
            genres: an item must have at least one of these genre nodes.
            not_genres: an item must have none of these genre nodes.
            people: an item must involve all of these people.
            not_people: an item must involve none of these people.
            exclude: items never to return (seen, disliked, already recommended).
            year_min: earliest release year.
            year_max: latest release year.
            k: at most this many candidates (1-500).
            context: items of the conversation (liked, suggested, seen; not disliked) that
                co-mention and collaborative retrieval start from as well as the seeds.
            not_years: [first, last] year ranges an item must be outside (e.g. [[1980, 1989]]).
            again: the conversation's items by role ("last": suggested in the previous reply,
                "suggested", "liked", "seen"; never disliked ones); the graph's learned prior may
                suggest them again.
            query: the conversation as the dense encoder reads it (liked and disliked titles, then
                the talk); with an encoder, its nearest catalog items join the fusion.
            themes: an item must be about at least one of these theme nodes (e.g. "time travel").
            not_themes: an item must be about none of these theme nodes.
        """
        if not 1 <= k <= 500:
            raise ToolException(f"k={k}: expected 1..500")
        if year_min is not None and year_max is not None and year_min > year_max:
            raise ToolException(f"contradictory years: year_min={year_min} is after year_max={year_max}")
        if any(len(r) != 2 or r[0] > r[1] for r in not_years or ()):
            raise ToolException(f"not_years={not_years}: expected [first, last] year ranges, first <= last")
        if clash := (set(genres or ()) & set(not_genres or ()) | set(people or ()) & set(not_people or ())
                     | set(themes or ()) & set(not_themes or ())):
            raise ToolException(f"contradictory filters: {sorted(clash)} both required and excluded")
        if unknown := set(again or ()) - set(remention.ROLES):
            raise ToolException(f"again: roles {sorted(unknown)}: expected some of {', '.join(remention.ROLES)}")
        for node in [*seeds, *(genres or ()), *(not_genres or ()), *(people or ()), *(not_people or ()),
                     *(themes or ()), *(not_themes or ()),
                     *(context or ()), *(n for items in (again or {}).values() for n in items)]:
            _node(G, node)
        c = Constraints(exclude=frozenset(exclude or ()), genres=frozenset(genres or ()),
                        not_genres=frozenset(not_genres or ()), people=frozenset(people or ()),
                        not_people=frozenset(not_people or ()), year_min=year_min, year_max=year_max,
                        not_years=frozenset((int(a), int(b)) for a, b in not_years or ()),
                        themes=frozenset(themes or ()), not_themes=frozenset(not_themes or ()))
        roles = remention.roles(**(again or {}))
        from kgrec.agent.turn import dense_lists

        extra = dense_lists(G, dense, clean_value(query, MAX_REQUEST_CHARS), c, retrieval.pool_depth(k))
        found = retrieval.retrieve(G, seeds, c, k=k, context=context or (), roles=roles, extra=extra)
        text = "\n".join(f"{x.item}: {display(G, x.item)} ({x.score:.3f})" for x in found) or f"no {replies.nouns(G)['noun']} satisfies these filters"
        return text, found

    def explain_item(item: int, anchors: list[int], max_hops: int = 3, limit: int = 3,
                     request: str = "") -> tuple[str, object]:
        """Why an item fits: a knowledge-graph path from it to what the user likes, in plain English.

        Args:
            item: the node id of the recommended item.
            anchors: node ids the user likes (items, people, genres).
            max_hops: longest path considered (1-4).
            limit: paths considered before one is cited (1-10).
            request: the user's words; with a model, it picks the path that fits them best.
        """
        if not 1 <= max_hops <= 4 or not 1 <= limit <= 10:
            raise ToolException(f"max_hops={max_hops}, limit={limit}: expected 1..4 and 1..10")
        request = clean_value(request, MAX_REQUEST_CHARS)
        prompt = lm.chat_prompt(replies.prompt("explain.txt", G), request) if lm is not None and request else ""
        result = explain.explain(G, _node(G, item, "item"), [a for a in anchors if a in G], max_hops=max_hops,
                                 limit=limit, lm=lm, prompt=prompt)
        return result.text or f"no path from {display(G, item)} to the liked nodes", result

    def explain_items(items: list[int], anchors: list[int], max_hops: int = 3, limit: int = 3,
                      request: str = "") -> tuple[str, list]:
        """Why each of several items fits, as knowledge-graph paths in plain English (one model call).

        Args:
            items: node ids of the recommended items.
            anchors: node ids the user likes (items, people, genres).
            max_hops: longest path considered (1-4).
            limit: paths considered per item before one is cited (1-10).
            request: the user's words; with a model, it picks the paths that fit them best.
        """
        if not 1 <= max_hops <= 4 or not 1 <= limit <= 10:
            raise ToolException(f"max_hops={max_hops}, limit={limit}: expected 1..4 and 1..10")
        request = clean_value(request, MAX_REQUEST_CHARS)
        prompt = lm.chat_prompt(replies.prompt("explain.txt", G), request) if lm is not None and request else ""
        result = explain.explain_all(G, [_node(G, i, "item") for i in items], [a for a in anchors if a in G],
                                     max_hops=max_hops, limit=limit, lm=lm, prompt=prompt)
        return "\n".join(f"{e.item}: {e.text or 'no path found'}" for e in result), result

    tools = [search_entities, get_facts, retrieve_candidates, explain_item, explain_items]
    if lm is not None:
        tools.append(_rank_tool(G, lm, rank_config))
    return [_as_tool(f) for f in tools]


def _rank_tool(G: nx.MultiDiGraph, lm: LanguageModel, rank_config) -> Callable:
    from kgrec.agent import ranking  # model-side code: imported only when a model is given

    def rank_candidates(items: list[int], liked: list[int], disliked: list[int], request: str = "",
                        retrieval_scores: list[float] | None = None) -> tuple[str, list]:
        """Order candidate items by the language model's judgement combined with retrieval scores.

        Args:
            items: candidate item node ids.
            liked: node ids the user likes.
            disliked: node ids the user dislikes.
            request: the user's words, for context.
            retrieval_scores: the retriever's score of each item (same order); equal when omitted.
        """
        from kgrec.kg.schema import Candidate

        scores = retrieval_scores if retrieval_scores is not None else [1.0] * len(items)
        if len(scores) != len(items):
            raise ToolException(f"{len(scores)} retrieval_scores for {len(items)} items: expected one per item")
        candidates = [Candidate(_node(G, i, "item"), float(s)) for i, s in zip(items, scores)]
        request = clean_value(request, MAX_REQUEST_CHARS)
        context = ranking.RankContext(liked=tuple(liked), disliked=tuple(disliked), text=request)
        config = rank_config if rank_config is not None else ranking.RankConfig()
        ranked = ranking.rank(lm, G, context, candidates, config)
        scored = ranked[:min(len(candidates), config.max_candidates)]  # the rest keep retrieval order
        if sorted(r.item for r in ranked) != sorted(c.item for c in candidates) or \
                not all(math.isfinite(r.score) and math.isfinite(r.lm_score) for r in scored):
            raise ToolException("the model returned malformed scores; keep the retrieval order")
        return "\n".join(f"{r.item}: {display(G, r.item)} ({r.score:.3f})" for r in ranked), ranked

    return rank_candidates


@dataclass(frozen=True)
class ToolCall(Step):
    """One call of a tool by an outside agent: its arguments and the observation the agent reads."""

    name: str
    arguments: dict
    observation: str

    @property
    def tool(self) -> str:
        return self.name

    def line(self, G: nx.MultiDiGraph) -> str:
        return f"{self.name}: {self.observation[:160]}"


def run_tool(tool: BaseTool, arguments: dict) -> tuple[ToolCall, object]:
    """Call ``tool``; its observation as a :class:`ToolCall` (``error``: the observation, for a bad
    call) and its artifact.

    ``KgrecError`` from the KG counts as a bad call; any other exception is a bug and raises.
    """
    call = {"name": tool.name, "args": arguments, "id": f"call-{next(_call_ids)}", "type": "tool_call"}
    try:
        message = tool.invoke(call)
    except KgrecError as e:
        return ToolCall(tool.name, dict(arguments), str(e), error=str(e)), None
    observation = str(message.content)
    error = observation if getattr(message, "status", "success") == "error" else ""
    return ToolCall(tool.name, dict(arguments), observation, error=error), getattr(message, "artifact", None)


def by_name(tools: Sequence[BaseTool]) -> dict[str, BaseTool]:
    return {t.name: t for t in tools}
