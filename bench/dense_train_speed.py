"""Dense-encoder training throughput: the frozen lower layers run once per conversation vs every step.

Usage:
    .venv/bin/python -m kgrec.bench.dense_train_speed --steps 4 --batch-size 32

Both run the shipped dense recipe (``configs/smollm2-dense-cpu.yaml``: 8 encoder layers, LoRA on the
top 4) on the same real ReDial train pairs (``kgrec.finetune.dense.pairs``), forward + full-catalog
softmax + backward + AdamW, batch by batch. The baseline runs all 8 layers every step; the cached
variant runs layers 1-4 once for the pairs (``Encoder.lower``, its time shown) and only layers 5-8
per step (``Encoder.upper``). tokens/s counts the conversations' tokens.
"""
from __future__ import annotations

import argparse
import statistics
import time

from kgrec.evaluation.report import markdown_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="measured optimizer steps per method (after one warm-up)")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    import torch

    from kgrec.agent.encoder import Encoder, EncoderConfig, build_index, model_id, pool
    from kgrec.evaluation.turns import split_turns
    from kgrec.finetune.config import load_config
    from kgrec.finetune.dense import loss_of, lower_states, pairs
    from kgrec.finetune.model import make_model
    from kgrec.kg.graph import catalog
    from kgrec.kg.locations import REPO_ROOT
    from kgrec.kg.storage.store import load_movie_graph

    config = load_config(REPO_ROOT / "configs" / "smollm2-dense-cpu.yaml")
    G = load_movie_graph()
    model, tokenizer = make_model(config)
    encoder = Encoder(model, tokenizer, EncoderConfig(layers=config.dense_layers))
    with model.disable_adapter():
        index = build_index(encoder, G, catalog(G), model_id(model.get_base_model()))
    items = torch.from_numpy(index.vectors)
    n = (args.steps + 1) * args.batch_size
    train = pairs(G, split_turns(G, "train"), index)[:n]
    params = [p for p in model.parameters() if p.requires_grad]
    frozen = config.dense_layers - config.lora_layers

    def every_layer_loss(batch):  # the baseline: all the encoder's layers, every step
        encoded = encoder._batch([p.text for p in batch], encoder.config.max_query_tokens)
        raw = pool(encoder.hidden(encoded), encoded["attention_mask"])
        mean, scale = (torch.from_numpy(a).to(raw) for a in (index.mean, index.scale))
        q = torch.nn.functional.normalize((raw - mean) / scale, dim=-1)
        logits = q @ items.T / config.temperature
        return torch.nn.functional.cross_entropy(logits, torch.tensor([p.target for p in batch]))

    def rate(loss_fn, tokens_of) -> float:
        optimizer = torch.optim.AdamW(params, lr=config.learning_rate)
        rates = []
        model.train()
        for step in range(args.steps + 1):
            batch = train[step * args.batch_size:(step + 1) * args.batch_size]
            start = time.perf_counter()
            loss_fn(batch).backward()
            optimizer.step()
            optimizer.zero_grad()
            if step:
                rates.append(sum(tokens_of(p) for p in batch) / (time.perf_counter() - start))
        return statistics.median(rates)

    started = time.perf_counter()
    lowered = lower_states(encoder, [p.text for p in train], frozen)
    lower_s = time.perf_counter() - started
    base = rate(every_layer_loss, lambda p: len(lowered[p.text]))
    cached = rate(lambda b: loss_of(encoder, index, items, b, config.temperature, lowered, frozen),
                  lambda p: len(lowered[p.text]))
    print(f"SmolLM2-135M dense encoder ({config.dense_layers} layers, LoRA on the top {config.lora_layers}) on CPU "
          f"({torch.get_num_threads()} threads), batch {args.batch_size}, median of {args.steps} steps; "
          f"the {frozen} frozen layers for these {len(train)} pairs took {lower_s:.1f} s once")
    print(markdown_table(["method", "tokens/s", "speed-up"],
                         [[f"all {config.dense_layers} layers every step (baseline)", base, 1.0],
                          [f"layers 1-{frozen} once, {frozen + 1}-{config.dense_layers} per step (shipped)", cached,
                           cached / base]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
