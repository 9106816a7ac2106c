"""``kgrec finetune``: LoRA-tune the model on KG triples and ReDial histories.

Usage:
    kgrec finetune --config configs/smollm2-cpu.yaml
    kgrec finetune --config configs/smollm2-cpu.yaml --max-steps 20 --output /tmp/adapter
    kgrec finetune --config configs/smollm2-cpu.yaml --resume          # from the newest complete checkpoint
    kgrec finetune --config configs/smollm2-cpu.yaml --save-every 25   # a checkpoint every 25 optimizer steps
    kgrec finetune --config configs/smollm2-cpu.yaml --lora-layers 4 --validate-base false  # any TrainConfig field
    kgrec finetune --config configs/smollm2-cpu.yaml --graph inspired --output runs/adapter-inspired
    python -m evaluation.validation --adapter data/adapters/smollm2-kgrec   # Recall@10 on valid
    accelerate launch -m finetune.cli --config configs/qwen-gpu-4bit.yaml
"""
from __future__ import annotations

import argparse
import sys

def _flag_value(kind: str):
    """The argparse ``type`` for a ``TrainConfig`` annotation ("int", "float", "str | None", "bool")."""
    base = kind.replace(" | None", "").strip()
    if base == "bool":
        def boolean(text: str) -> bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise argparse.ArgumentTypeError(f"{text!r}: expected true or false")
            return text.lower() in ("true", "1", "yes")
        return boolean
    if base == "float":  # "warmup" takes steps or a ratio
        return float
    return {"int": int, "str": str}.get(base)


def train_flags() -> dict[str, tuple[str, object]]:
    """``--flag -> (TrainConfig field, type)`` for every scalar field, straight from the dataclass
    (list fields such as ``target_modules`` are set in the YAML file)."""
    from dataclasses import fields

    from finetune.config import TrainConfig

    found = {}
    for f in fields(TrainConfig):
        kind = _flag_value(str(f.type))
        if kind is not None:
            found["--" + f.name.replace("_", "-")] = (f.name, kind, f.metadata.get("help", ""))
    return found


#: CLI flag -> (TrainConfig field, type, help); flags override the YAML file, which overrides the defaults
FLAGS = train_flags()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML file of TrainConfig fields (unknown keys are errors)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint in <output>/checkpoints")
    for flag, (name, kind, text) in FLAGS.items():
        parser.add_argument(flag, dest=name, type=kind, default=None, help=f"{text} (overrides the YAML's {name})")


def register(subparsers) -> None:
    parser = subparsers.add_parser("finetune", help="LoRA-tune the ranking model", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from finetune.config import load_config
    from finetune.train import train

    overrides = {name: getattr(args, name) for name, _, _ in FLAGS.values()}
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
