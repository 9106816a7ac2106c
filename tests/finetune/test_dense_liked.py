"""kgrec.finetune.dense_liked: the liked-movie vectors learn what liked movies say about the next one,
are kept only when they beat the conversation vectors on valid, and are served as trained."""
import json

import numpy as np
import pytest
import torch

from kgrec.agent.dense_index import DenseIndex
from kgrec.evaluation.pairs import Pair
from kgrec.finetune.dense_liked import LikedModel, fit, recall
from kgrec.kg.errors import ConfigError
from tests.finetune.test_finetune import TURNS, dense_config

N, DIM = 40, 8


def synthetic(seed=0):
    """Conversations whose text says nothing (random vectors); liking item i means item (i + 7) % N next."""
    rng = np.random.default_rng(seed)
    items = torch.nn.functional.normalize(torch.from_numpy(rng.standard_normal((N, DIM)).astype(np.float32)), dim=-1)
    pairs = [Pair(f"c{i}-{r}", (i + 7) % N, (i,), liked=(i,)) for r in range(4) for i in range(N)]
    q = torch.nn.functional.normalize(torch.from_numpy(rng.standard_normal((len(pairs), DIM)).astype(np.float32)), dim=-1)
    return items, pairs, q


def test_the_vectors_learn_which_movie_follows_a_liked_one_and_keep_the_best_epoch():
    items, pairs, q = synthetic()
    model = LikedModel(items, rank=8, temperature=0.1)
    result = fit(model, q, pairs, q[:N], pairs[:N], epochs=30, learning_rate=0.05, weight_decay=0.0, log=lambda s: None)
    assert result["base_recall@10"] < 0.5 and result["best_recall@10"] > 0.9
    assert recall(model, q[:N], pairs[:N]) == result["best_recall@10"]  # the best epoch's state is the one kept
    assert [h["epoch"] for h in result["history"]] == list(range(31))


def test_served_scores_rank_as_the_trained_logits_do():
    items, pairs, q = synthetic()
    model = LikedModel(items, rank=8, temperature=0.1)
    fit(model, q, pairs, q[:N], pairs[:N], epochs=10, learning_rate=0.05, weight_decay=0.0, log=lambda s: None)
    query, item = model.tables()
    index = DenseIndex(np.arange(N), items.numpy(), np.zeros(DIM, np.float32), np.ones(DIM, np.float32), query, item)
    with torch.no_grad():
        logits = model.logits(q[:1], pairs[:1])[0].numpy()
    served = index.scores(q[0].numpy(), index.rows([pairs[0].liked[0]]))
    logits[list(pairs[0].context)] = served[list(pairs[0].context)] = -1e4
    np.testing.assert_allclose(served[logits > -1e3], 0.1 * logits[logits > -1e3], rtol=1e-4, atol=1e-4)


def test_on_the_tiny_graph_vectors_that_do_not_beat_the_adapter_are_not_added(tiny_lm_dir, tiny_movies, tmp_path):
    from kgrec.finetune.train import train

    out = tmp_path / "adapter"
    config = dense_config(tiny_lm_dir, out, max_steps=8, item_side="table", liked_rank=4, liked_epochs=2)
    metrics = train(config, G=tiny_movies, train_turns=TURNS, valid=TURNS)
    liked = json.loads((out / "metrics.json").read_text())["liked_vectors"]
    assert liked["train_pairs"] == 4 and liked["valid_pairs"] == 4 and len(liked["history"]) == 3
    assert not liked["kept"]  # 8 items: Recall@10 is 1 already, nothing to beat
    assert "liked_item" not in np.load(out / "items.npz").files
    assert metrics["liked_vectors"] == liked and metrics["best_step"] is not None  # the LoRA run's report is kept


def test_liked_vectors_need_a_learned_item_table(tiny_lm_dir, tmp_path):
    with pytest.raises(ConfigError, match="item_side 'table'"):
        dense_config(tiny_lm_dir, tmp_path, item_side="frozen", liked_rank=4)
    with pytest.raises(ConfigError, match="liked_rank >= 1"):
        dense_config(tiny_lm_dir, tmp_path, item_side="table", liked_only=True)
