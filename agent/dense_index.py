"""The catalog's vectors for the dense encoder (``kgrec.agent.encoder``): standardized, unit length, saved as
plain arrays. numpy only, so ``kgrec.agent.encoder_settings`` reads an adapter's item table without torch."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class DenseIndex:
    """The whole catalog's standardized, unit-length vectors; ``scores`` is one matrix product."""

    items: np.ndarray  # (N,) node ids
    vectors: np.ndarray  # (N, H) float32, standardized and unit length
    mean: np.ndarray  # (H,) what is subtracted before the cosine
    scale: np.ndarray  # (H,) what it is divided by

    @classmethod
    def from_raw(cls, items: Sequence[int], raw: np.ndarray) -> DenseIndex:
        mean, scale = raw.mean(0), raw.std(0) + 1e-6
        return cls(np.asarray(items, dtype=np.int64), _unit((raw - mean) / scale), mean, scale)

    def query(self, raw: np.ndarray) -> np.ndarray:
        """``raw`` (H,) or (B, H) standardized like the catalog, unit length."""
        return _unit((raw - self.mean) / self.scale)

    def scores(self, raw: np.ndarray) -> np.ndarray:
        """Cosine of ``raw`` (one query, (H,)) with every item, in ``items`` order."""
        return self.vectors @ self.query(raw)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.tmp{os.getpid()}.npz")
        np.savez(tmp, items=self.items, vectors=self.vectors, mean=self.mean, scale=self.scale)
        tmp.replace(path)  # atomic: a killed build leaves no half-written index

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        with np.load(path, allow_pickle=False) as data:  # plain arrays only: a cache file cannot run code
            return cls(data["items"], data["vectors"], data["mean"], data["scale"])


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)).astype(np.float32)
