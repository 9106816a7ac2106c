"""``kgrec finetune``: LoRA-tune the model on KG triples and ReDial histories.

Usage:
    kgrec finetune --config configs/smollm2-cpu.yaml
    kgrec finetune --config configs/smollm2-cpu.yaml --max-steps 20 --output /tmp/adapter
    kgrec finetune --config configs/smollm2-cpu.yaml --resume          # from the newest complete checkpoint
    kgrec finetune --config configs/smollm2-cpu.yaml --save-every 25   # a checkpoint every 25 optimizer steps
    kgrec finetune --config configs/smollm2-cpu.yaml --lora-layers 4 --validate-base false  # any TrainConfig field
    kgrec finetune --config configs/smollm2-cpu.yaml --graph inspired --output runs/adapter-inspired
    python -m kgrec.evaluation.validation --adapter data/adapters/smollm2-kgrec   # Recall@10 on valid
    accelerate launch -m kgrec.finetune.cli --config configs/qwen-gpu-4bit.yaml
"""
from __future__ import annotations

import argparse
import sys

from kgrec.finetune.config import field_names

TRAIN_FIELDS = frozenset(field_names())


def train_parser() -> argparse.ArgumentParser:
    """Every ``TrainConfig`` field as a flag (``--lora-layers`` or ``--lora_layers``; a bool takes
    ``true``/``false`` or ``--no-validate-base``; a list takes several words), built from the dataclass's
    types and help by ``transformers.HfArgumentParser``. Every default is ``None``: an unset flag leaves
    the YAML's value, and the YAML the dataclass's."""
    from dataclasses import fields

    from transformers import HfArgumentParser

    from kgrec.finetune.config import TrainConfig

    parser = HfArgumentParser(TrainConfig, add_help=False)
    for action in parser._actions:
        if action.dest in TRAIN_FIELDS and not action.option_strings[0].startswith("--no"):
            action.help = f"{action.help} (overrides the YAML's {action.dest})"
    parser.set_defaults(**{f.name: None for f in fields(TrainConfig)})
    return parser


def flags() -> dict[str, tuple[str, object, str]]:
    """``--flag -> (TrainConfig field, type, help)``: the flags :func:`train_parser` adds."""
    return {option: (action.dest, action.type, action.help) for action in train_parser()._actions
            for option in action.option_strings if action.dest in TRAIN_FIELDS and "_" not in option}


def __getattr__(name: str):
    if name == "FLAGS":  # CLI flag -> (TrainConfig field, type, help); flags override the YAML file, which overrides the defaults
        return flags()
    raise AttributeError(name)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML file of TrainConfig fields (unknown keys are errors)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint in <output>/checkpoints")
    parser._add_container_actions(train_parser())  # what ArgumentParser(parents=[...]) does


class _TrainFlags(argparse.ArgumentParser):
    """``kgrec finetune``'s parser: :func:`add_arguments` runs when it first parses or prints help, so
    the other commands never pay for importing transformers (~0.5 s)."""

    def _added(self):
        if not getattr(self, "_has_flags", False):
            self._has_flags = True
            add_arguments(self)

    def parse_known_args(self, args=None, namespace=None):
        self._added()
        return super().parse_known_args(args, namespace)

    def format_help(self):
        self._added()
        return super().format_help()


def register(subparsers) -> None:
    parser = subparsers.add_parser("finetune", help="LoRA-tune the ranking model", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.__class__ = _TrainFlags  # add_parser builds the parent's class; the flags come on first use
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kgrec.finetune.config import load_config
    from kgrec.finetune.train import train

    overrides = {name: getattr(args, name) for name in TRAIN_FIELDS}
    config = load_config(args.config, overrides)
    metrics = train(config, resume=args.resume)
    if metrics:
        best = {k: v for k, v in metrics.items() if k.startswith(("best", "base", "train_tokens", "global"))}
        print(f"adapter: {config.output}  {best}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m kgrec.finetune.cli ...`` (also under ``accelerate launch -m kgrec.finetune.cli``)."""
    from kgrec.kg.errors import KgrecError

    parser = argparse.ArgumentParser(prog="finetune", description=__doc__.splitlines()[0])
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except KgrecError as e:
        print(f"finetune: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
