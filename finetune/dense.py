"""LoRA training of the dense encoder (``TrainConfig.objective = "dense"``).

The item side is the untuned encoder's catalog index (``agent.encoder.build_index`` on the base
model, cached): it stays fixed, so each step scores the conversation against *every* catalog
item, a full softmax (the retrieval objective itself: all 6,281 movies are negatives, the
KG retriever's near misses among them) with the conversation's own movies masked out. Only the
conversation side is tuned: LoRA on the top ``lora_layers`` of the encoder's ``dense_layers``,
so backward stops there. At serving time items are encoded without the adapter (the base
index) and conversations with it.

Pairs come from the ReDial train split (one per suggested movie, the conversation as
``agent.ranking.query_text`` writes it); validation Recall@10 on the valid split picks the
best step. Checkpoints (adapter, optimizer, step) make a killed run resumable.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import torch

from agent.encoder import DenseIndex, Encoder, EncoderConfig, build_index, model_id
from agent.ranking import query_text, recent_text
from kg.errors import KgrecError


@dataclass(frozen=True)
class Pair:
    text: str  # the conversation as the encoder reads it
    target: int  # row of the suggested movie in the index
    context: tuple[int, ...]  # rows of the conversation's movies (masked: never the answer)


def turn_text(G: nx.MultiDiGraph, turn) -> str:
    """``query_text`` of a ``kg.redial.Turn``: liked = its movies not disliked, then the conversation."""
    disliked = set(turn.disliked)
    said = recent_text([(u.role, u.text) for u in turn.context]) if turn.context else ""
    return query_text(G, [m for m in turn.mentioned if m not in disliked], list(turn.disliked), said)


def pairs(G: nx.MultiDiGraph, turns, index: DenseIndex) -> list[Pair]:
    row = {int(n): i for i, n in enumerate(index.items)}
    out = []
    for turn in turns:
        text, context = turn_text(G, turn), tuple(row[m] for m in turn.mentioned if m in row)
        out += [Pair(text, row[t], context) for t in turn.targets if t in row and t not in turn.mentioned]
    return out


def query_vectors(encoder: Encoder, index: DenseIndex, lowered: list[torch.Tensor], frozen: int) -> torch.Tensor:
    """(B, H) standardized unit vectors of conversations given by their states after the ``frozen``
    lower layers (:meth:`Encoder.lower`); the tuned layers above run here, with gradients."""
    raw = encoder.upper(lowered, frozen)
    mean, scale = (torch.from_numpy(a).to(raw) for a in (index.mean, index.scale))
    return torch.nn.functional.normalize((raw - mean) / scale, dim=-1)


def loss_of(encoder: Encoder, index: DenseIndex, items: torch.Tensor, batch: list[Pair], temperature: float,
            lowered: dict[str, torch.Tensor], frozen: int):
    q = query_vectors(encoder, index, [lowered[p.text] for p in batch], frozen)
    logits = (q.float() @ items.T) / temperature  # (B, N): every catalog item is a negative
    for b, p in enumerate(batch):
        if p.context:
            logits[b, list(p.context)] = -1e4
    return torch.nn.functional.cross_entropy(logits, torch.tensor([p.target for p in batch], device=logits.device))


@torch.no_grad()
def recall_at(encoder: Encoder, index: DenseIndex, items: torch.Tensor, valid: list[Pair],
              lowered: dict[str, torch.Tensor], frozen: int, k: int = 10) -> float:
    hits = 0
    for start in range(0, len(valid), 32):
        batch = valid[start:start + 32]
        scores = query_vectors(encoder, index, [lowered[p.text] for p in batch], frozen).float() @ items.T
        for b, p in enumerate(batch):
            if p.context:
                scores[b, list(p.context)] = -9.0
            hits += int(p.target in torch.topk(scores[b], min(k, scores.shape[1])).indices.tolist())
    return hits / max(1, len(valid))


def lower_states(encoder: Encoder, texts, frozen: int) -> dict[str, torch.Tensor]:
    """Each distinct text's states after the ``frozen`` untuned layers, computed once for the run
    (LoRA sits above them, so they never change; every step then runs only the tuned layers)."""
    unique = sorted(set(texts), key=len)
    started = time.perf_counter()
    states = dict(zip(unique, encoder.lower(unique, frozen)))
    print(f"{len(unique)} conversations through the {frozen} frozen layers once, "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return states


def _checkpoint(folder: Path) -> Path | None:
    """The newest complete ``step-N`` checkpoint (a half-written newest one is skipped, with a notice)."""
    from finetune.checkpoints import DENSE_FILES, newest_complete

    return newest_complete(folder, "step-", DENSE_FILES)


def train_dense(config, resume: bool = False, *, G=None, train_turns=None, valid_turns=None,
                index_folder: Path | None = None) -> dict:
    """Train the conversation side of the encoder; the best adapter (valid Recall@10) goes to ``config.output``."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file
    from torch.utils.tensorboard import SummaryWriter

    from evaluation.turns import split_turns
    from finetune.train import make_model, write_report
    from kg.registry import load_graph
    from kg.graph import catalog

    output, started = Path(config.output), time.perf_counter()
    checkpoints = output / "checkpoints"
    last = _checkpoint(checkpoints) if resume else None
    if resume and last is None:
        raise KgrecError(f"--resume: no complete checkpoint in {checkpoints}; start without --resume")
    torch.manual_seed(config.seed)
    G = load_graph(config.graph) if G is None else G
    model, tokenizer = make_model(config)
    encoder = Encoder(model, tokenizer, EncoderConfig(layers=config.dense_layers))
    with model.disable_adapter():  # the item side: the untuned encoder's index, shared with serving
        index = build_index(encoder, G, catalog(G), model_id(model.get_base_model()), folder=index_folder)
    items = torch.from_numpy(index.vectors).to(encoder.device)
    train = pairs(G, split_turns(G, "train") if train_turns is None else train_turns, index)
    valid = pairs(G, split_turns(G, "valid") if valid_turns is None else valid_turns, index)
    if not train:
        raise KgrecError("no training pairs (no ReDial train turn suggests a catalog movie); refusing to train")
    random.Random(config.seed).shuffle(train)
    frozen = config.dense_layers - config.lora_layers if config.lora_layers else 0
    lowered = lower_states(encoder, [p.text for p in train + valid[:config.eval_turns or None]], frozen)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    warmup = int(config.warmup * config.max_steps) if config.warmup < 1 else int(config.warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / max(1, warmup)) * max(
        0.0, 1 - s / config.max_steps) if config.lr_schedule != "constant" else 1.0)
    state = {"step": 0, "best": None, "best_step": None, "base": None, "bad": 0, "history": [], "tokens": 0}
    if resume:
        set_peft_model_state_dict(model, load_file(str(last / "adapter_model.safetensors")))
        extra = torch.load(last / "trainer.pt", weights_only=True)  # tensors and plain values only
        optimizer.load_state_dict(extra["optimizer"])
        schedule.load_state_dict(extra["schedule"])
        state = extra["state"]
    writer = SummaryWriter(str(checkpoints / "tensorboard")) if config.report_to == "tensorboard" else None

    def validate() -> None:
        model.eval()
        value = recall_at(encoder, index, items, valid[:config.eval_turns or None], lowered, frozen)
        model.train()
        state["history"].append({"step": state["step"], f"eval_{config.metric}": value})
        if writer:
            writer.add_scalar(f"valid/{config.metric}", value, state["step"])
        if state["step"] == 0:
            state["base"] = value
        elif state["best"] is None or value > state["best"] + 1e-9:
            state.update(best=value, best_step=state["step"], bad=0)
            model.save_pretrained(output)
        else:
            state["bad"] += 1
        print(f"step {state['step']}: valid {config.metric} {value:.4f}", flush=True)

    model.train()
    if state["step"] == 0 and config.eval_every and config.validate_base and valid:
        validate()
    size = config.batch_size
    while state["step"] < config.max_steps:
        start = state["step"] * size % len(train)
        batch = (train[start:start + size] + train[:max(0, start + size - len(train))])[:size]
        step_started = time.perf_counter()
        loss = loss_of(encoder, index, items, batch, config.temperature, lowered, frozen)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        state["step"] += 1
        state["seconds"] = state.get("seconds", 0.0) + time.perf_counter() - step_started
        state["tokens"] += sum(len(lowered[p.text]) for p in batch)
        if state["step"] % config.logging_steps == 0 or state["step"] == 1:
            state["history"].append({"step": state["step"], "loss": round(float(loss.detach()), 4)})
            if writer:
                writer.add_scalar("train/loss", float(loss.detach()), state["step"])
        if config.eval_every and valid and state["step"] % config.eval_every == 0:
            validate()
            if config.patience and state["bad"] >= config.patience:
                break
        if state["step"] % config.save_every == 0:
            folder = checkpoints / f"step-{state['step']}"
            model.save_pretrained(folder)
            torch.save({"optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "state": state},
                       folder / "trainer.pt")
    if state["best_step"] is None:
        model.save_pretrained(output)
    if writer:
        writer.close()
    seconds = state.get("seconds", 0.0)  # optimizer steps only, summed over resumed runs
    extra = {"objective": "dense", "pairs": {"train": len(train), "valid": len(valid)},
             "this_run_wall_s": round(time.perf_counter() - started, 1), "train_step_s": round(seconds, 1),
             "train_tokens_per_s": round(state["tokens"] / max(1e-9, seconds), 1),
             "tokens_seen": state["tokens"], "global_step": state["step"], "best_step": state["best_step"],
             "best_" + config.metric: state["best"], "base_" + config.metric: state["base"]}
    return write_report(output, config, state["history"], extra)
