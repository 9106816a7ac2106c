"""kgrec.agent.nearest: above its threshold the dense list comes from an IVF index, close to the exact
product's list; a filter too narrow for the index, or no FAISS, falls back to the exact product."""
import networkx as nx
import numpy as np
import pytest

from kgrec.agent import nearest
from kgrec.agent.encoder import DenseIndex, dense_candidates
from kgrec.kg.schema import Constraints

faiss = pytest.importorskip("faiss", reason="faiss-cpu (the ann extra) is not installed")


def catalog(n=3000, dim=24, seed=0):
    """A graph of ``n`` items (ids 1000..), every third one of genre 1, and their clustered vectors."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph()
    G.add_node(1, type="genre", name="comedy")
    items = np.arange(1000, 1000 + n)
    for i, item in enumerate(items.tolist()):
        G.add_node(item, type="movie", item=True, name=f"m{i}")
        if i % 3 == 0:
            G.add_edge(item, 1, key="genre")
    centres = rng.standard_normal((50, dim))
    raw = centres[rng.integers(0, 50, n)] + 0.3 * rng.standard_normal((n, dim))
    return G, DenseIndex.from_raw(items, raw.astype(np.float32)), raw


def test_above_the_threshold_the_index_finds_almost_the_exact_list():
    G, index, raw = catalog()
    query = raw[7] + 0.1
    exact = dense_candidates(G, index, query, k=50)  # 3,000 items: under ANN_ABOVE, the product
    near = nearest.candidates(index, query, frozenset(G.nodes) - {1}, 50, above=1000)
    assert near is not None and len(near) == 50
    assert len({n for n, _ in near} & {c.item for c in exact}) >= 45  # recall >= 0.9
    assert [s for _, s in near] == sorted((s for _, s in near), reverse=True) and near[-1][1] > 0


def test_a_filter_too_narrow_for_the_index_falls_back_to_the_exact_product():
    G, index, raw = catalog()
    few = frozenset(range(1000, 1010))  # 10 allowed items: not 51 of them among the 2,000 nearest
    assert nearest.candidates(index, raw[0], few, 50, above=1000) is None


def test_under_the_threshold_or_without_an_index_nothing_is_built():
    G, index, raw = catalog(n=500)
    assert nearest.candidates(index, raw[0], frozenset(G.nodes), 10) is None  # 500 <= ANN_ABOVE
    assert not hasattr(index, "_ann")


def test_dense_candidates_take_the_index_s_list_above_the_threshold(monkeypatch):
    G, index, raw = catalog()
    monkeypatch.setattr(nearest, "ANN_ABOVE", 1000)  # the threshold, as a 10^6-item catalog would pass it
    comedies = dense_candidates(G, index, raw[3], Constraints(genres=frozenset({1})), k=20)
    assert len(comedies) == 20 and all((c.item - 1000) % 3 == 0 for c in comedies)
    assert isinstance(index._ann, faiss.IndexIVFFlat)
