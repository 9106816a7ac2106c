"""A graph on disk in a data-only format: ``save_graph(G, path)`` and ``load_graph(path)``.

The file is a numpy ``.npz`` (a zip, read with ``allow_pickle=False``): nothing in it can run
code when it is loaded. It holds the graph as JSON bytes (nodes and their attributes, the scalar
graph attributes, the tables of relations and edge attributes), the edges as arrays indexing those
tables, and the arrays on ``G.graph``: the EASE model of
``kgrec.kg.query.collaborative`` and the co-mention matrix of ``kgrec.kg.comentions``. A file written
before co-mentions left networkx (``co_mentioned`` edges in its JSON) is converted as it loads. A file
that is torn, corrupt or not a graph raises ``GraphFileError``::

    >>> import tempfile, networkx as nx
    >>> G = nx.MultiDiGraph(name="tiny"); G.add_edge(1, 2, key="starring", relation="starring")
    'starring'
    >>> path = f"{tempfile.mkdtemp()}/g.npz"; save_graph(G, path)
    >>> nx.utils.graphs_equal(load_graph(path), G)
    True
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np

from kgrec.kg import heap
from kgrec.kg.comentions import CoMentions, from_pairs, set_co_mentions
from kgrec.kg.errors import KgrecError
from kgrec.kg.files import atomic_write
from kgrec.kg.query.collaborative import EaseConfig, ItemItem
from kgrec.kg.schema import CO_MENTIONED

FORMAT = "kgrec-graph"
VERSION = 2  # 2: the edges as arrays (``edges.*``) over tables of relations and attribute dicts; 1 (read too): edges in the JSON
EDGE_ARRAYS = ("head", "tail", "key", "attrs")
SCALARS = (str, int, float, bool, type(None))
COMENTION_ARRAYS = ("items", "indptr", "indices", "count", "liked")


class GraphFileError(KgrecError):
    """A graph file that cannot be read back: names the file and what is wrong."""

    def __init__(self, path, problem: str):
        super().__init__(f"{path}: not a readable kgrec graph ({problem})")
        self.path, self.problem = path, problem


def save_graph(G: nx.MultiDiGraph, path: str | os.PathLike) -> None:
    """Write ``G`` to ``path`` atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    arrays, models, scalars = {}, {}, {}
    for key, value in G.graph.items():
        if isinstance(value, ItemItem):
            models[key] = {"kind": "item_item", "l2": value.config.l2, "neighbours": value.config.neighbours}
            arrays.update({f"{key}.items": np.asarray(value.items, dtype=np.int64),
                           f"{key}.neighbours": value.neighbours, f"{key}.weights": value.weights})
        elif isinstance(value, CoMentions):
            models[key] = {"kind": "co_mentions", "source": value.source}
            arrays.update({f"{key}.{name}": getattr(value, name) for name in COMENTION_ARRAYS})
        elif isinstance(value, SCALARS) or isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, SCALARS) for k, v in value.items()):
            scalars[key] = value  # a flat dict of scalars: a prior's rates (kgrec.kg.query.remention)
        else:
            raise TypeError(f"G.graph[{key!r}] is a {type(value).__name__}: save_graph stores scalars, flat dicts of them, ItemItem and CoMentions only")
    data = {"format": FORMAT, "version": VERSION, "graph": scalars, "models": models,
            "nodes": [[n, d] for n, d in G.nodes(data=True)], **_edge_arrays(G, arrays)}
    arrays["graph.json"] = np.frombuffer(json.dumps(data, separators=(",", ":")).encode(), dtype=np.uint8)
    atomic_write(path, lambda out: np.savez_compressed(out, **arrays))


def _edge_arrays(G: nx.MultiDiGraph, arrays: dict[str, np.ndarray]) -> dict:
    """``G``'s edges in file order as four arrays (put in ``arrays``) indexing two JSON tables, returned:
    the relations (``edge_keys``) and the distinct attribute dicts (``edge_attrs``). JSON per edge cost
    the 10^6-item graph 6M small lists to decode and a second copy of the graph in memory while loading."""
    keys: dict[str, int] = {}
    attrs: dict = {}  # hashable items -> index; an unhashable dict gets its own entry
    table: list[dict] = []
    head, tail, key, attr = [], [], [], []
    for u, v, k, d in G.edges(keys=True, data=True):
        try:
            at = attrs.setdefault(tuple(d.items()), len(table))
        except TypeError:
            at = len(table)
        if at == len(table):
            table.append(d)
        head.append(u)
        tail.append(v)
        key.append(keys.setdefault(k, len(keys)))
        attr.append(at)
    arrays.update({"edges.head": np.array(head, dtype=np.int64), "edges.tail": np.array(tail, dtype=np.int64),
                   "edges.key": np.array(key, dtype=np.int32), "edges.attrs": np.array(attr, dtype=np.int32)})
    return {"edge_keys": list(keys), "edge_attrs": table, "edges": []}


def load_graph(path: str | os.PathLike) -> nx.MultiDiGraph:
    """The graph saved at ``path``; ``GraphFileError`` when it is missing, torn or malformed."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        with heap.quiet():  # millions of small objects, none cyclic: no collector passes (kgrec.kg.heap)
            data = json.loads(arrays.pop("graph.json").tobytes())
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, RecursionError, UnicodeDecodeError) as e:
        why = "it holds pickled objects, which are never loaded" if "pickle" in str(e) else str(e)[:200]
        raise GraphFileError(path, f"{type(e).__name__}: {why}") from e
    try:
        with heap.quiet():
            G = nx.freeze(_graph(data, arrays))  # read-only: kgrec.kg.query.retrieval caches on it safely
        return heap.settle(G)
    except (TypeError, ValueError, KeyError, IndexError) as e:
        raise GraphFileError(path, f"{type(e).__name__}: {str(e)[:200]}") from e


def _graph(data, arrays: dict[str, np.ndarray]) -> nx.MultiDiGraph:
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") not in (1, VERSION):
        raise ValueError(f'expected "format": "{FORMAT}", "version": 1 or {VERSION}')
    G = nx.MultiDiGraph()
    G.graph.update(_checked_dict(data["graph"], "graph attributes"))
    for key, spec in _checked_dict(data["models"], "models").items():
        G.graph[key] = _co_mentions(key, spec, arrays) if _kind(spec) == "co_mentions" else _item_item(key, spec, arrays)
    nodes = [(n, attrs) for n, attrs in data["nodes"]]
    bad = next(((n, a) for n, a in nodes if type(n) is not int or not isinstance(a, dict)), None)
    if bad is not None:
        raise ValueError(f"node {bad[0]!r}: expected an integer id and an attribute object")
    G.add_nodes_from(nodes)
    edges = [(u, v, k, attrs) for u, v, k, attrs in data["edges"]]  # version 1's (2 writes them as arrays)
    bad = next((e for e in edges if e[0] not in G or e[1] not in G or not isinstance(e[2], str)
                or not isinstance(e[3], dict)), None)
    if bad is not None:
        raise ValueError(f"edge {bad[0]!r} -{bad[2]!r}-> {bad[1]!r}: expected known nodes, a relation and attributes")
    if data["version"] >= 2:
        edges = _from_arrays(data, arrays, G) + edges  # checked as arrays
    old = [(u, v, a.get("count", 1), a.get("liked", 0), a.get("source", "")) for u, v, k, a in edges if k == CO_MENTIONED]
    if old:  # a file from before co-mentions left networkx: its co_mentioned edges become the matrix
        edges = [e for e in edges if e[2] != CO_MENTIONED]
        set_co_mentions(G, from_pairs([o[:4] for o in old], source=str(old[0][4])))
    _add_edges(G, edges)
    return G


def _from_arrays(data: dict, arrays: dict[str, np.ndarray], G: nx.MultiDiGraph) -> list[tuple]:
    """The edges of a version-2 file, ``(head, tail, relation, attributes)`` in file order."""
    keys, table = data["edge_keys"], data["edge_attrs"]
    head, tail, key, attr = (arrays[f"edges.{name}"] for name in EDGE_ARRAYS)
    ids = np.fromiter(G._node, dtype=np.int64, count=len(G))
    ok = (isinstance(keys, list) and all(isinstance(k, str) for k in keys) and isinstance(table, list)
          and all(isinstance(a, dict) for a in table) and head.dtype == tail.dtype == np.int64
          and key.dtype == attr.dtype == np.int32 and head.shape == tail.shape == key.shape == attr.shape
          and head.ndim == 1 and (len(key) == 0 or (0 <= key.min() and key.max() < len(keys)
                                                     and 0 <= attr.min() and attr.max() < len(table)))
          and bool(np.isin(head, ids).all()) and bool(np.isin(tail, ids).all()))
    if not ok:
        raise ValueError("edges: inconsistent arrays (unknown nodes, relations or attributes)")
    return list(zip(head.tolist(), tail.tolist(), [keys[i] for i in key.tolist()], [table[i] for i in attr.tolist()]))


def _add_edges(G: nx.MultiDiGraph, edges) -> None:
    """``G.add_edges_from(edges)`` for a graph that is frozen next, in a fraction of the memory: networkx's
    adjacency filled directly, every endpoint the node's own int object, and equal attribute dicts and
    equal key dicts (a pair's relations) one shared object each. Per edge that leaves two dict slots
    (``succ[u][v]``, ``pred[v][u]``) instead of a key dict, an attribute dict and their fresh strings and
    ints: the graph held 8,769 -> 3,442 MB at 10^6 items (6M edges), 876 -> 346 MB at 10^5 (bench.scale)."""
    node = {n: n for n in G._node}  # the node's own int object: JSON gave every mention a new one
    attrs: dict = {}  # the attribute dicts' items -> the one shared dict
    keydicts: dict[tuple, dict] = {}  # ((key, id(attrs)), ...) of a pair -> the one shared key dict
    signature: dict[int, tuple] = {}  # id(shared key dict) -> its ((key, id(attrs)), ...)
    succ, pred = G._succ, G._pred
    for u, v, k, a in edges:
        u, v = node[u], node[v]
        try:
            shared = attrs.setdefault(tuple(a.items()), a)
        except TypeError:  # an unhashable value (a list): this edge keeps its own dict
            shared = a
        before = succ[u].get(v)
        sig = (signature[id(before)] if before is not None else ()) + ((k, id(shared)),)
        kd = keydicts.get(sig)
        if kd is None:
            kd = keydicts[sig] = {**(before or {}), k: shared}
            signature[id(kd)] = sig
        succ[u][v] = kd
        pred[v][u] = kd


def _kind(spec) -> str | None:
    return spec.get("kind") if isinstance(spec, dict) else None


def _co_mentions(key: str, spec: dict, arrays: dict[str, np.ndarray]) -> CoMentions:
    return CoMentions(*(arrays[f"{key}.{name}"] for name in COMENTION_ARRAYS), source=str(spec.get("source", "")))


def _checked_dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected an object")
    return value


def _item_item(key: str, spec: dict, arrays: dict[str, np.ndarray]) -> ItemItem:
    if not isinstance(spec, dict) or spec.get("kind") != "item_item":
        raise ValueError(f"model {key!r}: unknown kind")
    items, neighbours, weights = (arrays[f"{key}.{name}"] for name in ("items", "neighbours", "weights"))
    ok = (items.ndim == 1 and items.dtype.kind == "i" and neighbours.dtype == np.int32
          and weights.dtype == np.float32 and neighbours.ndim == 2 and neighbours.shape == weights.shape
          and neighbours.shape[0] == len(items) and (neighbours.size == 0 or neighbours.max() < len(items))
          and bool(np.isfinite(weights).all()))
    if not ok:
        raise ValueError(f"model {key!r}: inconsistent arrays")
    config = EaseConfig(l2=float(spec["l2"]), neighbours=int(spec["neighbours"]))
    return ItemItem(tuple(int(i) for i in items), neighbours, weights, config)
