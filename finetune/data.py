"""Training examples: verbalized KG triples and ReDial user histories, as (prompt, completion).

History examples use ``kgrec.agent.ranking``'s prompt builder, so training and serving agree; the
turns come from ``kgrec.evaluation.turns.split_turns``: only the *train* and *valid* splits, never test.

    >>> Example("Who directed Up (2009)?", "Pete Docter").completion
    'Pete Docter'
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import torch

from kgrec.agent.ranking import RankConfig, training_pairs
from kgrec.evaluation.turns import turn_candidates, turn_context
from kgrec.kg.graph import display, is_item
from kgrec.kg.query.verbalize import verbalize
from kgrec.kg.schema import CO_MENTIONED, Fact

KG_SYSTEM = "You answer questions about movies."
#: relation -> (question about the movie, question asking for a movie); {m} movie, {o} other end
QUESTIONS = {
    "director": ("Who directed {m}?", "Name a movie directed by {o}."),
    "starring": ("Who stars in {m}?", "Name a movie starring {o}."),
    "writer": ("Who wrote {m}?", "Name a movie written by {o}."),
    "genre": ("What genre is {m}?", "Name a {o} movie."),
    "music_composer": ("Who composed the music for {m}?", "Name a movie with music by {o}."),
    "subsequent_work": ("What is the sequel to {m}?", "Which movie is followed by {o}?"),
    "producer": ("Who produced {m}?", "Name a movie produced by {o}."),
}


@dataclass(frozen=True)
class Example:
    prompt: str  # full prompt text (chat template applied)
    completion: str  # the text the loss is computed on
    kind: str = "history"  # "history" | "kg" | "path"


# ---------------------------------------------------------------- KG triples


def _movie_facts(G: nx.MultiDiGraph) -> list[Fact]:
    facts = []
    for head, tail, relation in G.edges(keys=True):
        if relation != CO_MENTIONED and is_item(G, head) and tail in G:
            facts.append(Fact(head, relation, tail))
    return facts


def _statement(G: nx.MultiDiGraph, fact: Fact) -> tuple[str, str] | None:
    """The verbalized fact split before its last name: ("Hugh Wilson directed", "Police Academy (1984)")."""
    sentence = verbalize(G, fact).rstrip(".")
    for node in (fact.tail, fact.head):
        name = display(G, node)
        cut = sentence.rfind(name)
        if cut > 0 and cut + len(name) == len(sentence):
            return sentence[:cut].rstrip(), name
    return None


def kg_examples(lm, G: nx.MultiDiGraph, n: int, seed: int = 0) -> list[Example]:
    """``n`` completion examples from random movie facts: questions both ways and verbalized statements."""
    rng = random.Random(seed)
    facts = _movie_facts(G)
    rng.shuffle(facts)
    examples = []
    for i, fact in enumerate(facts):
        if len(examples) >= n:
            break
        movie, other = display(G, fact.head), display(G, fact.tail)
        if fact.relation in QUESTIONS and i % 3:
            forward = i % 3 == 1
            question = QUESTIONS[fact.relation][0 if forward else 1].format(m=movie, o=other)
            examples.append(Example(lm.chat_prompt(KG_SYSTEM, question), other if forward else movie, "kg"))
        elif (split := _statement(G, fact)) is not None:
            examples.append(Example(lm.chat_prompt(KG_SYSTEM, "Complete the sentence."), " ".join(split), "kg"))
    return examples


def path_examples(lm, G: nx.MultiDiGraph, n: int, seed: int = 0) -> list[Example]:
    """``n`` sentences for sampled 2-hop paths movie -> person/genre <- movie (augmentation)."""
    rng = random.Random(seed + 1)
    facts = [f for f in _movie_facts(G) if f.relation in QUESTIONS and f.relation != "subsequent_work"]
    examples, tries = [], 0
    while len(examples) < n and facts and tries < 20 * n:
        tries += 1
        first = rng.choice(facts)
        others = [h for h, _, r in G.in_edges(first.tail, keys=True)
                  if r == first.relation and h != first.head and is_item(G, h)]
        if others:
            path = [first, Fact(rng.choice(others), first.relation, first.tail)]
            request = f"Tell me how {display(G, first.head)} connects to other movies."
            examples.append(Example(lm.chat_prompt(KG_SYSTEM, request), verbalize(G, path), "path"))
    return examples


# ---------------------------------------------------------------- user histories


def history_examples(lm, G: nx.MultiDiGraph, turns: Sequence, config: RankConfig, k: int = 20,
                     negatives: int = 2, seed: int = 0) -> list[Example]:
    """One example per (turn, suggested movie), in the rank-prompt format of ``kgrec.agent.ranking``."""
    rng = random.Random(seed + 2)
    examples = []
    for turn in turns:
        context = turn_context(turn)
        candidates = [c.item for c in turn_candidates(G, turn, k)] if config.formulation != "title" else []
        wrong = [c for c in candidates if c not in turn.targets]
        for target in turn.targets:
            picked = rng.sample(wrong, min(negatives, len(wrong)))
            for prompt, completion in training_pairs(lm, G, context, candidates, target, config, picked):
                examples.append(Example(prompt, completion, "history"))
    return examples


# ---------------------------------------------------------------- tensors


def encode(lm, examples: Sequence[Example], max_length: int) -> list[dict]:
    """Token ids with the loss on the completion (+ EOS) only; prompts cut from the left to fit."""
    eos = lm.tokenizer.eos_token_id
    rows = []
    for example in examples:
        completion = lm.continuation_ids([example.completion])[0] + ([eos] if eos is not None else [])
        completion = completion[:max_length - 1]
        prompt = lm.prompt_ids(example.prompt)[-(max_length - len(completion)):]
        rows.append({"input_ids": prompt + completion, "labels": [-100] * len(prompt) + completion})
    return rows


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, rows: list[dict]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        return self.rows[i]


@dataclass
class Collator:
    """Right-pads a batch: ids with ``pad_id``, labels with -100, and the attention mask."""

    pad_id: int

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(r["input_ids"]) for r in rows)
        ids = [r["input_ids"] + [self.pad_id] * (width - len(r["input_ids"])) for r in rows]
        labels = [r["labels"] + [-100] * (width - len(r["labels"])) for r in rows]
        mask = [[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}
