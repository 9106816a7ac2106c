"""The movie KG, built once and cached: ``load_movie_graph()`` (its catalog: ``kgrec.kg.graph.catalog(G)``).

The cache lives in ``kgrec.kg.locations.cache_dir()`` under a key that hashes the bytes of every
input file and of the code that builds the graph, so editing either rebuilds it::

    from kgrec.kg.graph import catalog
    from kgrec.kg.storage.store import load_movie_graph
    G = load_movie_graph()          # ~2 s from the cache, ~11 s cold
    items = catalog(G)              # sorted ids of the 6,281 recommendable movies
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import networkx as nx

from kgrec.kg.graph import catalog
from kgrec.kg.locations import cache_dir, data_dir
from kgrec.kg.query import collaborative, remention
from kgrec.kg.sources import build, enrich, interactions, redial, themes
from kgrec.kg.storage import graph_file
from kgrec.kg.storage.graph_file import GraphFileError, load_graph, save_graph

CACHE_PREFIX = "movie-graph-"
INPUT_FILES = (*build.KG_FILES, *build.REDIAL_FILES, enrich.GENRES_FILE, themes.DOCUMENTS_FILE,
               interactions.TRAIN_FILE, interactions.MENTIONS_FILE,
               redial.VALID_FILE)  # valid: the ids left out of every fit
CODE_MODULES = (build, collaborative, enrich, graph_file, interactions, redial, remention, themes)
CACHE_SUFFIX = ".npz"  # kgrec.kg.storage.graph_file's data-only format (the old ".pkl" caches are removed)
#: The shipped KG's fusion weights are ``data/tuning.json``, the file an imported graph's folder holds
#: (``kgrec.kg.storage.tuning.read_tuning``; tuned on ReDial valid, the file's "report" says how and what it scored).
#: ``kgrec.kg.query.retrieval.FusionWeights()`` holds the defaults for a graph with no tuning of its own; a graph
#: built in code has none, so it never loads the encoder.


def cache_key(root: Path | None = None) -> str:
    """Hash of the input files' bytes, the building code and the library versions."""
    root = Path(root or data_dir())
    digest = hashlib.sha256(f"{sys.version_info[:2]} nx{nx.__version__}".encode())
    for name in INPUT_FILES:
        digest.update(name.encode())
        digest.update(_file_bytes(root / name))
    for module in (*CODE_MODULES, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        from kgrec.kg.errors import DataFileError

        raise DataFileError(path, None, f"cannot read ({e.strerror})") from e


def build_full_graph(root: Path | None = None) -> nx.MultiDiGraph:
    """DBpedia graph + ReDial titles + broad genres and years + themes and premises + train-split
    interactions, EASE and the re-mention prior (``kgrec.kg.sources.interactions.redial_train_sessions``; valid's
    conversations never)."""
    root = Path(root or data_dir())
    G = build.build_movie_graph(root)
    enrich.add_genres(G, root / enrich.GENRES_FILE)
    themes.add_themes(G, root / themes.DOCUMENTS_FILE)
    training = interactions.add_redial_interactions(G, root)
    collaborative.add_collaborative(G, [s.items for s in training.sessions])
    G.graph["trained_on"] = training.describe()
    redial.add_remention_prior(G, root)
    return G


def load_movie_graph(*, rebuild: bool = False) -> nx.MultiDiGraph:
    """The full movie KG, from the cache when the inputs and code are unchanged.

    A cache that is torn, corrupt or has an empty catalog is rebuilt, with a one-line notice on stderr.
    """
    path = cache_dir() / f"{CACHE_PREFIX}{cache_key()}{CACHE_SUFFIX}"
    if path.exists() and not rebuild:
        try:
            G = load_graph(path)
            if not catalog(G):
                raise GraphFileError(path, "no catalog items")
            return _weighted(G)
        except GraphFileError as e:
            print(f"kgrec: {e}; rebuilding it", file=sys.stderr)
    G = build_full_graph()
    for old in path.parent.glob(f"{CACHE_PREFIX}*"):
        if old != path and old.suffix in (CACHE_SUFFIX, ".pkl"):
            old.unlink(missing_ok=True)
    save_graph(G, path)
    return _weighted(nx.freeze(G))  # as a loaded one: read-only


def _weighted(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G`` with the shipped tuning (``data/tuning.json``) unless it carries its own."""
    from kgrec.kg.query.retrieval import WEIGHTS_KEY
    from kgrec.kg.storage.tuning import apply_tuning, read_tuning

    if WEIGHTS_KEY not in G.graph:
        apply_tuning(G, read_tuning(data_dir()))
    return G
