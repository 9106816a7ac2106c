"""The dense encoder's trainable item side and its pairs, on the tiny random Llama and tiny movie graph:
what is trained is what is served (encoder.json, items.npz)."""
import json

import numpy as np
import pytest

from kgrec.agent.config import ModelConfig
from kgrec.finetune.dense_pairs import content_pairs, kg_pairs, mention_pairs
from kgrec.kg.errors import KgrecError
from tests.finetune.test_finetune import TURNS, dense_config

ITEMS = [1, 2, 3, 4, 5, 6, 7, 8]


def test_content_requests_name_a_fact_of_their_item_and_mask_the_others_that_fit(tiny_movies):
    found = content_pairs(tiny_movies, ITEMS, 40, seed=1)
    assert len(found) == 40 and len({p.text for p in found}) > 10  # varied phrasing
    facts = {7: ("comedy", "hugh wilson", "steve guttenberg", "kim cattrall"), 4: ("comedy",), 1: ("horror",),
             2: ("horror", "action"), 3: ("action", "kim cattrall"), 6: ("action",), 5: ("drama",), 8: ("drama",)}
    for p in found:
        item = ITEMS[p.target]
        said = [f for f in facts[item] if f in p.text.lower()]
        assert said, p.text  # the request is about one of its item's own facts
        if "comedy" in said and len(said) == 1:  # the other comedy fits too: masked, never a negative
            assert {ITEMS[r] for r in p.context} == ({4, 7} - {item})
        assert p.target not in p.context and p.kind == "content"


def test_kg_pairs_lead_from_a_liked_items_fact_to_another_item_with_it(tiny_movies):
    found = kg_pairs(tiny_movies, ITEMS, 10, seed=0)
    assert found and all(p.text.startswith("Liked: ") and p.kind == "kg" for p in found)
    for p in found:
        liked = p.text.split("\n")[0][len("Liked: "):-1]
        assert ITEMS.index(next(i for i in ITEMS if tiny_movies.nodes[i]["title"] == liked)) in p.context
        assert p.target not in p.context


def test_mention_pairs_lead_from_the_mentions_so_far_to_the_next_liked_movie(tiny_movies):
    from kgrec.kg.graph import display
    from kgrec.kg.sources.interactions import Session

    sessions = [Session((1, 2, 3, 99, 4), positive=frozenset({2, 4}), negative=frozenset({3})),  # 99: not in the catalog
                Session((5, 6), positive=frozenset({6}))]
    found = {ITEMS[p.target]: p for p in mention_pairs(tiny_movies, sessions, ITEMS, 10)}
    assert sorted(found) == [2, 4, 6] and {p.kind for p in found.values()} == {"mentions"}  # 3 is disliked: never a target
    name = {i: display(tiny_movies, i) for i in ITEMS}
    assert found[2].text == f"Liked: {name[1]}." and found[2].context == (ITEMS.index(1),)
    assert found[4].text == f"Liked: {name[1]}, {name[2]}.\nDisliked: {name[3]}."
    assert found[4].context == tuple(ITEMS.index(i) for i in (1, 2, 3))
    assert len(mention_pairs(tiny_movies, sessions, ITEMS, 2)) == 2


def train(tiny_lm_dir, tiny_movies, tmp_path, **kw):
    from kgrec.finetune.dense import train_dense

    out = tmp_path / "adapter"
    config = dense_config(tiny_lm_dir, out, max_steps=16, item_learning_rate=5e-2, **kw)
    metrics = train_dense(config, G=tiny_movies, train_turns=TURNS, valid_turns=TURNS, index_folder=tmp_path / "index")
    return out, metrics


def test_the_learned_item_table_ships_with_the_adapter_and_is_served_as_trained(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.agent.encoder import load_dense

    out, metrics = train(tiny_lm_dir, tiny_movies, tmp_path, item_side="table", content_pairs=8, kg_pairs=4)
    losses = [h["loss"] for h in metrics["history"] if "loss" in h]
    assert losses[-1] < losses[0] * 0.7 and metrics["pairs"]["content"] == 8
    settings = json.loads((out / "encoder.json").read_text())
    assert settings["layers"] == 2 and settings["item_side"] == "table" and settings["hidden_size"] == 32
    table = np.load(out / "items.npz")
    model = ModelConfig(model=str(tiny_lm_dir), adapter=None, device="cpu")
    dense = load_dense(tiny_movies, model, out, folder=tmp_path / "serve-index")
    assert dense.encoder.config.layers == 2  # read back, not the default 8 (the tiny model has 2)
    assert not list((tmp_path / "serve-index").glob("*.npz"))  # no index built: the table is the index
    np.testing.assert_allclose(dense.index.vectors, table["vectors"].astype(np.float32), atol=2e-3)
    base = load_dense(tiny_movies, model, None, dense.encoder.config, folder=tmp_path / "base-index")
    assert not np.allclose(dense.index.vectors, base.index.vectors, atol=1e-2)  # the item side was trained
    tiny_movies.add_node(9, title="heat", name="heat", type="movie", item=True)  # an item new since training
    grown = load_dense(tiny_movies, model, out)
    assert sorted(grown.index.items.tolist()) == ITEMS + [9]
    np.testing.assert_allclose(np.linalg.norm(grown.index.vectors, axis=1), 1.0, atol=1e-3)


def test_the_shared_item_side_is_served_through_the_adapter(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.agent.encoder import load_dense

    out, metrics = train(tiny_lm_dir, tiny_movies, tmp_path, item_side="shared", hard_negatives=2)
    assert not (out / "items.npz").exists() and json.loads((out / "encoder.json").read_text())["item_side"] == "shared"
    model = ModelConfig(model=str(tiny_lm_dir), adapter=None, device="cpu")
    tuned = load_dense(tiny_movies, model, out, folder=tmp_path / "i1")
    base = load_dense(tiny_movies, model, None, tuned.encoder.config, folder=tmp_path / "i2")
    assert not np.allclose(tuned.index.vectors, base.index.vectors, atol=1e-3)


def test_an_adapter_that_does_not_fit_the_model_is_one_clear_line(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.agent.encoder import load_dense

    out, _ = train(tiny_lm_dir, tiny_movies, tmp_path, item_side="table")
    model = ModelConfig(model=str(tiny_lm_dir), adapter=None, device="cpu")
    settings = json.loads((out / "encoder.json").read_text())
    (out / "encoder.json").write_text(json.dumps({**settings, "layers": 16}))
    with pytest.raises(KgrecError, match="trained on the first 16 layers; the model has only 2"):
        load_dense(tiny_movies, model, out)
    (out / "encoder.json").write_text(json.dumps({**settings, "layers": 1}))
    with pytest.raises(KgrecError, match="tunes layer 1, above the encoder's 1 layers"):
        load_dense(tiny_movies, model, out)
    (out / "encoder.json").write_text(json.dumps({**settings, "hidden_size": 64}))
    with pytest.raises(KgrecError, match="trained at width 64; the model's is 32"):
        load_dense(tiny_movies, model, out)
    (out / "encoder.json").write_text(json.dumps({**settings, "pooling": "max"}))
    with pytest.raises(KgrecError, match=r"pooling='max': expected one of \('mean',\)"):
        load_dense(tiny_movies, model, out)


def test_an_adapter_without_settings_is_served_at_its_trained_depth(tmp_path):
    from kgrec.agent.encoder_settings import read_settings

    (tmp_path / "train_config.yaml").write_text("objective: dense\ndense_layers: 16\n")
    assert read_settings(tmp_path).layers == 16 and read_settings(tmp_path).item_side == "frozen"
    (tmp_path / "encoder.json").write_text('{"layers": 4, "colour": "red"}')
    with pytest.raises(KgrecError, match=r"unknown encoder settings \['colour'\]"):
        read_settings(tmp_path)


def test_a_run_stopped_for_time_gets_its_report_from_the_newest_checkpoint(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.finetune.dense import report_stopped_run

    out, metrics = train(tiny_lm_dir, tiny_movies, tmp_path, item_side="table")
    (out / "metrics.json").unlink()
    (out / "curve.png").unlink()
    report = report_stopped_run(dense_config(tiny_lm_dir, out, max_steps=16, item_side="table"))
    assert report["stopped_at_step"] == 16 and report["best_step"] == metrics["best_step"]
    assert (out / "curve.png").exists() and json.loads((out / "metrics.json").read_text())["history"]


def test_an_imported_graph_gets_no_redial_mention_pairs(tiny_movies):
    from kgrec.finetune.dense_pairs import mention_only_pairs

    imported = tiny_movies.copy()
    imported.graph["folder"] = "/somewhere/books"
    assert mention_only_pairs(imported, ITEMS, 100) == [] and mention_only_pairs(tiny_movies, ITEMS, 0) == []
