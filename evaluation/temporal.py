"""A temporal split made from ReDial's train split, to check what valid cannot.

ReDial's test conversations (ids 20001-23322) all come after its train ones (391-19920), while valid is
drawn from among the train ones. :func:`split_root` lays out a data folder whose train files hold the
conversations before an id, and whose valid file holds the train dialogues from that id on; every other
file links to the real one. ``python -m kgrec.evaluation.tune_fusion --before 17000`` builds the graph
from such a folder (:func:`graph_from`) and scores and tunes on its held-out
turns, as it does on valid. The test split is never read.
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from kgrec.kg.errors import ConfigError
from kgrec.kg.sources.interactions import MENTIONS_FILE
from kgrec.kg.sources.redial import TRAIN_FILE, VALID_FILE


def split_root(data: Path, before: int, out: Path) -> tuple[int, int, int]:
    """Lay out ``out`` as ``data`` with the train dialogues before id ``before`` in its train file, the
    ones from ``before`` on as its valid file, and the mention-only conversations before ``before`` (never
    valid's); the linker's everyday words still come from the whole train file (``link_words``);
    ``(train dialogues, held out, mention conversations)``. A split that holds nothing out is a
    ``ConfigError``."""
    data, out = Path(data), Path(out)
    written = {TRAIN_FILE, VALID_FILE, MENTIONS_FILE}
    for path in data.rglob("*"):
        name = path.relative_to(data).as_posix()
        if path.is_file() and name not in written:
            link = out / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path.resolve())
    def rows(name: str) -> list[tuple[str, dict]]:
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        return [(line, json.loads(line)) for line in lines if line.strip()]

    dialogues = rows(TRAIN_FILE)
    early = [line for line, d in dialogues if int(d["conversationId"]) < before]
    late = [line for line, d in dialogues if int(d["conversationId"]) >= before]
    if not early or not late:
        raise ConfigError(f"--before {before}: the train dialogues' ids must fall on both sides of it "
                          f"({len(early)} before, {len(late)} from it on)")
    valid = {str(d["conversationId"]) for _, d in rows(VALID_FILE)}  # valid's conversations are never fit on, here either
    mentions = [line for line, d in rows(MENTIONS_FILE) if int(d["session"]) < before and str(d["session"]) not in valid]
    for name, lines in ((TRAIN_FILE, early), (VALID_FILE, late), (MENTIONS_FILE, mentions)):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return len(early), len(late), len(mentions)


def graph_from(root: Path) -> nx.MultiDiGraph:
    """The movie KG built from the files under ``root`` (laid out as ``data/``, by :func:`split_root`), frozen,
    with the shipped fusion weights; never cached."""
    from kgrec.kg.locations import data_dir
    from kgrec.kg.storage.store import build_full_graph
    from kgrec.kg.storage.tuning import apply_tuning, read_tuning

    G = nx.freeze(build_full_graph(root))
    apply_tuning(G, read_tuning(data_dir()))
    return G
