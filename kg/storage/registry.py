"""Installed graphs: save an imported graph once, then load it by name or folder everywhere.

``kgrec kg import ... --name NAME`` writes a graph folder under :func:`graphs_dir`
(``kgrec.kg.locations.cache_dir()/graphs/NAME``); ``--out DIR`` writes it anywhere. A graph folder
holds ``graph.npz`` (the graph, ``kgrec.kg.storage.graph_file``'s data-only format), ``meta.json`` (name, noun, counts, source) and, when dialogues
were imported, ``train.jsonl`` / ``valid.jsonl`` of CRSLab-format turns (``context``, ``rec``,
``prev_entity``, ``dialog_id``, ``turn_id``) over the graph's own ids; ``kgrec eval tune --graph NAME``
adds ``tuning.json`` (fusion weights and re-mention prior learned on its train turns, :func:`save_tuning`). :func:`load_graph` is
the one resolver every command and ``AgentConfig(graph=...)`` uses::

    G = load_graph(None)            # the shipped movie KG (kgrec.kg.storage.store.load_movie_graph)
    G = load_graph("inspired")      # an installed graph, by name
    G = load_graph("runs/my-kg")    # a graph folder

Only :func:`write_graph_file` / :func:`read_graph_file` know the file format of the graph.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from kgrec.kg.comentions import co_mentions
from kgrec.kg.errors import KgrecError
from kgrec.kg.files import atomic_write
from kgrec.kg.graph import is_item
from kgrec.kg.locations import cache_dir
from kgrec.kg.schema import ITEM_TYPE
from kgrec.kg.storage import graph_file
from kgrec.kg.storage.tuning import TUNING_FILE, apply_tuning, read_tuning, save_tuning  # noqa: F401  (kgrec.kg.storage.registry's names too)

GRAPH_FILE, META_FILE = "graph.npz", "meta.json"
SHIPPED = "redial-dbpedia"  # the name of the shipped movie KG (kgrec.kg.storage.store)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TURN_SPLITS = ("train", "valid")


def graphs_dir() -> Path:
    """Where named graphs are installed: ``cache_dir()/graphs``."""
    path = cache_dir() / "graphs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name) or name == SHIPPED:
        raise KgrecError(f"graph name {name!r}: expected letters, digits, '.', '_' or '-' "
                         f"(up to 64, not {SHIPPED!r})")
    return name


# ---------------------------------------------------------------- the file format (one place)
def write_graph_file(path: Path, G: nx.MultiDiGraph) -> None:
    """``G`` to ``path``, atomically, in a format that cannot run code when read."""
    graph_file.save_graph(G, path)


def read_graph_file(path: Path) -> nx.MultiDiGraph:
    try:
        return graph_file.load_graph(path)
    except graph_file.GraphFileError as e:
        raise KgrecError(f"{e}; import it again") from e


def _write_atomically(path: Path, data: bytes) -> None:
    atomic_write(path, lambda out: out.write(data))


# ---------------------------------------------------------------- save / list / load
def graph_meta(G: nx.MultiDiGraph, source: str = "") -> dict:
    items = sum(1 for _, item in G.nodes(data="item") if item)
    return {"name": G.graph.get("name", ""), "noun": G.graph.get("domain_noun", "item"),
            "items": items, "nodes": G.number_of_nodes(), "edges": G.number_of_edges() + len(co_mentions(G)),
            "trained_on": G.graph.get("trained_on", ""), "source": source}


def save_graph(G: nx.MultiDiGraph, folder, *, source: str = "", turns: dict | None = None) -> Path:
    """Write ``G`` (and CRSLab-format turn files, ``{"train": [row, ...], ...}``) into ``folder``."""
    folder = Path(folder)
    if folder.exists() and not (folder / META_FILE).exists() and any(folder.iterdir()):
        raise KgrecError(f"--out {folder}: the folder exists and is not a kgrec graph; expected a new or empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    write_graph_file(folder / GRAPH_FILE, G)
    (folder / TUNING_FILE).unlink(missing_ok=True)  # tuned for the graph this one replaces
    for split in TURN_SPLITS:
        rows = (turns or {}).get(split)
        if rows:
            text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            _write_atomically(folder / f"{split}.jsonl", text.encode("utf-8"))
        else:
            (folder / f"{split}.jsonl").unlink(missing_ok=True)
    _write_atomically(folder / META_FILE, json.dumps(graph_meta(G, source), indent=1).encode("utf-8"))
    return folder


def installed() -> list[dict]:
    """``meta.json`` of every installed graph (plus its ``folder``), by name."""
    found = []
    for meta_path in sorted(graphs_dir().glob(f"*/{META_FILE}")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # a torn install: not listed
        found.append(meta | {"folder": str(meta_path.parent), "name": meta_path.parent.name})
    return found


def graph_folder(spec: str) -> Path | None:
    """The folder of a graph spec (name or folder); ``None`` for the shipped graph."""
    if spec in (None, "", SHIPPED):
        return None
    path = Path(spec)
    if (path / META_FILE).exists():
        return path
    if NAME.match(str(spec)) and (graphs_dir() / spec / META_FILE).exists():
        return graphs_dir() / spec
    names = [SHIPPED] + [m["name"] for m in installed()]
    raise KgrecError(f"graph {spec!r}: not an installed graph name nor a graph folder; "
                     f"installed: {', '.join(names)} (kgrec kg import ... --name NAME adds one)")


def graph_noun(spec: str | None = None) -> str:
    """What the items of the graph at ``spec`` are called (``"movie"``, ``"book"``), read from its
    ``meta.json`` without loading the graph."""
    folder = graph_folder(spec)
    if folder is None:
        return ITEM_TYPE
    try:
        return json.loads((folder / META_FILE).read_text(encoding="utf-8")).get("noun") or ITEM_TYPE
    except (OSError, json.JSONDecodeError, AttributeError):
        return ITEM_TYPE  # a torn meta.json: loading the graph reports it


def load_graph(spec: str | None = None) -> nx.MultiDiGraph:
    """The graph named or stored at ``spec``; ``None`` = the shipped movie KG."""
    folder = graph_folder(spec)
    if folder is None:
        from kgrec.kg.storage.store import load_movie_graph

        return load_movie_graph()
    G = read_graph_file(folder / GRAPH_FILE)
    G.graph["folder"] = str(folder)
    apply_tuning(G, read_tuning(folder))
    return G


def turns_file(spec: str | None, split: str) -> Path | None:
    """The CRSLab-format turn file of a graph's ``split`` (``None``: shipped graph or none imported)."""
    folder = graph_folder(spec)
    if folder is None or not (folder / f"{split}.jsonl").exists():
        return None
    return folder / f"{split}.jsonl"


def graph_turns(G: nx.MultiDiGraph, split: str) -> list | None:
    """The imported ``split`` turns of a graph loaded from a folder, as ``kgrec.kg.sources.redial.Turn``; ``None`` if none.

    The context alternates speakers and ends with the seeker (the next message is the recommender's).
    """
    from kgrec.kg.errors import DataFileError
    from kgrec.kg.sources.redial import RECOMMENDER, SEEKER, Turn, Utterance

    path = Path(G.graph.get("folder", "")) / f"{split}.jsonl" if G.graph.get("folder") else None
    if path is None or not path.exists():
        return None
    turns = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            texts = [t for t in row["context"] if t.strip()]
            roles = [SEEKER if (len(texts) - 1 - i) % 2 == 0 else RECOMMENDER for i in range(len(texts))]
            mentioned = tuple(dict.fromkeys(n for n in row["prev_entity"] if is_item(G, n)))
            turns.append(Turn(str(row["dialog_id"]), tuple(map(Utterance, roles, texts)), mentioned, (), (),
                              tuple(row["rec"])))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
            raise DataFileError(path, number, f"a CRSLab turn with context, rec, prev_entity ({e})") from e
    return turns
