"""kgrec.kg.heap: a large loaded graph leaves the garbage collector's passes; a small one is left alone."""
import gc

import networkx as nx

from kgrec.kg import heap
from kgrec.kg.storage import graph_file


def test_the_collector_is_off_while_a_graph_is_built_and_back_after():
    assert gc.isenabled()
    with heap.quiet():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_graph_over_the_threshold_is_frozen_out_of_collection_a_small_one_is_not(tmp_path, monkeypatch):
    G = nx.MultiDiGraph()
    G.add_edges_from((i, i + 1, "next") for i in range(300))
    graph_file.save_graph(G, tmp_path / "g.npz")
    gc.unfreeze()
    try:
        graph_file.load_graph(tmp_path / "g.npz")
        assert gc.get_freeze_count() == 0  # 300 edges: nothing frozen
        monkeypatch.setattr(heap, "FREEZE_ABOVE", 100)
        loaded = graph_file.load_graph(tmp_path / "g.npz")
        assert gc.get_freeze_count() > 0 and loaded.number_of_edges() == 300
        assert gc.isenabled()
    finally:
        gc.unfreeze()
