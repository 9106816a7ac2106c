"""Training throughput of the embedded model: LoRA (all layers, shipped top-layers recipe) vs full fine-tuning.

Usage:
    .venv/bin/python -m kgrec.bench.train_speed --steps 4 --batch-size 8

Both run forward + backward + AdamW on the same real training examples (KG questions and
ReDial train-split rank prompts, ``kgrec.finetune.data``), batch by batch; tokens/s counts
non-padding tokens. The baseline is full-parameter fine-tuning in the same process.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time

from kgrec.evaluation.report import markdown_table


def examples(lm, n: int) -> list[dict]:
    from kgrec.agent.ranking import RankConfig
    from kgrec.evaluation.turns import split_turns
    from kgrec.finetune.data import encode, history_examples, kg_examples
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    mixed = kg_examples(lm, G, n // 2, seed=0)
    mixed += history_examples(lm, G, split_turns(G, "train")[: n - len(mixed)], RankConfig())
    return encode(lm, mixed, 320)


def throughput(model, rows: list[dict], batch_size: int, steps: int, pad_id: int) -> tuple[float, float]:
    """(median tokens/s over ``steps`` optimizer steps after one warm-up, trainable params in M)."""
    import torch

    from kgrec.finetune.data import Collator

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-5, weight_decay=0.01)
    collate, rates = Collator(pad_id), []
    model.train()
    for step in range(steps + 1):
        batch = collate(rows[step * batch_size:(step + 1) * batch_size])
        start = time.perf_counter()
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step:  # the first step warms up allocations
            rates.append(int(batch["attention_mask"].sum()) / (time.perf_counter() - start))
    return statistics.median(rates), sum(p.numel() for p in params) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="measured optimizer steps per method")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args(argv)
    import torch
    from peft import LoraConfig, get_peft_model

    from kgrec.agent.llm import LocalLM, ModelConfig, load_base
    from kgrec.finetune.config import load_config
    from kgrec.kg.locations import REPO_ROOT

    model, tokenizer = load_base(ModelConfig(adapter=None, device="cpu"))
    rows = examples(LocalLM(model, tokenizer), (args.steps + 1) * args.batch_size)
    full_rate, full_params = throughput(model, rows, args.batch_size, args.steps, tokenizer.pad_token_id)
    results = [["full fine-tuning (baseline)", full_params, full_rate, 1.0]]
    shipped = load_config(REPO_ROOT / "configs" / "smollm2-cpu.yaml")
    for layers, label in ((0, "all 30 layers"), (shipped.lora_layers, f"top {shipped.lora_layers} layers (shipped)")):
        model, _ = load_base(ModelConfig(adapter=None, device="cpu"))
        n = model.config.num_hidden_layers
        top = list(range(n - layers, n)) if layers else None
        lora = get_peft_model(model, LoraConfig(r=shipped.lora_r, lora_alpha=shipped.lora_alpha, layers_to_transform=top,
                                                target_modules=shipped.target_modules, task_type="CAUSAL_LM"))
        rate, params = throughput(lora, rows, args.batch_size, args.steps, tokenizer.pad_token_id)
        results.append([f"LoRA r={shipped.lora_r}, 7 projections, {label}", params, rate, rate / full_rate])
    print(f"SmolLM2-135M on CPU ({torch.get_num_threads()} threads), batch {args.batch_size}, "
          f"median of {args.steps} steps")
    print(markdown_table(["method", "trainable M params", "tokens/s", "speed-up"], results))
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
