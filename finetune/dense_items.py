"""The item side of dense training (``TrainConfig.item_side``): what a step scores conversations against.

* ``"frozen"``: the untuned encoder's catalog vectors, fixed; full softmax over the catalog;
* ``"table"``: a learned (catalog x hidden) table initialised from those vectors (rows used unit
  length); full softmax over the catalog;
* ``"shared"``: the LoRA-tuned encoder's own vectors of the items' texts (their states after the
  frozen lower layers cached once); each step encodes the batch's target items and the KG
  retriever's near misses (``Pair.hard``) with gradients and scores against those only.

A pair's masked items (``Pair.context``) are never negatives.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from kgrec.agent.encoder import DenseIndex, Encoder
from kgrec.finetune.dense_pairs import Pair


def _standardize(raw: torch.Tensor, index: DenseIndex) -> torch.Tensor:
    mean, scale = (torch.from_numpy(a).to(raw) for a in (index.mean, index.scale))
    return torch.nn.functional.normalize((raw - mean) / scale, dim=-1)


class ItemSide:
    """Item vectors for training steps and validation, by ``kind``."""

    def __init__(self, kind: str, index: DenseIndex, encoder: Encoder, frozen: int,
                 item_states: Sequence[torch.Tensor] | None = None):
        self.kind, self.index, self.encoder, self.frozen = kind, index, encoder, frozen
        self.fixed = torch.from_numpy(index.vectors).to(encoder.device)
        self.table = torch.nn.Parameter(self.fixed.clone()) if kind == "table" else None
        self.item_states = list(item_states or ())  # "shared": each item's lower states, in index order
        if kind == "shared" and len(self.item_states) != len(index.items):
            raise ValueError("item_side 'shared' needs every item's lower states")

    def parameters(self) -> list[torch.nn.Parameter]:
        return [self.table] if self.table is not None else []

    def encode(self, rows: Sequence[int]) -> torch.Tensor:
        """(len(rows), H) unit vectors of these items through the tuned encoder (gradients kept)."""
        return _standardize(self.encoder.upper([self.item_states[r] for r in rows], self.frozen), self.index)

    def catalog(self) -> torch.Tensor:
        """(N, H) every item's vector now, without gradients (validation and what ships)."""
        with torch.no_grad():
            if self.kind == "table":
                return torch.nn.functional.normalize(self.table.detach(), dim=-1)
            if self.kind == "shared":
                return torch.cat([self.encode(range(s, min(s + 64, len(self.item_states))))
                                  for s in range(0, len(self.item_states), 64)])
            return self.fixed

    def loss(self, q: torch.Tensor, batch: list[Pair], temperature: float) -> torch.Tensor:
        """Cross-entropy of each pair's target among the negatives of this item side."""
        if self.kind == "shared":
            rows = list(dict.fromkeys([p.target for p in batch] + [h for p in batch for h in p.hard]))
            items, col = self.encode(rows), {r: i for i, r in enumerate(rows)}
        else:
            items = torch.nn.functional.normalize(self.table, dim=-1) if self.table is not None else self.fixed
            col = None
        logits = (q.float() @ items.float().T) / temperature
        targets = []
        for b, p in enumerate(batch):
            masked = [col[r] for r in p.context if r in col] if col is not None else list(p.context)
            if masked:
                logits[b, masked] = -1e4
            targets.append(col[p.target] if col is not None else p.target)
        return torch.nn.functional.cross_entropy(logits, torch.tensor(targets, device=logits.device))

    def state(self) -> dict:
        return {"table": self.table.detach().clone()} if self.table is not None else {}

    def load_state(self, state: dict) -> None:
        if self.table is not None and "table" in state:
            with torch.no_grad():
                self.table.copy_(state["table"])

    def save(self, folder: Path) -> None:
        """The learned table beside the adapter (``kgrec.agent.encoder_settings.TABLE_FILE``); nothing otherwise."""
        if self.table is None:
            return
        from kgrec.agent.encoder_settings import save_table

        vectors = self.catalog().cpu().numpy()
        save_table(folder, DenseIndex(self.index.items, vectors, self.index.mean, self.index.scale))
