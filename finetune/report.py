"""What a fine-tuning run leaves beside its adapter: ``metrics.json``, ``train_config.yaml``, ``curve.png``
(``kgrec.finetune.train`` and ``kgrec.finetune.dense`` both write it)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from kgrec.finetune.config import TrainConfig


def write_report(output: Path, config: TrainConfig, history: list[dict], extra: dict) -> dict:
    """``metrics.json``, ``train_config.yaml`` and ``curve.png`` beside the adapter."""
    output.mkdir(parents=True, exist_ok=True)
    metrics = {**extra, "config": config.to_dict(), "history": history}
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    (output / "train_config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
    plot_curve(history, output / "curve.png", config.metric,
               "whole catalog" if config.objective == "dense" else "reranked")
    return metrics


def plot_curve(history: list[dict], path: Path, metric: str, scope: str = "reranked") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loss = [(h["step"], h["loss"]) for h in history if "loss" in h]
    evals = [(h["step"], h[f"eval_{metric}"]) for h in history if f"eval_{metric}" in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    if loss:
        ax.plot(*zip(*loss), color="tab:blue", label="train loss")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("train loss", color="tab:blue")
    if evals:
        right = ax.twinx()
        right.plot(*zip(*evals), "o-", color="tab:orange", label=f"valid {metric}")
        right.set_ylabel(f"valid {metric} ({scope})", color="tab:orange")
    ax.set_title("kgrec LoRA fine-tuning" + (" of the dense encoder" if scope == "whole catalog" else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
