"""kgrec.agent.dense_index and kgrec.agent.encoder: the liked-movie vectors an adapter may add to the catalog's vectors."""
import networkx as nx
import numpy as np
import pytest

from kgrec.agent.dense_index import DenseIndex
from kgrec.agent.encoder import dense_candidates
from kgrec.agent.encoder_settings import save_table, table_index


def liked_index(n=6, dim=4, rank=2, seed=0):
    """``n`` items (ids 10..) whose text vectors are random; liking item 10 points to item 15."""
    rng = np.random.default_rng(seed)
    index = DenseIndex.from_raw(np.arange(10, 10 + n), rng.standard_normal((n, dim)).astype(np.float32))
    query, item = np.zeros((n, rank), np.float32), np.zeros((n, rank), np.float32)
    query[0, 0], item[5, 0] = 1.0, 3.0  # a cosine is at most 1: the liked part decides
    return DenseIndex(index.items, index.vectors, index.mean, index.scale, query, item)


def graph(items):
    G = nx.MultiDiGraph()
    G.add_nodes_from(items, type="movie", item=True)
    return G


def test_liked_items_add_their_vectors_to_the_query_and_nothing_without_them():
    index = liked_index()
    raw = np.ones(4, np.float32)
    plain = index.vectors @ index.query(raw)
    np.testing.assert_allclose(index.scores(raw), plain)  # nothing liked: the cosine alone
    np.testing.assert_allclose(index.scores(raw, index.rows([10])), plain + np.array([0, 0, 0, 0, 0, 3.0]))
    assert index.rows([12, 99, 10]) == [2, 0]  # an item it lacks is left out
    G = graph(index.items.tolist())
    assert dense_candidates(G, index, raw, k=3, liked=[10])[0].item == 15
    assert dense_candidates(G, index, raw, k=6)[0].item == int(index.items[plain.argmax()])  # nothing liked: the cosine's best
    searched = index.search_vectors() @ index.search_query(raw, index.rows([10]))
    np.testing.assert_allclose(searched, index.scores(raw, index.rows([10])), atol=1e-6)  # what an IVF index searches


def test_the_liked_vectors_are_saved_with_the_table_and_items_new_since_training_get_none(tmp_path):
    index = liked_index()
    save_table(tmp_path, index)
    loaded = DenseIndex.load(tmp_path / "items.npz")
    np.testing.assert_allclose(loaded.liked_item.astype(np.float32), index.liked_item)
    grown = table_index(tmp_path, [15, 10, 99], lambda ids: np.ones((len(ids), 4), np.float32))
    assert grown.items.tolist() == [15, 10, 99]
    np.testing.assert_allclose(grown.liked_item[0], [3.0, 0.0])
    np.testing.assert_allclose(grown.liked_query[2], [0.0, 0.0])  # 99: nothing learned about it
    assert grown.scores(np.ones(4, np.float32), grown.rows([10])).argmax() == 0


def test_liked_vectors_that_do_not_match_the_items_are_refused():
    index = liked_index()
    with pytest.raises(ValueError, match="liked_query and liked_item"):
        DenseIndex(index.items, index.vectors, index.mean, index.scale, index.liked_query[:3], index.liked_item[:3])
    with pytest.raises(ValueError, match="liked_query and liked_item"):
        DenseIndex(index.items, index.vectors, index.mean, index.scale, index.liked_query, None)
