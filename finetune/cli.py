"""``kgrec finetune``: LoRA-tune the model on KG triples and ReDial histories.

Usage:
    kgrec finetune --config configs/smollm2-cpu.yaml
    kgrec finetune --config configs/smollm2-cpu.yaml --max-steps 20 --output /tmp/adapter
    kgrec finetune --config configs/smollm2-cpu.yaml --resume          # from the newest complete checkpoint
    kgrec finetune --config configs/smollm2-cpu.yaml --save-every 25   # a checkpoint every 25 optimizer steps
    kgrec finetune --config configs/smollm2-cpu.yaml --graph inspired --output runs/adapter-inspired
    python -m evaluation.validation --adapter data/adapters/smollm2-kgrec   # Recall@10 on valid
    accelerate launch -m finetune.cli --config configs/qwen-gpu-4bit.yaml
"""
from __future__ import annotations

import argparse
import sys

#: CLI flag -> TrainConfig field (flags override the YAML file)
FLAGS = {
    "--max-steps": ("max_steps", int), "--output": ("output", str), "--model": ("model", str),
    "--learning-rate": ("learning_rate", float), "--batch-size": ("batch_size", int),
    "--eval-every": ("eval_every", int), "--eval-turns": ("eval_turns", int), "--seed": ("seed", int),
    "--report-to": ("report_to", str), "--formulation": ("formulation", str), "--quantize": ("quantize", str),
    "--device": ("device", str), "--kg-examples": ("kg_examples", int), "--save-every": ("save_every", int),
    "--graph": ("graph", str),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML file of TrainConfig fields (unknown keys are errors)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint in <output>/checkpoints")
    for flag, (name, kind) in FLAGS.items():
        parser.add_argument(flag, dest=name, type=kind, default=None, help=f"overrides {name}")


def register(subparsers) -> None:
    parser = subparsers.add_parser("finetune", help="LoRA-tune the ranking model", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from finetune.config import load_config
    from finetune.train import train

    overrides = {name: getattr(args, name) for name, _ in FLAGS.values()}
    config = load_config(args.config, overrides)
    metrics = train(config, resume=args.resume)
    if metrics:
        best = {k: v for k, v in metrics.items() if k.startswith(("best", "base", "train_tokens", "global"))}
        print(f"adapter: {config.output}  {best}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m finetune.cli ...`` (also under ``accelerate launch -m finetune.cli``)."""
    from kg.errors import KgrecError

    parser = argparse.ArgumentParser(prog="finetune", description=__doc__.splitlines()[0])
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except KgrecError as e:
        print(f"finetune: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
