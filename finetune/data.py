"""Training examples: verbalized KG triples and ReDial user histories, as (prompt, completion).

History examples use ``agent.ranking``'s prompt builder, so training and serving agree; only
the ReDial *train* and *valid* splits are ever read here (the test split never is).

    >>> Example("Who directed Up (2009)?", "Pete Docter").completion
    'Pete Docter'
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import torch

from agent.ranking import RankConfig, RankContext, conversation_text, training_pairs
from kg.locations import data_dir
from kg.errors import KgrecError
from kg.redial import TRAIN_FILE, VALID_FILE
from kg.schema import CO_MENTIONED, Constraints, Fact
from kg.graph import display, is_item
from kg.verbalize import verbalize

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
SPLIT_FILES = {"train": TRAIN_FILE, "valid": VALID_FILE}  # never the test split


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


def load_turns(G: nx.MultiDiGraph, split: str) -> list:
    """Recommendation turns of the ``"train"`` or ``"valid"`` split: an imported graph's own
    (``kg.registry.graph_turns``), else ReDial's."""
    from kg.redial import load_dialogues, recommendation_turns
    from kg.registry import graph_turns

    if split not in SPLIT_FILES:
        raise ValueError(f"split {split!r}: only {tuple(SPLIT_FILES)} are used for training")
    if G.graph.get("folder"):
        turns = graph_turns(G, split)
        if turns is None:
            raise KgrecError(f"graph {G.graph.get('name')!r} has no imported {split} turns; "
                             f"import it with --dialogues {split}=FILE")
        return turns
    return recommendation_turns(G, load_dialogues(data_dir() / SPLIT_FILES[split]))


def turn_context(turn) -> RankContext:
    text = conversation_text((u.role, u.text) for u in turn.context)
    return RankContext(liked=tuple(turn.liked), disliked=tuple(turn.disliked), text=text)


def turn_candidates(G: nx.MultiDiGraph, turn, k: int) -> list:
    """The retriever's candidates for a turn: seeded by the context's movies, excluding them."""
    from kg.retrieval import retrieve

    disliked = set(turn.disliked)
    seeds = [m for m in turn.mentioned if m not in disliked]
    return retrieve(G, seeds, Constraints(exclude=frozenset(turn.mentioned)), k=k)


def history_examples(lm, G: nx.MultiDiGraph, turns: Sequence, config: RankConfig, k: int = 20,
                     negatives: int = 2, seed: int = 0) -> list[Example]:
    """One example per (turn, suggested movie), in the rank-prompt format of ``agent.ranking``."""
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
