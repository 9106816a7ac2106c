"""LoRA fine-tuning with peft + the HF ``Trainer``, validated by ranking on the ReDial valid split.

Usage:
    python -m kgrec.finetune.cli --config configs/smollm2-cpu.yaml                  # or: kgrec finetune ...
    python -m kgrec.finetune.cli --config configs/smollm2-cpu.yaml --max-steps 20 --output /tmp/adapter
    python -m kgrec.finetune.cli --config configs/smollm2-cpu.yaml --resume         # continue a killed run
    accelerate launch -m kgrec.finetune.cli --config configs/qwen-gpu-4bit.yaml     # several GPUs (DDP/FSDP)

The adapter folder gets ``adapter_model.safetensors`` + ``adapter_config.json`` (the best
validation step), ``train_config.yaml``, ``metrics.json`` and ``curve.png``; checkpoints and
TensorBoard logs go to ``<output>/checkpoints``.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch

from kgrec.agent.llm import LocalLM
from kgrec.agent.ranking import RankConfig
from kgrec.evaluation.turns import split_turns
from kgrec.evaluation.validation import rank_cases
from kgrec.finetune.config import TrainConfig
from kgrec.finetune.data import Collator, ListDataset, encode, history_examples, kg_examples, path_examples
from kgrec.finetune.model import make_model
from kgrec.finetune.report import write_report
from kgrec.kg.errors import KgrecError


def _rank_config(config: TrainConfig) -> RankConfig:
    return RankConfig(formulation=config.formulation, max_candidates=config.candidates)


def build_examples(config: TrainConfig, lm: LocalLM, G, turns) -> list:
    """KG triples + optional paths + ReDial train-split histories, shuffled by the Trainer."""
    examples = kg_examples(lm, G, config.kg_examples, config.seed)
    examples += path_examples(lm, G, config.path_examples, config.seed)
    examples += history_examples(lm, G, turns, _rank_config(config), config.candidates, config.negatives, config.seed)
    return examples


def training_arguments(config: TrainConfig, checkpoints: Path):
    from transformers import TrainingArguments

    cpu = not torch.cuda.is_available() or config.device == "cpu"
    bf16 = not cpu and torch.cuda.is_bf16_supported()
    return TrainingArguments(
        output_dir=str(checkpoints), max_steps=config.max_steps, per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accumulation, learning_rate=config.learning_rate,
        weight_decay=config.weight_decay, lr_scheduler_type=config.lr_schedule, warmup_steps=config.warmup,
        optim="adamw_torch", logging_steps=config.logging_steps, save_steps=config.save_every, save_total_limit=2,
        seed=config.seed, data_seed=config.seed, report_to=[] if config.report_to == "none" else [config.report_to],
        use_cpu=cpu, bf16=bf16, remove_unused_columns=False, disable_tqdm=False,
        include_num_input_tokens_seen="non_padding", dataloader_num_workers=0, logging_first_step=True)


def train(config: TrainConfig, resume: bool = False, *, G=None, train_turns=None, valid=None) -> dict:
    """Train, validate, keep the best adapter in ``config.output``; returns the metrics written.

    By default the movie KG, the ReDial train split (examples) and valid split (validation,
    ``list[EvalTurn]``) are loaded; tests pass a tiny graph and turns instead.
    """
    if config.objective == "dense":
        from kgrec.finetune.dense import train_dense
        from kgrec.finetune.dense_liked import train_liked

        metrics = {} if config.liked_only else train_dense(config, resume, G=G, train_turns=train_turns, valid_turns=valid)
        if config.liked_rank:  # after the LoRA, on its served conversation vectors
            metrics = train_liked(config, G=G, train_turns=train_turns, valid_turns=valid)
        return metrics
    from transformers import Trainer

    from kgrec.finetune.callbacks import RankingValidation
    from kgrec.kg.storage.registry import load_graph

    output, started = Path(config.output), time.perf_counter()
    checkpoints = output / "checkpoints"
    last = _last_checkpoint(checkpoints) if resume else None
    if resume and last is None:
        raise KgrecError(f"--resume: no complete checkpoint in {checkpoints}; start without --resume")
    torch.manual_seed(config.seed)
    model, tokenizer = make_model(config)
    lm = LocalLM(model, tokenizer, max_prompt_tokens=config.max_length)
    G = load_graph(config.graph) if G is None else G
    train_turns = split_turns(G, "train") if train_turns is None else train_turns
    examples = build_examples(config, lm, G, train_turns)
    if not examples:
        raise KgrecError("no training examples (empty KG and ReDial train split?); refusing to train")
    rows = encode(lm, examples, config.max_length)
    if valid is None:
        turns = split_turns(G, "valid")[:config.eval_turns or None] if config.eval_every else []
        valid = rank_cases(G, turns, config.candidates)
    validation = RankingValidation(G, valid, _rank_config(config), config,
                                   tokenizer)
    trainer = Trainer(model=model, args=training_arguments(config, checkpoints), train_dataset=ListDataset(rows),
                      data_collator=Collator(tokenizer.pad_token_id), callbacks=[validation])
    validation.trainer = trainer
    result = trainer.train(resume_from_checkpoint=str(last) if last is not None else None)
    if trainer.is_world_process_zero():
        if validation.best_step is None:  # no validation ran: the last step is the adapter
            model.save_pretrained(output)
        extra = {"examples": _kinds(examples), "train_runtime_s": round(time.perf_counter() - started, 1),
                 "train_tokens_per_s": round(trainer.state.num_input_tokens_seen / max(1e-9, result.metrics.get(
                     "train_runtime", 1.0)), 1), "tokens_seen": int(trainer.state.num_input_tokens_seen),
                 "global_step": trainer.state.global_step, "best_step": validation.best_step,
                 "best_" + config.metric: validation.best, "base_" + config.metric: validation.first}
        return write_report(output, config, trainer.state.log_history, extra)
    return {}


def _last_checkpoint(checkpoints: Path) -> Path | None:
    """The newest complete Trainer checkpoint (a half-written newest one is skipped, with a notice)."""
    from kgrec.finetune.checkpoints import TRAINER_FILES, newest_complete

    return newest_complete(checkpoints, "checkpoint-", TRAINER_FILES)


def _kinds(examples) -> dict:
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    return counts
