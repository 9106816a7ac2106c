"""Short-run ablations of the dense encoder's training ingredients, on the valid split.

One process loads SmolLM2-135M, the base index of the item texts and every text's frozen
lower-layer states once, then trains each variant from the same LoRA start for ``--steps``
steps (the item side and the pairs of ``kgrec.finetune.dense``: ``ItemSide``, ``kgrec.finetune.dense_pairs``)
and reports whole-catalog valid Recall@10 as ``kgrec.finetune.dense`` validates::

    python -m kgrec.bench.dense_ablation --steps 60 --variants frozen,table,table+content,table+kg,shared

A variant is an item side (frozen, table, shared) and '+'-joined extra pairs (content, kg).
Short runs rank the ingredients; they are not the final numbers (the long run's are).
"""
from __future__ import annotations

import argparse
import random
import time


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/smollm2-dense-table-cpu.yaml")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--variants", default="frozen,table,table+content,table+kg,shared")
    parser.add_argument("--item-text", default=None, help="card or document (default: the config's)")
    parser.add_argument("--train-pairs", type=int, default=0, help="ReDial pairs used (0: all); content and "
                        "KG pairs scale with them")
    parser.add_argument("--catalog", type=int, default=0, help="score over a sub-catalog: the valid and the most "
                        "frequent train targets, this many items (0: the whole catalog)")
    parser.add_argument("--batch-size", type=int, default=0, help="0: the config's")
    args = parser.parse_args(argv)
    import torch
    from peft import get_peft_model_state_dict, set_peft_model_state_dict

    from kgrec.agent.encoder import Encoder, EncoderConfig
    from kgrec.evaluation.turns import split_turns
    from kgrec.finetune.config import load_config
    from kgrec.finetune.dense import _item_side, lower_states, pairs, query_vectors, recall_at
    from kgrec.finetune.dense_items import ItemSide
    from kgrec.finetune.dense_pairs import content_pairs, kg_pairs
    from kgrec.finetune.model import make_model
    from kgrec.kg.storage.store import load_movie_graph

    overrides = {"item_side": "shared", "hard_negatives": 0}
    if args.item_text:
        overrides["item_text"] = args.item_text
    config = load_config(args.config, overrides)
    variants = [v.split("+") for v in args.variants.split(",")]
    G, started = load_movie_graph(), time.perf_counter()
    model, tokenizer = make_model(config)
    encoder = Encoder(model, tokenizer, EncoderConfig(layers=config.dense_layers, max_card_tokens=config.max_item_tokens))
    frozen = config.dense_layers - config.lora_layers
    need_shared = any(v[0] == "shared" for v in variants)
    if args.batch_size:
        config = load_config(args.config, {**overrides, "batch_size": args.batch_size})
    index = _sub_index(G, _item_side(load_config(args.config, {**overrides, "item_side": "frozen"}), G, encoder,
                                     model, None, frozen)[0], args.catalog)
    items = [int(i) for i in index.items]
    shared = None
    if need_shared:
        from kgrec.agent.encoder import item_texts

        with model.disable_adapter():
            states = encoder.lower(item_texts(G, items, config.item_text), frozen, config.max_item_tokens, head=True)
        shared = ItemSide("shared", index, encoder, frozen, states)
    redial = pairs(G, split_turns(G, "train"), index, 4 if need_shared else 0)
    ratio = min(1.0, args.train_pairs / len(redial)) if args.train_pairs else 1.0
    redial = redial[:args.train_pairs or None]
    valid = pairs(G, split_turns(G, "valid"), index)
    extra = {"content": content_pairs(G, items, int((config.content_pairs or 3000) * ratio), config.seed),
             "kg": kg_pairs(G, items, int((config.kg_pairs or 1500) * ratio), config.seed)}
    lowered = lower_states(encoder, [p.text for p in redial + valid + extra["content"] + extra["kg"]], frozen)
    start_lora = {k: v.clone() for k, v in get_peft_model_state_dict(model).items()}
    print(f"setup {time.perf_counter() - started:.0f} s; {len(redial)} ReDial pairs, {len(valid)} valid, "
          f"{len(items)} items", flush=True)
    rows = []
    for variant in variants:
        set_peft_model_state_dict(model, start_lora)
        torch.manual_seed(config.seed)
        side = shared if variant[0] == "shared" else ItemSide(variant[0], index, encoder, frozen)
        train = [p if variant[0] == "shared" else p.__class__(p.text, p.target, p.context, (), p.kind) for p in redial]
        for name in variant[1:]:
            train += extra[name]
        random.Random(config.seed).shuffle(train)
        params = [p for p in model.parameters() if p.requires_grad]
        groups = [{"params": params}] + [{"params": side.parameters(), "lr": config.item_learning_rate,
                                          "weight_decay": 0.0} for _ in side.parameters()[:1]]
        optimizer = torch.optim.AdamW(groups, lr=config.learning_rate, weight_decay=config.weight_decay)
        warm = max(1, args.steps // 10)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warm))
        model.train()
        t0 = time.perf_counter()
        for step in range(args.steps):
            batch = [train[(step * config.batch_size + i) % len(train)] for i in range(config.batch_size)]
            loss = side.loss(query_vectors(encoder, index, [lowered[p.text] for p in batch], frozen), batch,
                             config.temperature)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
        seconds = time.perf_counter() - t0
        model.eval()
        value = recall_at(encoder, index, side.catalog(), valid, lowered, frozen)
        rows.append(("+".join(variant), value, seconds, float(loss.detach())))
        print(f"{'+'.join(variant)}: valid recall@10 {value:.4f} after {args.steps} steps "
              f"({seconds:.0f} s training, last loss {float(loss.detach()):.3f})", flush=True)
    print(f"\n| variant ({config.item_text}s, {args.steps} steps of {config.batch_size}, {len(items)} items) "
          "| valid R@10 | training s |\n|---|---|---|")
    for name, value, seconds, _ in rows:
        print(f"| {name} | {value:.3f} | {seconds:.0f} |")


def _sub_index(G, index, n: int):
    """``index`` restricted to the valid split's targets and the most frequent train targets, ``n`` items."""
    if not n:
        return index
    from collections import Counter

    from kgrec.agent.encoder import DenseIndex
    from kgrec.evaluation.turns import split_turns

    counts = Counter(t for split in ("train", "valid") for turn in split_turns(G, split) for t in turn.targets)
    valid = {t for turn in split_turns(G, "valid") for t in turn.targets}
    chosen = set(valid)
    for t, _ in counts.most_common():
        if len(chosen) >= n:
            break
        chosen.add(t)
    keep = [i for i, item in enumerate(index.items) if int(item) in chosen]
    return DenseIndex(index.items[keep], index.vectors[keep], index.mean, index.scale)


if __name__ == "__main__":
    main()
