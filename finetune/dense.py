"""LoRA training of the dense encoder (``TrainConfig.objective = "dense"``).

The conversation side is LoRA on the top ``lora_layers`` of the encoder's ``dense_layers``
(backward stops there; the frozen layers below run once per text for the whole run). The item
side (``item_side``) reads each item's ``item_text`` (its KG card or its document) and is:

* ``"frozen"``: the untuned encoder's catalog index (cached, shared with serving);
* ``"table"``: a learned item table initialised from that index and trained with the LoRA
  (its own learning rate); it ships beside the adapter as ``items.npz``;
* ``"shared"``: the same LoRA encodes the items (their frozen lower states cached), in-batch
  items and the KG retriever's near misses as negatives; the whole catalog is re-encoded at
  each validation.

With "frozen" and "table" each step is a full softmax over the catalog (every movie is a
negative, the KG retriever's near misses among them), the pair's masked items left out.
Pairs: ``kgrec.finetune.dense_pairs`` (ReDial train conversations, content requests, KG facts);
validation Recall@10 on the valid split's ReDial pairs picks the best step. ``encoder.json``
beside the adapter says how to serve it (``kgrec.agent.encoder_settings``). Checkpoints (adapter,
item table, optimizer, step) make a killed run resumable.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

import networkx as nx
import torch

from kgrec.agent.encoder import DenseIndex, Encoder, EncoderConfig, build_index, model_id
from kgrec.finetune.dense_pairs import Pair, content_pairs, kg_pairs, mention_only_pairs, turn_text
from kgrec.finetune.dense_pairs import pairs as _pairs
from kgrec.kg.errors import KgrecError

__all__ = ["Pair", "pairs", "turn_text", "loss_of", "recall_at", "train_dense"]


def pairs(G: nx.MultiDiGraph, turns, index: DenseIndex, hard: int = 0) -> list[Pair]:
    """``kgrec.finetune.dense_pairs.pairs`` over the rows of ``index``."""
    return _pairs(G, turns, [int(i) for i in index.items], hard)


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
    from kgrec.finetune.checkpoints import DENSE_FILES, newest_complete

    return newest_complete(folder, "step-", DENSE_FILES)


def _pairs_of(config, G, index: DenseIndex, train_turns, valid_turns) -> tuple[list[Pair], list[Pair]]:
    from kgrec.evaluation.turns import split_turns

    items = [int(i) for i in index.items]
    hard = config.hard_negatives if config.item_side == "shared" else 0
    train = pairs(G, split_turns(G, "train") if train_turns is None else train_turns, index, hard)
    if not train:
        raise KgrecError("no training pairs (no ReDial train turn suggests a catalog movie); refusing to train")
    train += content_pairs(G, items, config.content_pairs, config.seed) + kg_pairs(G, items, config.kg_pairs, config.seed)
    train += mention_only_pairs(G, items, config.mention_pairs, config.seed)
    valid = pairs(G, split_turns(G, "valid") if valid_turns is None else valid_turns, index)
    random.Random(config.seed).shuffle(train)
    return train, valid


def _settings(config, model):
    from kgrec.agent.encoder_settings import AdapterSettings

    return AdapterSettings(layers=config.dense_layers, max_card_tokens=config.max_item_tokens,
                           item_side=config.item_side, item_text=config.item_text,
                           hidden_size=int(model.get_base_model().config.hidden_size))


def _item_side(config, G, encoder: Encoder, model, index_folder, frozen: int):
    """The base index of the item texts (cached; the table's start) and the ``ItemSide`` of ``config``."""
    from kgrec.agent.encoder import item_texts
    from kgrec.finetune.dense_items import ItemSide
    from kgrec.kg.graph import catalog

    with model.disable_adapter():  # the untuned encoder's vectors, shared with serving ("frozen")
        index = build_index(encoder, G, catalog(G), model_id(model.get_base_model()), folder=index_folder,
                            text=config.item_text)
        states = None
        if config.item_side == "shared":
            texts = item_texts(G, [int(i) for i in index.items], config.item_text)
            states = encoder.lower(texts, frozen, config.max_item_tokens, head=True)
    return index, ItemSide(config.item_side, index, encoder, frozen, states)


def train_dense(config, resume: bool = False, *, G=None, train_turns=None, valid_turns=None,
                index_folder: Path | None = None) -> dict:
    """Train the encoder (``config.item_side``); the best adapter (valid Recall@10), its settings
    and item table go to ``config.output``."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file
    from torch.utils.tensorboard import SummaryWriter

    from kgrec.finetune.model import make_model
    from kgrec.finetune.report import write_report
    from kgrec.kg.storage.registry import load_graph

    output, started = Path(config.output), time.perf_counter()
    checkpoints = output / "checkpoints"
    last = _checkpoint(checkpoints) if resume else None
    if resume and last is None:
        raise KgrecError(f"--resume: no complete checkpoint in {checkpoints}; start without --resume")
    torch.manual_seed(config.seed)
    G = load_graph(config.graph) if G is None else G
    model, tokenizer = make_model(config)
    encoder = Encoder(model, tokenizer, EncoderConfig(layers=config.dense_layers, max_card_tokens=config.max_item_tokens))
    frozen = config.dense_layers - config.lora_layers if config.lora_layers else 0
    index, side = _item_side(config, G, encoder, model, index_folder, frozen)
    train, valid = _pairs_of(config, G, index, train_turns, valid_turns)
    print(f"pairs: {len(train)} train ({', '.join(f'{k} {sum(p.kind == k for p in train)}' for k in ('redial', 'content', 'kg', 'mentions'))}),"
          f" {len(valid)} valid; item side {config.item_side} on {config.item_text}s", flush=True)
    lowered = lower_states(encoder, [p.text for p in train + valid[:config.eval_turns or None]], frozen)
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": params}] + [{"params": side.parameters(), "lr": config.item_learning_rate, "weight_decay": 0.0}
                                     for _ in side.parameters()[:1]]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate, weight_decay=config.weight_decay)
    warmup = int(config.warmup * config.max_steps) if config.warmup < 1 else int(config.warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / max(1, warmup)) * max(
        0.0, 1 - s / config.max_steps) if config.lr_schedule != "constant" else 1.0)
    state = {"step": 0, "best": None, "best_step": None, "base": None, "bad": 0, "history": [], "tokens": 0}
    if resume:
        set_peft_model_state_dict(model, load_file(str(last / "adapter_model.safetensors")))
        extra = torch.load(last / "trainer.pt", weights_only=True)  # tensors and plain values only
        optimizer.load_state_dict(extra["optimizer"])
        schedule.load_state_dict(extra["schedule"])
        side.load_state(extra.get("items", {}))
        state = extra["state"]
    writer = SummaryWriter(str(checkpoints / "tensorboard")) if config.report_to == "tensorboard" else None

    def save(folder: Path) -> None:
        model.save_pretrained(folder)
        side.save(folder)
        _settings(config, model).save(folder)

    def validate() -> None:
        model.eval()
        value = recall_at(encoder, index, side.catalog(), valid[:config.eval_turns or None], lowered, frozen)
        model.train()
        state["history"].append({"step": state["step"], f"eval_{config.metric}": value})
        if writer:
            writer.add_scalar(f"valid/{config.metric}", value, state["step"])
        if state["step"] == 0:
            state["base"] = value
        elif state["best"] is None or value > state["best"] + 1e-9:
            state.update(best=value, best_step=state["step"], bad=0)
            save(output)
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
        loss = side.loss(query_vectors(encoder, index, [lowered[p.text] for p in batch], frozen), batch, config.temperature)
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
            torch.save({"optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "state": state,
                        "items": side.state()}, folder / "trainer.pt")
    if state["best_step"] is None:
        save(output)
    if writer:
        writer.close()
    seconds = state.get("seconds", 0.0)  # optimizer steps only, summed over resumed runs
    extra = {"objective": "dense", "item_side": config.item_side, "item_text": config.item_text,
             "pairs": {"train": len(train), "valid": len(valid),
                       **{k: sum(p.kind == k for p in train) for k in ("redial", "content", "kg")}},
             "this_run_wall_s": round(time.perf_counter() - started, 1), "train_step_s": round(seconds, 1),
             "train_tokens_per_s": round(state["tokens"] / max(1e-9, seconds), 1),
             "tokens_seen": state["tokens"], "global_step": state["step"], "best_step": state["best_step"],
             "best_" + config.metric: state["best"], "base_" + config.metric: state["base"]}
    return write_report(output, config, state["history"], extra)


def report_stopped_run(config) -> dict:
    """``metrics.json``, ``train_config.yaml`` and ``curve.png`` of a run of ``config`` stopped before its
    end (killed for time), from its newest complete checkpoint; the best adapter is already in its output."""
    from kgrec.finetune.report import write_report

    output = Path(config.output)
    last = _checkpoint(output / "checkpoints")
    if last is None:
        raise KgrecError(f"{output}/checkpoints: no complete checkpoint to report from")
    state = torch.load(last / "trainer.pt", weights_only=True)["state"]
    seconds = state.get("seconds", 0.0)
    extra = {"objective": "dense", "item_side": config.item_side, "item_text": config.item_text,
             "stopped_at_step": state["step"], "train_step_s": round(seconds, 1),
             "train_tokens_per_s": round(state["tokens"] / max(1e-9, seconds), 1), "tokens_seen": state["tokens"],
             "global_step": state["step"], "best_step": state["best_step"],
             "best_" + config.metric: state["best"], "base_" + config.metric: state["base"]}
    return write_report(output, config, state["history"], extra)
