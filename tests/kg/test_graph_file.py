"""Graphs on disk in a data-only format: what is saved comes back; nothing else loads or runs."""
import pickle
import zipfile

import networkx as nx
import numpy as np
import pytest

from kgrec.kg.query.collaborative import add_collaborative, collaborative_scores
from kgrec.kg.storage.graph_file import GraphFileError, load_graph, save_graph

from tests.kg.conftest import PA, PA2, SCARY, UP, tiny_graph


def _with_ease():
    G = tiny_graph()
    add_collaborative(G, [(PA, PA2), (PA, PA2, SCARY), (UP, SCARY)])
    G.graph["trained_on"] = "3 sessions"
    return G


def test_round_trip_keeps_nodes_edges_attributes_and_the_ease_model(tmp_path):
    G = _with_ease()
    save_graph(G, tmp_path / "g.npz")
    back = load_graph(tmp_path / "g.npz")
    assert nx.utils.graphs_equal(G, back)
    assert back.graph["collaborative"] == G.graph["collaborative"]
    assert collaborative_scores(back, [PA]) == collaborative_scores(G, [PA])
    assert back.nodes[PA]["year"] == 1984 and back.nodes[PA]["item"] is True


class _Exploit:
    def __reduce__(self):
        import pathlib
        return (pathlib.Path.touch, (pathlib.Path(_Exploit.marker),))


def test_a_crafted_pickle_is_refused_and_never_runs(tmp_path):
    _Exploit.marker = str(tmp_path / "ran")
    path = tmp_path / "g.npz"
    path.write_bytes(pickle.dumps(_Exploit()))
    with pytest.raises(GraphFileError, match="not a readable kgrec graph"):
        load_graph(path)
    np.save(tmp_path / "obj.npy", np.array([_Exploit()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as z:  # an npz whose array is a pickled object
        z.write(tmp_path / "obj.npy", "graph.json.npy")
    with pytest.raises(GraphFileError):
        load_graph(path)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "missing"])
def test_a_torn_or_missing_file_gives_one_clear_error(tmp_path, damage):
    path = tmp_path / "g.npz"
    save_graph(_with_ease(), path)
    raw = path.read_bytes()
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes({"truncate": raw[: len(raw) // 2], "garbage": b"\x00junk" * 99, "empty": b""}[damage])
    with pytest.raises(GraphFileError) as e:
        load_graph(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def _write_json(path, data: bytes):
    np.savez(path, **{"graph.json": np.frombuffer(data, dtype=np.uint8)})


@pytest.mark.parametrize("data", [
    b"[" * 100_000 + b"]" * 100_000,                       # deep nesting
    b'{"format": "kgrec-graph", "version": 1, "graph": {}, "models": {}, "nodes": [[' + b"9" * 5000 + b', {}]], "edges": []}',
    b'{"format": "kgrec-graph", "version": 1, "graph": {}, "models": {}, "nodes": [["x", {}]], "edges": []}',
    b'{"format": "kgrec-graph", "version": 1, "graph": {}, "models": {}, "nodes": [], "edges": [[1, 2, "a", {}]]}',
    b'{"format": "other"}',
])
def test_malformed_content_gives_one_clear_error(tmp_path, data):
    _write_json(tmp_path / "g.npz", data)
    with pytest.raises(GraphFileError, match="g.npz: not a readable kgrec graph"):
        load_graph(tmp_path / "g.npz")


def test_inconsistent_model_arrays_are_refused(tmp_path):
    G = _with_ease()
    model = G.graph["collaborative"]
    bad = model.neighbours.copy()
    bad[0, 0] = len(model.items) + 5  # points past the last row
    object.__setattr__(model, "neighbours", bad)
    save_graph(G, tmp_path / "g.npz")
    with pytest.raises(GraphFileError, match="inconsistent arrays"):
        load_graph(tmp_path / "g.npz")


def test_a_loaded_graph_shares_equal_attribute_and_key_dicts_and_equals_the_saved_one(tmp_path):
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(1000, 1006), type="person")
    for movie in (1000, 1001, 1002):
        G.add_edge(movie, 1005, key="starring", relation="starring", source="t.tsv")
    G.add_edge(1003, 1005, key="director", relation="director", source="t.tsv")
    G.add_edge(1003, 1005, key="writer", relation="writer", source="t.tsv")
    G.add_edge(1004, 1005, key="director", relation="director", source="t.tsv")
    G.add_edge(1004, 1005, key="writer", relation="writer", source="t.tsv")
    G.add_edge(1001, 1002, key="tagged", relation="tagged", tags=["a", "b"])  # unhashable: its own dict
    save_graph(G, tmp_path / "g.npz")
    H = load_graph(tmp_path / "g.npz")
    assert nx.utils.graphs_equal(H, G) and list(H.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
    starring = {id(H[m][1005]["starring"]) for m in (1000, 1001, 1002)}
    assert len(starring) == 1  # one attribute dict for the three edges
    assert H._succ[1003][1005] is H._succ[1004][1005] and list(H[1003][1005]) == ["director", "writer"]
    assert H._succ[1003][1005] is H._pred[1005][1003]
    assert all(next(k for k in H._node if k == v) is v for v in H._succ[1000])  # endpoints are the nodes' ints
    assert H[1001][1002]["tagged"]["tags"] == ["a", "b"]
    with pytest.raises(nx.NetworkXError):  # frozen: a shared dict can never be changed through the API
        H.add_edge(1000, 1005, key="starring")


def test_a_version_1_file_with_its_edges_in_the_json_still_loads(tmp_path):
    import json

    G = _with_ease()
    save_graph(G, tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if not name.startswith("edges.")}
    data = json.loads(arrays.pop("graph.json").tobytes())
    assert data["version"] == 2 and data["edges"] == [] and "starring" in data["edge_keys"]
    data.update(version=1, edges=[[u, v, k, d] for u, v, k, d in G.edges(keys=True, data=True)])
    del data["edge_keys"], data["edge_attrs"]
    arrays["graph.json"] = np.frombuffer(json.dumps(data).encode(), dtype=np.uint8)
    np.savez_compressed(tmp_path / "old.npz", **arrays)
    assert nx.utils.graphs_equal(load_graph(tmp_path / "old.npz"), G)


def test_edge_arrays_naming_unknown_nodes_or_relations_are_refused(tmp_path):
    save_graph(_with_ease(), tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    for name, value in (("edges.head", 10**9), ("edges.key", 99)):
        bad = dict(arrays)
        bad[name] = arrays[name].copy()
        bad[name][0] = value
        np.savez(tmp_path / "bad.npz", **bad)
        with pytest.raises(GraphFileError, match="inconsistent arrays"):
            load_graph(tmp_path / "bad.npz")
