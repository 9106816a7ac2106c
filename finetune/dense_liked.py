"""The dense encoder's liked-movie vectors (``TrainConfig.liked_rank``): what the movies a conversation
liked say about the next one, learned after the LoRA and stored in the adapter's item table.

The LoRA reads a liked movie only as its title in the conversation's text. Here each catalog item
gets two ``liked_rank``-wide vectors, trained on the served encoder's (frozen) conversation vectors:
``liked_query`` (what the item adds to a conversation that liked it) and ``liked_item`` (what meets
that). A pair's score of an item is ``cos(conversation, item) / temperature + w * mean(liked_query
of its liked items) . liked_item(item)``: the full softmax over the catalog of
``kgrec.finetune.dense_items``, the pair's own movies masked. Pairs: the ReDial train pairs
(``kgrec.evaluation.pairs``) and, on the movie graph, ReDial's mention-only train conversations
(``kgrec.finetune.dense_pairs.mention_pairs``); valid Recall@10 picks the best epoch, and the vectors
are written into ``items.npz`` (scaled to cosine units, ``kgrec.agent.dense_index.DenseIndex.scores``)
only when it beats the conversation vectors alone. A few minutes on 2 cores, so no checkpoints: a
killed run is run again (``kgrec finetune --config ... --liked-only``).
"""
from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import torch

from kgrec.evaluation.pairs import Pair
from kgrec.kg.errors import KgrecError

BATCH = 128


def _bags(batch: list[Pair]) -> tuple[torch.Tensor, torch.Tensor]:
    """``embedding_bag`` input and offsets of the pairs' liked rows (an empty bag is a zero vector)."""
    flat, offsets = [], []
    for p in batch:
        offsets.append(len(flat))
        flat += list(p.liked)
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)


class LikedModel(torch.nn.Module):
    """The two liked-movie tables and their weight, over frozen conversation and item vectors."""

    def __init__(self, items: torch.Tensor, rank: int, temperature: float, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.items, self.temperature = items, temperature  # (N, H) unit item vectors, fixed
        self.query = torch.nn.Parameter(torch.randn(len(items), rank, generator=generator) * 0.01)
        self.item = torch.nn.Parameter(torch.randn(len(items), rank, generator=generator) * 0.01)
        self.weight = torch.nn.Parameter(torch.tensor(1.0))

    def logits(self, q: torch.Tensor, batch: list[Pair], liked: bool = True) -> torch.Tensor:
        scores = q @ self.items.T / self.temperature
        if liked:
            flat, offsets = _bags(batch)
            scores = scores + self.weight * torch.nn.functional.embedding_bag(flat, self.query, offsets, mode="mean") @ self.item.T
        for b, p in enumerate(batch):
            if p.context:
                scores[b, list(p.context)] = -1e4
        return scores

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(liked_query, liked_item) in cosine units: the weight and temperature folded into ``liked_item``."""
        scale = float(self.weight.detach()) * self.temperature
        return self.query.detach().numpy().copy(), (self.item.detach() * scale).numpy()


def recall(model: LikedModel, q: torch.Tensor, pairs: list[Pair], liked: bool = True, k: int = 10) -> float:
    hits = 0
    with torch.no_grad():
        for start in range(0, len(pairs), 256):
            batch = pairs[start:start + 256]
            top = torch.topk(model.logits(q[start:start + 256], batch, liked), min(k, len(model.items))).indices
            hits += sum(int(p.target in row.tolist()) for p, row in zip(batch, top))
    return hits / max(1, len(pairs))


def fit(model: LikedModel, q_train: torch.Tensor, train: list[Pair], q_valid: torch.Tensor, valid: list[Pair],
        epochs: int, learning_rate: float, weight_decay: float, seed: int = 0, log=print) -> dict:
    """Train ``model``'s tables; keeps the state of the best epoch on valid Recall@10 (base: liked vectors off)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    base = recall(model, q_valid, valid, liked=False)
    history, best, best_state, order = [{"epoch": 0, "recall@10": base}], base, None, list(range(len(train)))
    rng = random.Random(seed)
    for epoch in range(1, epochs + 1):
        rng.shuffle(order)
        started, loss = time.perf_counter(), torch.tensor(0.0)
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            batch = [train[r] for r in rows]
            loss = torch.nn.functional.cross_entropy(model.logits(q_train[rows], batch),
                                                     torch.tensor([p.target for p in batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        value = recall(model, q_valid, valid)
        history.append({"epoch": epoch, "recall@10": value, "loss": round(float(loss.detach()), 4),
                        "seconds": round(time.perf_counter() - started, 1)})
        log(f"liked-movie vectors, epoch {epoch}: valid recall@10 {value:.4f} (conversation vectors alone {base:.4f})")
        if value > best + 1e-9:
            best, best_state = value, {k: v.detach().clone() for k, v in model.state_dict().items() if k != "items"}
    if best_state is not None:
        model.load_state_dict(best_state, strict=False)
    best_epoch = max(history, key=lambda h: (h["recall@10"], -h["epoch"]))["epoch"]
    return {"base_recall@10": base, "best_recall@10": best, "best_epoch": best_epoch, "history": history}


def training_pairs(G, items, train_turns, valid_turns, mentions: int, seed: int) -> tuple[list[Pair], list[Pair]]:
    """The ReDial train pairs (and up to ``mentions`` mention-only pairs on the movie graph), the valid pairs."""
    from kgrec.evaluation.pairs import pairs
    from kgrec.evaluation.turns import split_turns
    from kgrec.finetune.dense_pairs import mention_only_pairs

    train = pairs(G, split_turns(G, "train") if train_turns is None else train_turns, items)
    train += mention_only_pairs(G, items, mentions, seed)
    valid = pairs(G, split_turns(G, "valid") if valid_turns is None else valid_turns, items)
    if not train or not valid:
        raise KgrecError(f"liked-movie vectors: {len(train)} train and {len(valid)} valid pairs; need both")
    return train, valid


def train_liked(config, *, G=None, train_turns=None, valid_turns=None) -> dict:
    """Learn the liked-movie vectors for the adapter in ``config.output`` (served as it is served,
    ``kgrec.agent.encoder.load_dense``) and add them to its ``items.npz`` when they beat it on valid."""
    import json

    from kgrec.agent.config import ModelConfig
    from kgrec.agent.dense_index import DenseIndex
    from kgrec.agent.encoder import load_dense
    from kgrec.agent.encoder_settings import TABLE_FILE, read_settings, save_table
    from kgrec.kg.storage.registry import load_graph

    output = Path(config.output)
    if read_settings(output).item_side != "table" or not (output / TABLE_FILE).exists():
        raise KgrecError(f"liked-movie vectors: {output} has no learned item table (item_side 'table'); train it first")
    started = time.perf_counter()
    G = load_graph(config.graph) if G is None else G
    dense = load_dense(G, ModelConfig(model=config.model, adapter=None, device=config.device), output)
    index = DenseIndex(dense.index.items, dense.index.vectors, dense.index.mean, dense.index.scale)  # its own vectors off
    items = [int(i) for i in index.items]
    train, valid = training_pairs(G, items, train_turns, valid_turns, config.liked_mentions, config.seed)
    texts = sorted({p.text for p in train + valid})
    vectors = dense.vectors(texts)
    position = {t: i for i, t in enumerate(texts)}
    q = torch.from_numpy(index.query(vectors))
    encoded = time.perf_counter() - started
    print(f"liked-movie vectors: {len(train)} train pairs ({sum(p.kind == 'mentions' for p in train)} mention-only),"
          f" {len(valid)} valid; {len(texts)} conversations encoded in {encoded:.0f} s", flush=True)
    torch.manual_seed(config.seed)
    model = LikedModel(torch.from_numpy(index.vectors), config.liked_rank, config.temperature, config.seed)
    result = fit(model, q[[position[p.text] for p in train]], train, q[[position[p.text] for p in valid]], valid,
                 config.liked_epochs, config.liked_learning_rate, config.liked_weight_decay, config.seed)
    kept = result["best_recall@10"] > result["base_recall@10"]
    if kept:
        table = DenseIndex.load(output / TABLE_FILE)
        rows = index.rows(table.items)
        if len(rows) != len(table.items):
            raise KgrecError(f"{output / TABLE_FILE}: items the graph lacks; train on the graph the table was trained on")
        query, item = model.tables()
        save_table(output, DenseIndex(table.items, table.vectors.astype(np.float32), table.mean, table.scale,
                                      query[rows], item[rows]))
    result |= {"kept": kept, "rank": config.liked_rank, "train_pairs": len(train), "valid_pairs": len(valid),
               "encode_s": round(encoded, 1), "wall_s": round(time.perf_counter() - started, 1)}
    metrics_file = output / "metrics.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    metrics["liked_vectors"] = result
    metrics_file.write_text(json.dumps(metrics, indent=1))
    print(f"liked-movie vectors: valid recall@10 {result['base_recall@10']:.4f} -> {result['best_recall@10']:.4f} "
          f"(epoch {result['best_epoch']}); {'added to' if kept else 'not added to'} {output / TABLE_FILE}", flush=True)
    return metrics
