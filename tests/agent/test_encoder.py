"""The LM as a dense encoder, on the tiny random Llama and the tiny movie graph."""
import numpy as np
import pytest
import torch

from kgrec.agent.encoder import DenseIndex, Encoder, EncoderConfig, build_index, dense_candidates, model_id, pool
from kgrec.agent.ranking import query_text
from kgrec.kg.errors import KgrecError
from kgrec.kg.schema import Constraints
from tests.conftest import make_tiny_model, make_tiny_tokenizer

ITEMS = [1, 2, 3, 4, 5, 6, 7, 8]  # make_tiny_movie_graph's movies; 20..23 are genres


def encoder(layers=1):
    return Encoder(make_tiny_model(), make_tiny_tokenizer(), EncoderConfig(layers=layers, batch_size=3))


def test_the_encoder_stops_after_its_layers_and_matches_the_full_forward_pass():
    enc = encoder(layers=1)
    batch = enc._batch(["police academy", "the matrix is a movie"], 16)
    with torch.inference_mode():
        full = enc.model(**batch, output_hidden_states=True).hidden_states[1]  # after layer 1 of 2
        stopped = enc.hidden(batch)
    assert torch.allclose(stopped, full, atol=1e-5)
    with pytest.raises(KgrecError, match="layers=3: the model has only 2"):
        Encoder(make_tiny_model(), make_tiny_tokenizer(), EncoderConfig(layers=3))


def test_the_layers_above_run_from_cached_lower_states_to_the_same_vectors():
    enc = encoder(layers=2)
    texts = ["alien", "police academy starring steve guttenberg", "heat is a movie"]
    batch = enc._batch(texts, 32)
    with torch.no_grad():
        full = pool(enc.hidden(batch), batch["attention_mask"])
        for k in (0, 1):
            lowered = enc.lower(texts, k)
            assert [len(s) for s in lowered] == batch["attention_mask"].sum(1).tolist()
            assert torch.allclose(enc.upper(lowered, k), full, atol=1e-5)
    assert len(enc.model.model.layers) == 2 and not any(type(m).__name__ == "_PassThrough"
                                                        for m in enc.model.model.layers)


def test_a_text_gets_the_same_vector_alone_or_in_a_padded_batch():
    enc = encoder()
    texts = ["alien", "police academy starring steve guttenberg", "the notebook is a drama", "heat"]
    together = enc.embed(texts, 32)
    alone = np.stack([enc.embed([t], 32)[0] for t in texts])
    assert together.shape == (4, 32)
    np.testing.assert_allclose(together, alone, atol=1e-4)
    assert not np.allclose(together[0], together[1])


def test_pooling_leaves_out_the_first_token_and_the_padding():
    states = torch.tensor([[[100.0], [1.0], [3.0], [50.0]], [[7.0], [0.0], [0.0], [0.0]]])
    mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0]])
    assert pool(states, mask).squeeze(-1).tolist() == [2.0, 7.0]  # a one-token text keeps its token


def test_config_and_query_text_say_what_is_wrong_or_known(tiny_movies):
    with pytest.raises(KgrecError, match=r"EncoderConfig.layers=0: expected an integer >= 1"):
        EncoderConfig(layers=0)
    text = query_text(tiny_movies, [7], [3], "User: something funny")
    assert text == "Liked: police academy.\nDisliked: heat.\nUser: something funny"
    assert query_text(tiny_movies, [], [], "User: hi") == "User: hi"


def test_the_index_is_cached_by_model_settings_and_cards(tiny_movies, tmp_path):
    enc = encoder()
    index = build_index(enc, tiny_movies, ITEMS, "tiny", folder=tmp_path)
    files = list(tmp_path.glob("index-*.npz"))
    assert len(files) == 1 and index.items.tolist() == ITEMS
    np.testing.assert_allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-5)
    again = build_index(enc, tiny_movies, ITEMS, "tiny", folder=tmp_path)
    np.testing.assert_array_equal(again.vectors, index.vectors)
    tiny_movies.add_edge(3, 12, key="starring")  # a new fact changes a card: a new index
    build_index(enc, tiny_movies, ITEMS, "tiny", folder=tmp_path)
    build_index(enc, tiny_movies, ITEMS, "tiny+adapter", folder=tmp_path)
    assert len(list(tmp_path.glob("index-*.npz"))) == 3


def test_a_damaged_index_file_is_rebuilt_not_trusted(tiny_movies, tmp_path):
    enc = encoder()
    index = build_index(enc, tiny_movies, ITEMS, "tiny", folder=tmp_path)
    path = next(tmp_path.glob("index-*.npz"))
    path.write_bytes(b"not an npz file")
    rebuilt = build_index(enc, tiny_movies, ITEMS, "tiny", folder=tmp_path)
    np.testing.assert_allclose(rebuilt.vectors, index.vectors, atol=1e-6)
    assert DenseIndex.load(path).items.tolist() == ITEMS


def test_dense_candidates_rank_the_whole_catalog_under_hard_filters(tiny_movies, tmp_path):
    enc = encoder()
    index = build_index(enc, tiny_movies, ITEMS, "tiny", folder=tmp_path)
    query = enc.embed(["i love comedy movies"], 32)[0]
    everything = dense_candidates(tiny_movies, index, query, k=100)
    assert sorted(c.item for c in everything) == ITEMS
    scores = [c.score for c in everything]
    assert scores == sorted(scores, reverse=True) and min(scores) > 0
    comedies = dense_candidates(tiny_movies, index, query, Constraints(genres=frozenset({20}), exclude=frozenset({4})))
    assert [c.item for c in comedies] == [7]  # the only comedy left: a narrow filter still gets its answer
    assert len(dense_candidates(tiny_movies, index, query, k=3)) == 3


def test_model_id_is_the_weights_content_not_the_path(tmp_path):
    import torch
    from transformers import AutoModelForCausalLM

    for name in ("a", "b"):
        make_tiny_model().save_pretrained(tmp_path / name)  # two checkouts' copies of one model
    first, second = (AutoModelForCausalLM.from_pretrained(tmp_path / name) for name in ("a", "b"))
    assert model_id(first) == model_id(second)
    assert str(tmp_path) not in model_id(first)
    with torch.no_grad():
        next(second.parameters())[0, 0] += 1e-3  # one changed weight: a stale index is never reused
    assert model_id(first) != model_id(second)


def test_model_id_names_the_adapter_weights(tmp_path):
    model = make_tiny_model()
    (tmp_path / "adapter_model.safetensors").write_bytes(b"weights-1")
    first = model_id(model, tmp_path)
    (tmp_path / "adapter_model.safetensors").write_bytes(b"weights-2")
    assert model_id(model, tmp_path) != first and model_id(model) != first


def test_load_dense_reads_only_the_encoders_layers_and_indexes_before_the_adapter(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.agent.config import ModelConfig
    from kgrec.agent.encoder import load_dense

    dense = load_dense(tiny_movies, ModelConfig(model=str(tiny_lm_dir), adapter=None, device="cpu"), None,
                       EncoderConfig(layers=1), folder=tmp_path)
    assert len(dense.encoder.model.model.layers) == 1  # the layer above was never loaded
    full = encoder(layers=1)  # the same weights, both layers: the first layer's vectors are the same
    np.testing.assert_allclose(dense.index.vectors, build_index(full, tiny_movies, ITEMS, "x", folder=tmp_path / "b").vectors,
                               atol=1e-5)
    found = dense.candidates(tiny_movies, "Liked: alien.\nUser: something like it", Constraints(exclude=frozenset({1})), 3)
    assert len(found) == 3 and all(c.item in ITEMS and c.item != 1 and c.sources == ("dense",) for c in found)
