"""finetune: examples from the KG and histories, config precedence, LoRA training, resume."""
import json

import pytest
import torch
from safetensors.torch import load_file

from kgrec.agent.ranking import RankConfig, RankContext
from kgrec.evaluation.turns import EvalTurn
from kgrec.evaluation.validation import RankCase
from kgrec.finetune.config import TrainConfig, load_config
from kgrec.finetune.data import Collator, encode, history_examples, kg_examples
from kgrec.finetune.train import train
from kgrec.kg.errors import KgrecError
from kgrec.kg.schema import Candidate
from kgrec.kg.sources.redial import Turn, Utterance

TURNS = [Turn(dialog_id=str(i), context=(Utterance("seeker", f"i like {liked}"),), mentioned=(m,), liked=(m,),
              disliked=(), targets=(t,))
         for i, (m, liked, t) in enumerate([(1, "alien", 2), (3, "heat", 6), (5, "titanic", 8), (7, "police academy", 4)])]
VALID = [RankCase(EvalTurn("d", "d#0", (Utterance("seeker", "i like alien"),), (1,), (2,)),
                  RankContext((1,), (), "User: i like alien"), (Candidate(3, 0.9), Candidate(2, 0.5), Candidate(8, 0.1)))]


def tiny_config(folder, out, **kw):
    values = dict(model=str(folder), output=str(out), device="cpu", max_steps=16, batch_size=4, grad_accumulation=1,
                  learning_rate=5e-2, warmup=0, lr_schedule="constant", kg_examples=12, eval_every=4, patience=0,
                  save_every=4, logging_steps=1, report_to="none", lora_r=4, lora_alpha=8, lora_dropout=0.0,
                  target_modules=["q_proj", "v_proj", "o_proj", "up_proj", "down_proj"], max_length=96)
    values.setdefault("lora_layers", 0)
    values.update(kw)
    return TrainConfig(**values)


def test_kg_examples_ask_about_real_facts(tiny_lm, tiny_movies):
    examples = kg_examples(tiny_lm, tiny_movies, 30, seed=0)
    pairs = {(e.prompt.split("\n")[-3], e.completion) for e in examples}
    assert examples and all(e.kind == "kg" for e in examples)
    assert ("Who directed police academy?", "hugh wilson") in pairs or \
           ("Name a movie directed by hugh wilson.", "police academy") in pairs or \
           any("hugh wilson directed police academy" in e.completion for e in examples)


def test_history_examples_end_with_the_suggested_title(tiny_lm, tiny_movies):
    examples = history_examples(tiny_lm, tiny_movies, TURNS, RankConfig())
    assert [e.completion for e in examples] == ["aliens", "the matrix", "the notebook", "frozen"]
    assert "Liked: alien" in examples[0].prompt


def test_encode_puts_the_loss_on_the_completion_only(tiny_lm, tiny_movies):
    rows = encode(tiny_lm, history_examples(tiny_lm, tiny_movies, TURNS, RankConfig()), max_length=64)
    completion = tiny_lm.continuation_ids(["aliens"])[0] + [tiny_lm.tokenizer.eos_token_id]
    assert [t for t in rows[0]["labels"] if t != -100] == completion
    assert all(len(r["input_ids"]) <= 64 for r in rows)
    batch = Collator(0)(rows[:2])
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape


def test_lora_training_lowers_the_loss_and_writes_the_adapter_folder(tiny_lm_dir, tiny_movies, tmp_path):
    out = tmp_path / "adapter"
    metrics = train(tiny_config(tiny_lm_dir, out, kg_examples=0), G=tiny_movies, train_turns=TURNS, valid=VALID)
    losses = [h["loss"] for h in metrics["history"] if "loss" in h]
    assert losses[-1] < losses[0] * 0.8
    for name in ("adapter_model.safetensors", "adapter_config.json", "metrics.json", "curve.png", "train_config.yaml"):
        assert (out / name).exists(), name
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["global_step"] == 16 and saved["train_tokens_per_s"] > 0
    assert any("eval_recall@10" in h for h in saved["history"])
    assert saved["examples"]["history"] == 4
    assert saved["best_step"] in (4, 8, 12, 16)  # a trained step, never the untouched base (step 0)
    assert saved["base_recall@10"] is not None


def test_resume_continues_from_the_checkpoint_step(tiny_lm_dir, tiny_movies, tmp_path):
    config = tiny_config(tiny_lm_dir, tmp_path / "full", eval_every=0, max_steps=8)
    train(config, G=tiny_movies, train_turns=TURNS, valid=[])
    killed = tiny_config(tiny_lm_dir, tmp_path / "killed", eval_every=0, max_steps=8)
    train(killed, G=tiny_movies, train_turns=TURNS, valid=[])
    import shutil

    shutil.rmtree(tmp_path / "killed" / "checkpoints" / "checkpoint-8")  # as if killed after step 4..7
    metrics = train(killed, resume=True, G=tiny_movies, train_turns=TURNS, valid=[])
    steps = [h["step"] for h in metrics["history"] if "loss" in h]
    assert metrics["global_step"] == 8 and steps == sorted(set(steps)) and steps[-1] == 8
    full = load_file(tmp_path / "full" / "adapter_model.safetensors")
    resumed = load_file(tmp_path / "killed" / "adapter_model.safetensors")
    assert all(torch.allclose(full[k], resumed[k], atol=1e-4) for k in full)


@pytest.mark.parametrize("damage", ["missing", "torn"])
def test_resume_falls_back_past_a_half_written_checkpoint(tiny_lm_dir, tiny_movies, tmp_path, capsys, damage):
    full = tiny_config(tiny_lm_dir, tmp_path / "full", eval_every=0, max_steps=8)
    train(full, G=tiny_movies, train_turns=TURNS, valid=[])
    killed = tiny_config(tiny_lm_dir, tmp_path / "killed", eval_every=0, max_steps=8)
    train(killed, G=tiny_movies, train_turns=TURNS, valid=[])
    newest = tmp_path / "killed" / "checkpoints" / "checkpoint-8"  # killed while saving step 8
    if damage == "missing":
        (newest / "optimizer.pt").unlink()
    else:
        raw = (newest / "adapter_model.safetensors").read_bytes()
        (newest / "adapter_model.safetensors").write_bytes(raw[: len(raw) // 2])
    previous = newest.parent / "checkpoint-4" / "trainer_state.json"
    saved = json.loads(previous.read_text())
    saved["log_history"].append({"step": 4, "mark": "from checkpoint-4"})  # survives only a resume from it
    previous.write_text(json.dumps(saved))
    capsys.readouterr()
    metrics = train(killed, resume=True, G=tiny_movies, train_turns=TURNS, valid=[])
    assert f"skipping the half-written checkpoint {newest}" in capsys.readouterr().err
    assert metrics["global_step"] == 8 and {"step": 4, "mark": "from checkpoint-4"} in metrics["history"]
    a, b = load_file(tmp_path / "full" / "adapter_model.safetensors"), load_file(tmp_path / "killed" / "adapter_model.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-4) for k in a)


def test_resume_with_only_half_written_checkpoints_is_refused(tiny_lm_dir, tmp_path):
    folder = tmp_path / "a" / "checkpoints" / "checkpoint-4"
    folder.mkdir(parents=True)
    (folder / "trainer_state.json").write_text("{")
    with pytest.raises(KgrecError, match="no complete checkpoint"):
        train(tiny_config(tiny_lm_dir, tmp_path / "a"), resume=True, train_turns=[], valid=[])


def test_resume_without_a_checkpoint_is_refused(tiny_lm_dir, tmp_path):
    with pytest.raises(KgrecError, match="no complete checkpoint"):
        train(tiny_config(tiny_lm_dir, tmp_path / "none"), resume=True, train_turns=[], valid=[])


def test_empty_data_set_is_refused(tiny_lm_dir, tiny_movies, tmp_path):
    with pytest.raises(KgrecError, match="no training examples"):
        train(tiny_config(tiny_lm_dir, tmp_path / "a", kg_examples=0), G=tiny_movies, train_turns=[], valid=[])


def test_config_precedence_defaults_then_yaml_then_flags(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("max_steps: 7\nlearning_rate: 0.001\n")
    config = load_config(path, {"max_steps": 3, "batch_size": None})
    assert (config.max_steps, config.learning_rate, config.batch_size) == (3, 0.001, TrainConfig().batch_size)


def test_the_checkpoint_interval_is_a_flag_over_the_yaml_over_the_default(tmp_path):
    from kgrec.finetune.cli import FLAGS, add_arguments
    import argparse

    path = tmp_path / "c.yaml"
    path.write_text("save_every: 10\n")
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    def config(*argv):
        args = parser.parse_args(["--config", str(path), *argv])
        return load_config(args.config, {name: getattr(args, name) for name, _, _ in FLAGS.values()})

    assert TrainConfig().save_every == 50 and config().save_every == 10 and config("--save-every", "7").save_every == 7
    with pytest.raises(KgrecError, match="save_every=0"):
        config("--save-every", "0")


def test_every_train_config_field_is_a_flag_and_a_bad_value_is_one_usage_line(capsys):
    import argparse
    from dataclasses import fields

    from kgrec.finetune.cli import FLAGS, add_arguments

    assert {name for name, _, _ in FLAGS.values()} == {f.name for f in fields(TrainConfig)} and "--lora-layers" in FLAGS
    parser = argparse.ArgumentParser(prog="finetune")
    add_arguments(parser)
    args = parser.parse_args(["--lora-layers", "4", "--validate-base", "false", "--warmup", "0.1",
                              "--target-modules", "q_proj", "v_proj"])
    assert (args.lora_layers, args.validate_base, args.warmup) == (4, False, 0.1)
    assert args.target_modules == ["q_proj", "v_proj"] and parser.parse_args(["--no-validate-base"]).validate_base is False
    assert parser.parse_args([]).max_steps is None  # unset: the YAML's value stands
    with pytest.raises(SystemExit):
        parser.parse_args(["--max-steps", "lots"])
    assert "--max-steps: invalid int value: 'lots'" in capsys.readouterr().err


def test_yaml_typo_is_an_error_naming_the_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("max_step: 7\n")
    with pytest.raises(KgrecError, match="'max_step'.*max_steps"):
        load_config(path)


def test_bad_value_names_field_and_options():
    with pytest.raises(KgrecError, match="lr_schedule"):
        TrainConfig(lr_schedule="cosine_restarts_forever")


def test_shipped_configs_load():
    from kgrec.kg.locations import REPO_ROOT

    for name in ("smollm2-cpu.yaml", "qwen-gpu-4bit.yaml"):
        config = load_config(REPO_ROOT / "configs" / name)
        assert config.max_steps >= 1


def test_cli_registers_finetune_with_its_flags():
    import argparse

    from kgrec.finetune.cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["finetune", "--config", "c.yaml", "--max-steps", "5", "--resume", "--output", "o"])
    assert (args.config, args.max_steps, args.resume, args.output) == ("c.yaml", 5, True, "o")
    assert parser.parse_args(["finetune", "--save-every", "7"]).save_every == 7


def dense_config(folder, out, **kw):
    return tiny_config(folder, out, objective="dense", dense_layers=2, lora_layers=1, batch_size=4,
                       learning_rate=2e-2, temperature=0.1, eval_every=4, **kw)


def test_dense_training_pulls_conversations_towards_their_movies(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.finetune.dense import train_dense

    out = tmp_path / "dense"
    metrics = train_dense(dense_config(tiny_lm_dir, out, max_steps=24), G=tiny_movies, train_turns=TURNS,
                          valid_turns=TURNS, index_folder=tmp_path / "index")
    losses = [h["loss"] for h in metrics["history"] if "loss" in h]
    assert losses[-1] < losses[0] * 0.7
    assert metrics["pairs"] == {"train": 4, "valid": 4, "redial": 4, "content": 0, "kg": 0}
    assert metrics["base_recall@10"] is not None
    assert (out / "adapter_model.safetensors").exists() and (out / "curve.png").exists()
    saved = load_file(out / "adapter_model.safetensors")
    assert saved and all(".layers.1." in k for k in saved)  # LoRA on the encoder's top layer only


def test_dense_training_resumes_to_the_same_adapter(tiny_lm_dir, tiny_movies, tmp_path):
    import shutil

    from kgrec.finetune.dense import train_dense

    kw = dict(G=tiny_movies, train_turns=TURNS, valid_turns=[], index_folder=tmp_path / "index")
    train_dense(dense_config(tiny_lm_dir, tmp_path / "full", max_steps=8), **kw)
    killed = dense_config(tiny_lm_dir, tmp_path / "killed", max_steps=8)
    train_dense(killed, **kw)
    shutil.rmtree(tmp_path / "killed" / "checkpoints" / "step-8")  # as if killed after step 4
    metrics = train_dense(killed, resume=True, **kw)
    assert metrics["global_step"] == 8
    full = load_file(tmp_path / "full" / "adapter_model.safetensors")
    resumed = load_file(tmp_path / "killed" / "adapter_model.safetensors")
    assert all(torch.allclose(full[k], resumed[k], atol=1e-4) for k in full)


def test_dense_resume_falls_back_past_a_half_written_checkpoint(tiny_lm_dir, tiny_movies, tmp_path, capsys):
    from kgrec.finetune.dense import train_dense

    kw = dict(G=tiny_movies, train_turns=TURNS, valid_turns=[], index_folder=tmp_path / "index")
    train_dense(dense_config(tiny_lm_dir, tmp_path / "full", max_steps=8), **kw)
    killed = dense_config(tiny_lm_dir, tmp_path / "killed", max_steps=8)
    train_dense(killed, **kw)
    (tmp_path / "killed" / "checkpoints" / "step-8" / "trainer.pt").write_bytes(b"PK\x03\x04 torn")
    capsys.readouterr()
    metrics = train_dense(killed, resume=True, **kw)
    assert "step-8" in capsys.readouterr().err and metrics["global_step"] == 8
    full = load_file(tmp_path / "full" / "adapter_model.safetensors")
    resumed = load_file(tmp_path / "killed" / "adapter_model.safetensors")
    assert all(torch.allclose(full[k], resumed[k], atol=1e-4) for k in full)


def test_dense_config_refuses_lora_above_the_encoder():
    with pytest.raises(KgrecError, match="lora_layers=9: expected at most dense_layers=8"):
        TrainConfig(objective="dense", dense_layers=8, lora_layers=9)
    with pytest.raises(KgrecError, match="objective='ranks'"):
        TrainConfig(objective="ranks")


def test_an_imported_graph_trains_on_its_own_turns(tmp_path, monkeypatch):
    from kgrec.evaluation.turns import split_turns
    from kgrec.kg.storage.registry import load_graph
    from kgrec.kgrec_cli import main
    from tests.kg.test_import_unicrs import COLLATERAL, HEAT, SCARFACE, write_unicrs

    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    paths = write_unicrs(tmp_path / "kg")
    assert main(["kg", "import", "--unicrs", str(tmp_path / "kg"), "--dialogues", f"train={paths['train']}",
                 "--dialogues", f"valid={paths['valid']}", "--name", "tiny"]) == 0
    G = load_graph("tiny")
    train, valid = split_turns(G, "train"), split_turns(G, "valid")
    assert [t.targets for t in train] == [(COLLATERAL, SCARFACE), (COLLATERAL,)]
    assert train[0].context[-1].role == "seeker" and train[0].mentioned == (HEAT,)
    assert [t.targets for t in valid] == [(HEAT,)] and valid[0].context[0].text == "Something like Scarface"
    assert SCARFACE in G
