"""Loading the local language model: the base (embedded GGUF, folder, hub id), its LoRA adapter.

``load_lm`` gives the agent's ``kgrec.agent.scoring.LocalLM``; where the weights are is ``kgrec.agent.weights``.
``LocalLM`` is the agent's scorer and chooser. Its free text is weak, so the agent asks it
to *score* given strings (titles, yes/no, tool names) and never to state facts.

With the real model (not run as a doctest)::

    lm = load_lm(ModelConfig())
    p = lm.chat_prompt("You recommend movies.", "I loved Alien (1979).")
    lm.score(p, ["Aliens (1986)", "Frozen (2013)"])
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import torch

from kgrec.agent.config import ModelConfig
from kgrec.agent.scoring import LocalLM
from kgrec.agent.weights import (ADAPTER_WEIGHTS, default_adapter_dir, default_dense_adapter_dir, resolve_adapter,
                           resolve_model)
from kgrec.kg.errors import KgrecError

__all__ = ["ADAPTER_WEIGHTS", "LocalLM", "ModelConfig", "attach_adapter", "default_adapter_dir",
           "default_dense_adapter_dir", "import_peft", "load_base", "load_lm", "resolve_adapter", "resolve_model"]

# bitsandbytes (imported by peft) warns on CPU that it cannot fetch an optional kernel from a hub;
# kgrec never downloads at run time and 4/8-bit is CUDA-only here, so that line is only noise.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def set_threads() -> None:
    """All our cores, or 1 thread when the machine is already busy (oversubscribed OpenMP threads
    spin: on the shared 2-core box 1 thread ran a forward pass 3-6x faster than 2).
    ``OMP_NUM_THREADS`` wins when set."""
    if "OMP_NUM_THREADS" in os.environ:
        return
    cores = max(1, len(os.sched_getaffinity(0)))
    busy = os.getloadavg()[0] >= cores - 0.5
    torch.set_num_threads(1 if busy else cores)


def _quantization(config: ModelConfig, device: str):
    if config.quantize is None:
        return None
    if not device.startswith("cuda"):
        warnings.warn(f"quantize={config.quantize!r} needs bitsandbytes on CUDA; no GPU here, loading in float32",
                      stacklevel=3)
        return None
    from transformers import BitsAndBytesConfig

    if config.quantize == "4bit":
        return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                  bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_use_double_quant=True)
    return BitsAndBytesConfig(load_in_8bit=True)


def load_base(config: ModelConfig, layers: int | None = None):
    """(model, tokenizer) without adapter; the model in eval mode. Raises ``KgrecError`` on bad input.

    ``layers``: load only the lowest ``layers`` transformer layers (an encoder that stops there;
    the weights above are never read into memory)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    set_threads()
    source, download = resolve_model(config)
    device = pick_device(config.device)
    quant = _quantization(config, device)
    kwargs = dict(local_files_only=not download)
    if layers is not None:
        kwargs["num_hidden_layers"] = layers
    if quant is not None:
        kwargs.update(quantization_config=quant, device_map="auto")
    elif device.startswith("cuda") and config.device == "auto":
        kwargs.update(device_map="auto", dtype=torch.bfloat16)  # accelerate spreads over the GPUs
    else:
        kwargs.update(dtype=torch.float32)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **{"local_files_only": not download})
        if layers is None:
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        else:  # the layers left out are reported "unexpected": expected here, so not shown
            from transformers.utils import logging as hf_logging

            level = hf_logging.get_verbosity()
            hf_logging.set_verbosity_error()
            try:
                model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
            finally:
                hf_logging.set_verbosity(level)
    except OSError as e:
        hint = "" if download else " (offline: pass 'hub:<id>' or allow_download=True to download it)"
        raise KgrecError(f"cannot load model {config.model!r}: {e}{hint}") from e
    if "device_map" not in kwargs:
        model.to(device)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model.eval(), tokenizer


def import_peft():
    """The ``peft`` module. Without CUDA it is imported with bitsandbytes hidden: peft imports
    bitsandbytes eagerly (1 s of CPU at every start, torch's compiler with it), whose 4/8-bit layers
    run on CUDA only; without a GPU kgrec loads float32 (``_quantization``). bitsandbytes stays
    importable afterwards; peft alone treats it as absent in this process."""
    import sys

    if "peft" in sys.modules or "bitsandbytes" in sys.modules or torch.cuda.is_available():
        import peft

        return peft
    sys.modules["bitsandbytes"] = None  # importlib.util.find_spec reads this as "not installed"
    try:
        import peft
    finally:
        if sys.modules.get("bitsandbytes", 0) is None:
            del sys.modules["bitsandbytes"]
    return peft


def attach_adapter(model, folder: Path, trainable: bool = False):
    """``PeftModel`` of ``model`` + the adapter in ``folder``; ``KgrecError`` if it is corrupt or mismatched."""
    PeftModel = import_peft().PeftModel

    try:
        peft_model = PeftModel.from_pretrained(model, str(folder), is_trainable=trainable)
    except (ValueError, RuntimeError, KeyError, OSError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise KgrecError(f"adapter {folder} does not fit model {model.config.name_or_path!r}: {first[:300]}") from e
    except Exception as e:  # safetensors raises its own error type on a corrupt file
        raise KgrecError(f"adapter {folder} is unreadable ({type(e).__name__}: {e})") from e
    bad = [name for name, p in peft_model.named_parameters() if "lora_" in name and not torch.isfinite(p).all()]
    if bad:
        raise KgrecError(f"adapter {folder} has non-finite (NaN/inf) weights in {len(bad)} tensors "
                         f"(first: {bad[0]}): it is broken, retrain it or pass another adapter")
    return peft_model


def load_lm(config: ModelConfig | None = None) -> LocalLM:
    """The model of ``config`` (with its adapter) wrapped as a ``LocalLM``."""
    config = config or ModelConfig()
    model, tokenizer = load_base(config)
    folder = resolve_adapter(config)
    if folder is not None:
        model = attach_adapter(model, folder).eval()
    return LocalLM(model, tokenizer, max_prompt_tokens=config.max_prompt_tokens, adapter=folder)
