"""The model a fine-tuning run trains: the base LM (``kgrec.agent.llm.load_base``) with LoRA on it
(``kgrec.finetune.train`` and ``kgrec.finetune.dense`` both start here)."""
from __future__ import annotations

import os

import torch

from kgrec.agent.llm import ModelConfig, import_peft, load_base
from kgrec.finetune.config import TrainConfig
from kgrec.kg.errors import KgrecError


def device_for(config: TrainConfig) -> str:
    if config.device == "auto" and torch.cuda.is_available() and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return f"cuda:{os.environ.get('LOCAL_RANK', '0')}"  # one process per GPU under accelerate launch
    return config.device


def make_model(config: TrainConfig):
    """(peft model ready to train, tokenizer)."""
    peft = import_peft()  # without CUDA: no bitsandbytes (4/8-bit needs CUDA; load_base says so)
    LoraConfig, get_peft_model, prepare_model_for_kbit_training = (
        peft.LoraConfig, peft.get_peft_model, peft.prepare_model_for_kbit_training)

    model_config = ModelConfig(model=config.model, adapter=None, quantize=config.quantize, device=device_for(config))
    model, tokenizer = load_base(model_config)
    if getattr(model, "is_loaded_in_4bit", False) or getattr(model, "is_loaded_in_8bit", False):
        model = prepare_model_for_kbit_training(model)
    layers = config.dense_layers if config.objective == "dense" else model.config.num_hidden_layers
    top = list(range(max(0, layers - config.lora_layers), layers)) if config.lora_layers else None
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=list(config.target_modules), layers_to_transform=top, task_type="CAUSAL_LM")
    try:
        peft_model = get_peft_model(model, lora)
    except ValueError as e:
        raise KgrecError(f"target_modules={config.target_modules}: {str(e).splitlines()[0]}") from e
    return peft_model, tokenizer
