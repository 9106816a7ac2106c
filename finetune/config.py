"""``TrainConfig``: one dataclass; precedence defaults < YAML ``--config`` < CLI flags.

    >>> TrainConfig(lora_r=8).lora_alpha
    32
    >>> load_config(None, {"max_steps": 5}).max_steps
    5
"""
from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from kgrec.agent.ranking import FORMULATIONS
from kgrec.kg.errors import ConfigError, KgrecError

SCHEDULES = ("linear", "cosine", "constant", "constant_with_warmup")
METRICS = ("recall@10", "ndcg@10")
REPORTERS = ("tensorboard", "wandb", "none")
OBJECTIVES = ("rank", "dense")
ITEM_SIDES = ("frozen", "table", "shared")
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _help(text: str, default):
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class TrainConfig:
    """Everything one fine-tuning run needs."""

    # model
    model: str = _help("'embedded', a model folder, a .gguf file or 'hub:<id>'", "embedded")
    quantize: str | None = _help("None, '4bit' or '8bit' (QLoRA; CUDA only)", None)
    device: str = _help("'auto' (accelerate picks), 'cpu', 'cuda'", "auto")
    graph: str | None = _help("an installed graph name or graph folder (kgrec.kg.storage.registry); None = the shipped movie KG", None)
    output: str = _help("adapter folder (checkpoints go to <output>/checkpoints)", "data/adapters/smollm2-kgrec")
    # LoRA
    lora_r: int = _help("LoRA rank", 16)
    lora_alpha: int = _help("LoRA alpha (scale = alpha / r)", 32)
    lora_dropout: float = _help("dropout on the LoRA input", 0.05)
    target_modules: list[str] = _help("module names LoRA wraps", LORA_TARGETS)
    lora_layers: int = _help("LoRA on the top N transformer layers only (0: all); backward stops there", 0)
    # optimisation
    learning_rate: float = _help("AdamW peak learning rate", 2e-4)
    weight_decay: float = _help("AdamW weight decay", 0.01)
    lr_schedule: str = _help(f"one of {SCHEDULES}", "cosine")
    warmup: float = _help("warmup steps (int) or ratio of max_steps (< 1)", 0.05)
    batch_size: int = _help("examples per device per step", 8)
    grad_accumulation: int = _help("micro-batches per optimizer step", 2)
    max_steps: int = _help("optimizer steps", 300)
    max_length: int = _help("tokens per example (prompt cut from the left)", 384)
    seed: int = _help("random seed (data sampling and init)", 42)
    # what is trained
    objective: str = _help(f"one of {OBJECTIVES}: 'rank' the title reranker, 'dense' the conversation encoder "
                           "(kgrec.finetune.dense)", "rank")
    dense_layers: int = _help("dense: transformer layers of the encoder (kgrec.agent.encoder.EncoderConfig.layers)", 8)
    temperature: float = _help("dense: softmax temperature of the cosine scores", 0.05)
    item_side: str = _help("dense: the item side, one of ('frozen', 'table', 'shared'): the untuned encoder's "
                           "vectors, a learned item table initialised from them, or the LoRA shared by both sides",
                           "frozen")
    item_text: str = _help("dense: what the item side reads, 'card' (KG names) or 'document' (kgrec.kg.query.documents)", "card")
    max_item_tokens: int = _help("dense: an item text is cut beyond this many tokens", 64)
    item_learning_rate: float = _help("dense: AdamW learning rate of the item table (item_side 'table')", 1e-3)
    content_pairs: int = _help("dense: content requests written from the items' facts (kgrec.finetune.dense_pairs)", 0)
    kg_pairs: int = _help("dense: verbalized KG-fact pairs 'Liked: A. <fact>' -> another item with the fact", 0)
    mention_pairs: int = _help("dense: pairs from ReDial train conversations known only as movie mentions: 'Liked: A, B.' -> "
                               "the next liked movie (kgrec.finetune.dense_pairs.mention_pairs)", 0)
    liked_rank: int = _help("dense: width of the liked-movie vectors learned after the LoRA (kgrec.finetune.dense_liked; "
                            "item_side 'table'); 0: none", 0)
    liked_epochs: int = _help("dense: epochs of the liked-movie vectors (the best on valid is kept)", 4)
    liked_learning_rate: float = _help("dense: AdamW learning rate of the liked-movie vectors", 3e-3)
    liked_weight_decay: float = _help("dense: AdamW weight decay of the liked-movie vectors", 0.05)
    liked_mentions: int = _help("dense: mention-only ReDial train pairs the liked-movie vectors also learn from", 20000)
    liked_only: bool = _help("dense: learn only the liked-movie vectors, for the adapter already in output", False)
    hard_negatives: int = _help("dense: the KG retriever's near misses per ReDial pair (negatives of item_side "
                                "'shared'; 'frozen' and 'table' score every item each step)", 0)
    # data
    formulation: str = _help(f"ranking formulation, one of {FORMULATIONS}", "title")
    kg_examples: int = _help("verbalized KG-triple examples", 1500)
    path_examples: int = _help("sampled 2-hop KG path sentences (augmentation)", 0)
    candidates: int = _help("retrieved candidates per turn (k of kgrec.kg.query.retrieval.retrieve)", 20)
    negatives: int = _help("negatives per history example (yes/no formulation)", 2)
    # validation, checkpoints, logging
    eval_every: int = _help("optimizer steps between ranking validations (0: never)", 50)
    eval_turns: int = _help("valid-split turns used for periodic validation (0: all)", 100)
    metric: str = _help(f"early-stopping metric on valid, one of {METRICS}", "recall@10")
    validate_base: bool = _help("also validate at step 0 (the base model's reference number)", True)
    patience: int = _help("validations without improvement before stopping (0: never stop)", 3)
    save_every: int = _help("optimizer steps between checkpoints", 50)
    logging_steps: int = _help("optimizer steps between loss logs", 5)
    report_to: str = _help(f"one of {REPORTERS}", "tensorboard")

    def __post_init__(self):
        choices = {"lr_schedule": SCHEDULES, "metric": METRICS, "report_to": REPORTERS, "item_side": ITEM_SIDES,
                   "item_text": ("card", "document"),
                   "formulation": FORMULATIONS, "objective": OBJECTIVES, "quantize": (None, "4bit", "8bit")}
        for name, options in choices.items():
            if getattr(self, name) not in options:
                raise ConfigError(f"TrainConfig.{name}={getattr(self, name)!r}: expected one of {options}")
        positive = ("lora_r", "lora_alpha", "batch_size", "grad_accumulation", "max_steps", "max_length",
                    "save_every", "logging_steps", "dense_layers", "max_item_tokens")
        for name in positive:
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"TrainConfig.{name}={getattr(self, name)!r}: expected an integer >= 1")
        for name in ("lora_layers", "kg_examples", "path_examples", "eval_every", "eval_turns", "patience", "negatives",
                     "content_pairs", "kg_pairs", "mention_pairs", "hard_negatives", "liked_rank", "liked_epochs",
                     "liked_mentions"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ConfigError(f"TrainConfig.{name}={getattr(self, name)!r}: expected an integer >= 0")
        if not 0 <= self.lora_dropout < 1 or self.learning_rate <= 0 or self.weight_decay < 0 or self.warmup < 0:
            raise ConfigError("TrainConfig: expected 0 <= lora_dropout < 1, learning_rate > 0, "
                             f"weight_decay >= 0, warmup >= 0; got {self.lora_dropout}, {self.learning_rate}, "
                             f"{self.weight_decay}, {self.warmup}")
        for name in ("item_learning_rate", "liked_learning_rate"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"TrainConfig.{name}={getattr(self, name)!r}: expected a number > 0")
        if self.liked_weight_decay < 0:
            raise ConfigError(f"TrainConfig.liked_weight_decay={self.liked_weight_decay!r}: expected a number >= 0")
        if (self.liked_rank or self.liked_only) and (self.objective != "dense" or self.item_side != "table"):
            raise ConfigError("TrainConfig.liked_rank/liked_only: the liked-movie vectors need objective 'dense' "
                              f"and item_side 'table'; got {self.objective!r}, {self.item_side!r}")
        if self.liked_only and not self.liked_rank:
            raise ConfigError("TrainConfig.liked_only: expected liked_rank >= 1 (the vectors' width)")
        if not 0 < self.temperature <= 10:
            raise ConfigError(f"TrainConfig.temperature={self.temperature!r}: expected a number in (0, 10]")
        if self.objective == "dense" and self.lora_layers > self.dense_layers:
            raise ConfigError(f"TrainConfig.lora_layers={self.lora_layers}: expected at most dense_layers={self.dense_layers}")
        if self.graph is not None:
            from kgrec.kg.storage.registry import graph_folder

            graph_folder(str(self.graph))  # unknown -> one line naming the installed graphs
        if not self.target_modules or not all(isinstance(m, str) for m in self.target_modules):
            raise ConfigError(f"TrainConfig.target_modules={self.target_modules!r}: expected a list of module names")

    def to_dict(self) -> dict:
        return asdict(self)


def field_names() -> list[str]:
    return [f.name for f in fields(TrainConfig)]


def read_yaml(path: str | Path) -> dict:
    """The mapping in a YAML config file; unknown keys raise ``KgrecError`` naming them."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise KgrecError(f"{path}: cannot read config ({e.strerror})") from e
    except yaml.YAMLError as e:
        raise KgrecError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of TrainConfig fields, got {type(data).__name__}")
    names = field_names()
    for key in data:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(names)}"
            raise KgrecError(f"{path}: unknown config key {key!r}{hint}")
    return data


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> TrainConfig:
    """Defaults, then the YAML file at ``path``, then ``overrides`` (CLI flags; ``None`` values skipped)."""
    values = read_yaml(path) if path else {}
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    unknown = set(values) - set(field_names())
    if unknown:
        raise ConfigError(f"unknown TrainConfig field(s): {', '.join(sorted(unknown))}")
    return TrainConfig(**values)
