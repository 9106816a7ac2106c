"""Which checkpoint ``--resume`` continues from: the newest *complete* one.

A run killed while saving leaves a half-written checkpoint folder (a file missing, empty or
torn). ``newest_complete`` skips such folders, newest first, with a one-line notice on stderr
for each, so a resume falls back to the previous checkpoint instead of failing::

    newest_complete(Path("out/checkpoints"), "checkpoint-", TRAINER_FILES)   # transformers Trainer
    newest_complete(Path("out/checkpoints"), "step-", DENSE_FILES)           # kgrec.finetune.dense's own loop
"""
from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

# What each kind of checkpoint must hold to be resumed from.
TRAINER_FILES = ("trainer_state.json", "adapter_model.safetensors", "adapter_config.json", "optimizer.pt", "scheduler.pt")
DENSE_FILES = ("adapter_model.safetensors", "adapter_config.json", "trainer.pt")


def problem(folder: Path, required: tuple[str, ...]) -> str | None:
    """Why ``folder`` is not a complete checkpoint (``None`` when it is)."""
    for name in required:
        path = folder / name
        if not path.is_file() or path.stat().st_size == 0:
            return f"{name} is missing or empty"
        try:
            _check(path)
        except Exception as e:  # each reader raises its own error type on a torn file
            return f"{name} is unreadable ({type(e).__name__})"
    return None


def _check(path: Path) -> None:
    if path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            for key in f.keys():
                f.get_slice(key)  # the header and every tensor's extent are within the file
        if path.stat().st_size < _safetensors_end(path):
            raise ValueError("truncated")
    elif path.suffix in (".pt", ".pth"):
        with zipfile.ZipFile(path) as z:  # torch.save writes a zip archive: check every member's CRC
            if z.testzip() is not None:
                raise ValueError("corrupt member")


def _safetensors_end(path: Path) -> int:
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
    return 8 + size + max(ends, default=0)


def _step(folder: Path, prefix: str) -> int:
    tail = folder.name[len(prefix):]
    return int(tail) if tail.isdigit() else -1


def newest_complete(checkpoints: Path, prefix: str, required: tuple[str, ...]) -> Path | None:
    """The complete checkpoint ``<checkpoints>/<prefix><step>`` with the largest step, or ``None``."""
    if not checkpoints.is_dir():
        return None
    found = [p for p in checkpoints.glob(f"{prefix}*") if p.is_dir() and _step(p, prefix) >= 0]
    for folder in sorted(found, key=lambda p: _step(p, prefix), reverse=True):
        why = problem(folder, required)
        if why is None:
            return folder
        print(f"finetune: skipping the half-written checkpoint {folder} ({why})", file=sys.stderr)
    return None
