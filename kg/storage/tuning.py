"""A graph's tuning: the fusion weights (``kgrec.kg.query.retrieval.FusionWeights``) and re-mention prior
(``kgrec.kg.query.remention.RementionPrior``) learned for it, in a ``tuning.json`` beside it. An imported graph's
is in its folder (``kgrec eval tune``); the shipped movie KG's is ``data/tuning.json``. Both reach
``G.graph`` through :func:`apply_tuning` (``kgrec.kg.storage.registry.load_graph``, ``kgrec.kg.storage.store.load_movie_graph``)."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from kgrec.kg.errors import KgrecError
from kgrec.kg.files import atomic_write

TUNING_FILE = "tuning.json"


def apply_tuning(G: nx.MultiDiGraph, tuning: dict | None) -> nx.MultiDiGraph:
    """Put a graph's tuning (:func:`read_tuning`) on ``G.graph``, where ``kgrec.kg.query.retrieval.graph_weights``
    and ``kgrec.kg.query.remention.graph_prior`` read it: the one writer of both, for the shipped graph
    (``kgrec.kg.storage.store``) and an imported one alike. A tuning without a "remention" prior keeps ``G``'s own."""
    from kgrec.kg.query import remention, retrieval

    if tuning:
        G.graph[retrieval.WEIGHTS_KEY] = dict(tuning["weights"])
        if "remention" in tuning:
            G.graph[remention.GRAPH_KEY] = tuning["remention"]
    return G


def save_tuning(folder, weights, prior, report: dict) -> Path:
    """Keep tuned ``kgrec.kg.query.retrieval.FusionWeights`` and a ``kgrec.kg.query.remention.RementionPrior`` with a graph."""
    from dataclasses import asdict

    path = Path(folder) / TUNING_FILE
    data = {"weights": asdict(weights), "remention": asdict(prior), "report": report}
    atomic_write(path, lambda out: out.write(json.dumps(data, indent=1).encode("utf-8")))
    return path


def read_tuning(folder) -> dict | None:
    """A graph folder's ``tuning.json`` (checked by building its dataclasses), or ``None``: "weights"
    (``kgrec.kg.query.retrieval.FusionWeights`` fields), "remention" (``kgrec.kg.query.remention.RementionPrior``'s, optional)
    and "report" (how they were tuned)."""
    from kgrec.kg.query import remention, retrieval

    path = Path(folder) / TUNING_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        retrieval.FusionWeights(**data["weights"])
        remention.RementionPrior(**data.get("remention", {}))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise KgrecError(f"{path}: not valid tuned weights ({e}); run kgrec eval tune again or delete it") from e
    return data
