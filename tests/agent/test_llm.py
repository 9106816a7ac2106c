"""kgrec.agent.llm: scoring with the shared-prefix cache, constrained choice, streaming, loading errors."""
import json

import pytest
import torch

from kgrec.agent.llm import ModelConfig, attach_adapter, load_lm
from kgrec.kg.errors import KgrecError

PROMPT = "the user liked alien and heat . recommend one movie :"
TITLES = ["aliens", "frozen", "the matrix", "police academy", "titanic", "the notebook", "heat"]


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_shared_prefix_cache_gives_the_same_scores_as_naive_batching(tiny_lm, attention):
    tiny_lm.model.set_attn_implementation(attention)  # the packed 4D mask must suit both kernels
    for normalize in (False, True):
        cached = tiny_lm.score(PROMPT, TITLES, normalize=normalize, shared_prefix=True)
        naive = tiny_lm.score(PROMPT, TITLES, normalize=normalize, shared_prefix=False)
        assert cached == pytest.approx(naive, abs=1e-4)


def test_scores_do_not_depend_on_packing_or_chunking(tiny_lm):
    together = tiny_lm.score(PROMPT, TITLES, normalize=False)
    alone = [tiny_lm.score(PROMPT, [t], normalize=False)[0] for t in TITLES]
    tiny_lm.pack_tokens = 3  # several packed forwards, the cache cropped back to the prompt between them
    packs = tiny_lm.score(PROMPT, TITLES, normalize=False)
    tiny_lm.chunk_size = 2
    chunked = tiny_lm.score(PROMPT, TITLES, normalize=False, shared_prefix=False)
    assert together == pytest.approx(alone, abs=1e-4)
    assert packs == pytest.approx(together, abs=1e-4)
    assert chunked == pytest.approx(together, abs=1e-4)


def test_one_token_and_repeated_continuations_score_like_naive(tiny_lm):
    options = ["a", "heat", "heat", "a b c d e f g h", "a"]
    packed = tiny_lm.score(PROMPT, options, normalize=False)
    assert packed == pytest.approx(tiny_lm.score(PROMPT, options, normalize=False, shared_prefix=False), abs=1e-4)
    assert packed[1] == pytest.approx(packed[2], abs=1e-5) and packed[0] == pytest.approx(packed[4], abs=1e-5)


def test_score_is_a_log_likelihood_and_normalised_is_the_mean_per_token(tiny_lm):
    raw = tiny_lm.score(PROMPT, TITLES, normalize=False)
    mean = tiny_lm.score(PROMPT, TITLES, normalize=True)
    lengths = [len(ids) for ids in tiny_lm.continuation_ids(TITLES)]
    assert all(r < 0 for r in raw)
    assert mean == pytest.approx([r / n for r, n in zip(raw, lengths)], abs=1e-5)


def test_choose_never_answers_outside_the_options(tiny_lm):
    for options in (["yes", "no"], TITLES, ["zzz unknown words", "qqq"]):
        choice = tiny_lm.choose(PROMPT, options)
        assert choice in range(len(options))
        scores = tiny_lm.score(PROMPT, options)
        assert scores[choice] == max(scores)


def test_stream_yields_text_pieces(tiny_lm):
    pieces = list(tiny_lm.stream(PROMPT, max_new_tokens=5))
    assert pieces and all(isinstance(p, str) for p in pieces)


def test_chat_prompt_without_template_keeps_both_parts(tiny_lm):
    prompt = tiny_lm.chat_prompt("you recommend movies", "i like heat")
    assert "you recommend movies" in prompt and prompt.rstrip().endswith("i like heat")


def test_model_folder_loads_and_scores_like_the_model_in_memory(tiny_lm, tiny_lm_dir):
    lm = load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=None, device="cpu"))
    assert lm.score(PROMPT, TITLES) == pytest.approx(tiny_lm.score(PROMPT, TITLES), abs=1e-5)


def test_unknown_model_path_is_one_clear_error(tmp_path):
    with pytest.raises(KgrecError, match="not found"):
        load_lm(ModelConfig(model=str(tmp_path / "nowhere")))
    with pytest.raises(KgrecError, match="no config.json"):
        load_lm(ModelConfig(model=str(tmp_path)))


def test_the_float_copy_of_a_gguf_is_keyed_by_its_bytes_not_its_path(tmp_path, monkeypatch):
    from kgrec.agent.weights import _gguf_cache_folder

    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    a, b = tmp_path / "one" / "m.gguf", tmp_path / "two" / "m.gguf"
    a.write_bytes(b"GGUF" + bytes(range(256)) * 10)
    b.write_bytes(a.read_bytes())  # another checkout's copy, with another date
    assert _gguf_cache_folder(a) == _gguf_cache_folder(b)
    b.write_bytes(a.read_bytes()[:-1] + b"x")  # a changed file never reuses the old copy
    assert _gguf_cache_folder(a) != _gguf_cache_folder(b)


def test_unreadable_gguf_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF this is not a model")
    with pytest.raises(KgrecError, match="unreadable GGUF"):
        load_lm(ModelConfig(model=str(bad)))


def test_hub_id_is_not_downloaded_unless_asked(monkeypatch):
    with pytest.raises(KgrecError, match="offline"):
        load_lm(ModelConfig(model="nobody/no-such-model-kgrec"))


def test_bad_quantize_value_names_the_options():
    with pytest.raises(KgrecError, match="4bit"):
        ModelConfig(quantize="3bit")


def test_quantize_on_cpu_warns_and_falls_back_to_float(tiny_lm_dir):
    with pytest.warns(UserWarning, match="CUDA"):
        lm = load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=None, quantize="4bit", device="cpu"))
    assert next(lm.model.parameters()).dtype == torch.float32


def _save_adapter(model, folder):
    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_()  # a non-trivial adapter
    peft_model.save_pretrained(folder)
    return peft_model


def test_corrupt_adapter_is_one_clear_error(tiny_lm_dir, tmp_path, tiny_model_factory):
    make_tiny_model = tiny_model_factory
    folder = tmp_path / "adapter"
    _save_adapter(make_tiny_model(), folder)
    (folder / "adapter_model.safetensors").write_bytes(b"garbage")
    with pytest.raises(KgrecError, match="adapter"):
        load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=str(folder)))
    with pytest.raises(KgrecError, match="not a peft adapter"):
        load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=str(tmp_path)))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_an_adapter_with_non_finite_weights_is_refused(tiny_lm_dir, tmp_path, tiny_model_factory, bad):
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "adapter"
    _save_adapter(tiny_model_factory(), folder)
    weights = load_file(folder / "adapter_model.safetensors")
    name = sorted(weights)[0]
    weights[name].view(-1)[0] = bad
    save_file(weights, folder / "adapter_model.safetensors")
    with pytest.raises(KgrecError, match=r"non-finite \(NaN/inf\) weights in 1 tensors") as e:
        load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=str(folder)))
    assert "\n" not in str(e.value)


def test_an_adapter_without_its_weights_file_says_so(tiny_lm_dir, tmp_path, tiny_model_factory):
    folder = tmp_path / "adapter"
    _save_adapter(tiny_model_factory(), folder)
    (folder / "adapter_model.safetensors").unlink()
    with pytest.raises(KgrecError, match="the adapter's weights are missing") as e:
        load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=str(folder)))
    assert "Repo id" not in str(e.value)


def test_adapter_for_another_base_model_is_one_clear_error(tmp_path, tiny_model_factory):
    make_tiny_model = tiny_model_factory
    folder = tmp_path / "adapter"
    _save_adapter(make_tiny_model(hidden=48), folder)
    with pytest.raises(KgrecError, match="does not fit"):
        attach_adapter(make_tiny_model(hidden=32), folder)


def test_adapter_save_and_load_gives_identical_logits(tiny_lm_dir, tmp_path, tiny_model_factory):
    make_tiny_model = tiny_model_factory
    folder = tmp_path / "adapter"
    trained = _save_adapter(make_tiny_model(), folder).eval()
    lm = load_lm(ModelConfig(model=str(tiny_lm_dir), adapter=str(folder), device="cpu"))
    ids = torch.tensor([[5, 9, 17, 23, 40]])
    with torch.no_grad():
        expected, got = trained(input_ids=ids).logits, lm.model(input_ids=ids).logits
        plain = make_tiny_model()(input_ids=ids).logits
    assert torch.allclose(expected, got, atol=1e-6)
    assert not torch.allclose(plain, got, atol=1e-3)  # the adapter really changes the model
    assert json.loads((folder / "adapter_config.json").read_text())["r"] == 4


@pytest.mark.slow
def test_embedded_model_loads_from_the_cache_and_prefers_sensible_titles():
    lm = load_lm(ModelConfig(adapter=None))
    prompt = lm.chat_prompt("You recommend movies.", "I loved Alien (1979). Which movie should I watch next?")
    sensible, same, nonsense = lm.score(prompt, ["Aliens (1986)", "Aliens (1986)", "Xq zzv Blorp (1066)"])
    assert sensible == pytest.approx(same, rel=1e-4, abs=1e-4)  # identical continuations, up to float noise
    assert sensible > nonsense + 1.0  # a real sequel title beats a nonsense one by a clear margin
    assert "".join(lm.stream(prompt, max_new_tokens=8)).strip()


def test_without_cuda_peft_is_imported_without_bitsandbytes_which_stays_importable():
    """bitsandbytes' 4/8-bit layers need CUDA; peft imports it eagerly (1 s at every start): not here."""
    import subprocess
    import sys

    code = ("import sys, torch\n"
            "from kgrec.agent.llm import import_peft\n"
            "peft = import_peft()\n"
            "print('peft' in sys.modules, 'bitsandbytes' in sys.modules)\n"
            "import importlib.util; print(importlib.util.find_spec('bitsandbytes') is not None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "False", "True"], out.stdout + out.stderr
