"""Periodic ranking validation with early stopping, as a ``TrainerCallback``."""
from __future__ import annotations

from pathlib import Path

import torch
from transformers import TrainerCallback

from kgrec.agent.llm import LocalLM
from kgrec.agent.ranking import RankConfig
from kgrec.evaluation.validation import RankCase, evaluate_lm
from kgrec.finetune.config import TrainConfig


class RankingValidation(TrainerCallback):
    """Every ``eval_every`` steps (and at step 0, the base model's reference): rerank the valid
    turns, log, and keep the adapter of the best trained step in ``config.output``.

    Stops training after ``patience`` validations without improvement of ``config.metric``.
    On ``--resume`` the best value so far is read back from the checkpoint's log history.
    """

    def __init__(self, G, turns: list[RankCase], rank_config: RankConfig, config: TrainConfig, tokenizer):
        self.tokenizer = tokenizer
        self.G, self.turns, self.rank_config, self.config = G, turns, rank_config, config
        self.key = f"eval_{config.metric}"
        self.best: float | None = None
        self.first: float | None = None
        self.best_step: int | None = None
        self.bad = 0
        self.trainer = None  # set by train(); used to log through the Trainer's reporters

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        seen = [h for h in state.log_history if self.key in h]
        for record in seen:  # resumed run: replay the early-stopping state
            self._remember(record[self.key], record["step"])
        if not seen and self.active and self.config.validate_base:
            self._validate(state, control, model)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.active and state.global_step % self.config.eval_every == 0:
            self._validate(state, control, model)

    @property
    def active(self) -> bool:
        return bool(self.config.eval_every and self.turns)

    def _remember(self, value: float, step: int) -> bool:
        """Track the best *trained* step; step 0 (the untouched base model) is the reference only."""
        if step == 0:
            self.first = value
            return False
        if self.best is None or value > self.best + 1e-9:
            self.best, self.best_step, self.bad = value, step, 0
            return True
        self.bad += 1
        return False

    def _validate(self, state, control, model) -> None:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            lm = LocalLM(model, self.tokenizer, max_prompt_tokens=1024)
            result = evaluate_lm(lm, self.G, self.turns, self.rank_config, self.config.metric)
        model.train(was_training)
        logs = {f"eval_{k}": v for k, v in result.items() if isinstance(v, (int, float)) and k != "samples"}
        self.trainer.log(logs)
        if self._remember(logs[self.key], state.global_step) and state.is_world_process_zero:
            model.save_pretrained(Path(self.config.output))  # the best adapter so far is the shipped one
        if self.config.patience and self.bad >= self.config.patience:
            control.should_training_stop = True
