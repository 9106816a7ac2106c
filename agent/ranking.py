"""Rerank the KG retriever's candidates with the language model: the one rank-prompt format.

Serving (``rank``) and training (``training_pairs``, used by ``kgrec.finetune.data``) build their
prompts here, so the adapter is trained on exactly the text it scores at run time.

Three formulations, all scored with one prompt prefill reused for every candidate:

* ``"title"`` — next-title likelihood: the prompt asks for one movie; each candidate's title
  is a continuation, scored by its mean log-probability per token.
* ``"yesno"`` — pointwise (TALLRec-like): ``"<title>: Yes"`` vs ``"<title>: No"``; the score
  is log p(Yes) - log p(No) (the title's own likelihood cancels).
* ``"listwise"`` — LlamaRec-like: the candidates are lettered in the prompt and the model
  chooses a letter; the score is log p(letter).

Chosen by measurement: ``python -m kgrec.evaluation.validation --adapter none --formulations title yesno
listwise`` (SmolLM2-135M base, ReDial valid subset: 224 turns / 274 (turn, movie) samples, 20
candidates from ``kgrec.kg.query.retrieval.retrieve``, mix weight tuned per formulation):

=============  =========  =======  ======  ==============
ranker         Recall@10  NDCG@10  weight  LM alone R@10
=============  =========  =======  ======  ==============
retriever      0.120      0.069    -       -
title          **0.150**  0.075    0.5     0.124
yesno          0.128      0.069    0.2     0.102
listwise       0.142      0.076    1.0     0.142
=============  =========  =======  ======  ==============

Next-title likelihood is the default: the best mixed Recall@10 (the gaps are 2-6 hits of 274,
so they are small), no cap on the number of candidates (listwise stops at 26 letters and its
letters follow the retriever's order, so its "gain" is partly position bias), it needs no
negatives, and its training target (a title after a prompt) is the same kind of completion
as the KG-triple examples, so both kinds of data teach the one skill. Yes/no carries little
signal before tuning. The final score mixes the model and the retriever (both z-scored within
the list) with ``lm_weight``, tuned on the valid subset by ``kgrec.evaluation.validation``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from kgrec import prompts
from kgrec.agent import replies
from kgrec.agent.types import LanguageModel, Ranked
from kgrec.kg.errors import ConfigError
from kgrec.kg.graph import display
from kgrec.kg.schema import Candidate

FORMULATIONS = ("title", "yesno", "listwise")
PROMPT_FILES = {"title": "rank.txt", "yesno": "rank_yesno.txt", "listwise": "rank_listwise.txt"}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ROLE_NAMES = {"seeker": "User", "recommender": "Recommender"}


@dataclass(frozen=True)
class RankContext:
    """What the ranker knows about the user: liked/disliked node ids and the conversation text."""

    liked: tuple[int, ...] = ()
    disliked: tuple[int, ...] = ()
    text: str = ""  # "User: ...\nRecommender: ..." (see ``conversation_text``)


@dataclass(frozen=True)
class RankConfig:
    """How the model reranks and how its score is mixed with the retriever's."""

    formulation: str = field(default="title", metadata={"help": f"one of {FORMULATIONS}"})
    lm_weight: float = field(default=0.6, metadata={"help": "weight of the z-scored LM score (0..1); 0.6 = tuned on valid for the shipped adapter"})
    normalize: bool = field(default=True, metadata={"help": "title: mean log-prob per token instead of the sum"})
    max_candidates: int = field(default=20, metadata={"help": "only the top-N retrieved candidates are re-scored"})
    max_context_chars: int = field(default=600, metadata={"help": "the conversation is cut from the left beyond this"})
    max_names: int = field(default=8, metadata={"help": "at most this many liked/disliked titles in the prompt"})

    def __post_init__(self):
        if self.formulation not in FORMULATIONS:
            raise ConfigError(f"RankConfig.formulation={self.formulation!r}: expected one of {FORMULATIONS}")
        if not 0.0 <= self.lm_weight <= 1.0:
            raise ConfigError(f"RankConfig.lm_weight={self.lm_weight}: expected a number in [0, 1]")
        if not 1 <= self.max_candidates <= (len(LETTERS) if self.formulation == "listwise" else 10_000):
            raise ConfigError(f"RankConfig.max_candidates={self.max_candidates}: expected 1..26 for listwise, >= 1 else")


UTTERANCE_CHARS, HISTORY_UTTERANCES = 500, 6  # what the agent keeps of a conversation for its models


def recent_text(utterances: Sequence[tuple[str, str]]) -> str:
    """The last utterance and the ``HISTORY_UTTERANCES`` before it, each cut at ``UTTERANCE_CHARS``,
    as the agent writes them for the ranker and the encoder."""
    said = [(role, text[:UTTERANCE_CHARS]) for role, text in utterances]
    return conversation_text(said[:-1][-HISTORY_UTTERANCES:] + said[-1:])


def query_text(G: nx.MultiDiGraph, liked: Sequence[int], disliked: Sequence[int], conversation: str) -> str:
    """What the encoder reads for a turn: the liked and disliked titles, then the conversation."""
    said = [f"Liked: {', '.join(display(G, n) for n in liked if n in G)}." if liked else "",
            f"Disliked: {', '.join(display(G, n) for n in disliked if n in G)}." if disliked else "",
            conversation]
    return "\n".join(s for s in said if s)


def conversation_text(utterances: Iterable[tuple[str, str]]) -> str:
    """``[("seeker", "hi"), ("recommender", "hello")]`` -> ``"User: hi\\nRecommender: hello"``."""
    return "\n".join(f"{ROLE_NAMES.get(role, role.title())}: {text}" for role, text in utterances)


def _names(G: nx.MultiDiGraph, nodes: Sequence[int], limit: int) -> str:
    names = [display(G, n) for n in nodes if n in G][-limit:]
    return ", ".join(names) if names else "none"


def rank_prompt(lm: LanguageModel, G: nx.MultiDiGraph, context: RankContext, config: RankConfig,
                candidates: Sequence[int] = ()) -> str:
    """The prompt whose continuations are scored (``candidates`` are listed only for listwise)."""
    system, user = prompts.load(PROMPT_FILES[config.formulation]).split("\n---\n", 1)
    text = context.text[-config.max_context_chars:] if context.text else "(no conversation yet)"
    lettered = "\n".join(f"{LETTERS[i]}. {display(G, c)}" for i, c in enumerate(candidates))
    user = replies.render(user, G, liked=_names(G, context.liked, config.max_names),
                          disliked=_names(G, context.disliked, config.max_names),
                          conversation=text, candidates=lettered)
    return lm.chat_prompt(replies.render(system, G).strip(), user.strip())


def lm_scores(lm: LanguageModel, G: nx.MultiDiGraph, context: RankContext, items: Sequence[int],
              config: RankConfig) -> list[float]:
    """The model's score of each item (higher is better), one prompt prefill for all."""
    if not items:
        return []
    if config.formulation == "listwise":
        prompt = rank_prompt(lm, G, context, config, items)
        return lm.score(prompt, list(LETTERS[:len(items)]), normalize=False)
    prompt = rank_prompt(lm, G, context, config)
    titles = [display(G, i) for i in items]
    if config.formulation == "title":
        return lm.score(prompt, titles, normalize=config.normalize)
    both = lm.score(prompt, [f"{t}: Yes" for t in titles] + [f"{t}: No" for t in titles], normalize=False)
    return [yes - no for yes, no in zip(both[:len(items)], both[len(items):])]


def zscores(values: Sequence[float]) -> list[float]:
    """``(v - mean) / std`` within the list; all zeros when the values are all equal."""
    if not values:
        return []
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return [(v - mean) / std if std > 1e-12 else 0.0 for v in values]


def combine(lm: Sequence[float], retrieval: Sequence[float], lm_weight: float) -> list[float]:
    """``lm_weight * z(lm) + (1 - lm_weight) * z(retrieval)``."""
    return [lm_weight * a + (1 - lm_weight) * b for a, b in zip(zscores(lm), zscores(retrieval))]


def rank(lm: LanguageModel, G: nx.MultiDiGraph, context: RankContext, candidates: Sequence[Candidate],
         config: RankConfig = RankConfig()) -> list[Ranked]:
    """Candidates reranked by model + retriever, best first.

    The top ``config.max_candidates`` (by retrieval score) are re-scored; any others follow
    in retrieval order with ``lm_score = nan``.
    """
    ordered = sorted(candidates, key=lambda c: -c.score)
    head, tail = ordered[:config.max_candidates], ordered[config.max_candidates:]
    scores = lm_scores(lm, G, context, [c.item for c in head], config)
    final = combine(scores, [c.score for c in head], config.lm_weight)
    ranked = sorted((Ranked(c.item, f, s, c.score) for c, f, s in zip(head, final, scores)), key=lambda r: -r.score)
    floor = ranked[-1].score if ranked else 0.0
    ranked += [Ranked(c.item, floor - 1 - i, math.nan, c.score) for i, c in enumerate(tail)]
    return ranked


def training_pairs(lm: LanguageModel, G: nx.MultiDiGraph, context: RankContext, candidates: Sequence[int],
                   target: int, config: RankConfig, negatives: Sequence[int] = ()) -> list[tuple[str, str]]:
    """(prompt, completion) pairs teaching the model to prefer ``target``, in the serving format.

    ``candidates`` are the retrieved items (listwise needs ``target`` among them, else no pair);
    ``negatives`` are items the user did not get (used by yes/no).
    """
    if config.formulation == "title":
        return [(rank_prompt(lm, G, context, config), display(G, target))]
    if config.formulation == "yesno":
        prompt = rank_prompt(lm, G, context, config)
        return [(prompt, f"{display(G, target)}: Yes")] + [(prompt, f"{display(G, n)}: No") for n in negatives]
    items = list(candidates)[:config.max_candidates]
    if target not in items:
        return []
    return [(rank_prompt(lm, G, context, config, items), LETTERS[items.index(target)])]
