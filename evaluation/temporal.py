"""A temporal split made from ReDial's train split, to check what valid cannot.

ReDial's test conversations (ids 20001-23322) all come after its train ones (391-19920), while valid is
drawn from among the train ones. :func:`split_root` lays out a data folder whose train files hold the
conversations before an id, and whose valid file holds the train dialogues from that id on; every other
file links to the real one. ``python -m kgrec.evaluation.tune_fusion --before 17000`` builds the graph
from such a folder (``kgrec.kg.storage.store.movie_graph_from``) and scores and tunes on its held-out
turns, as it does on valid. The test split is never read.
"""
from __future__ import annotations

import json
from pathlib import Path

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
    dialogues = (data / TRAIN_FILE).read_text(encoding="utf-8").splitlines()
    early = [line for line in dialogues if line.strip() and int(json.loads(line)["conversationId"]) < before]
    late = [line for line in dialogues if line.strip() and int(json.loads(line)["conversationId"]) >= before]
    if not early or not late:
        raise ConfigError(f"--before {before}: the train dialogues' ids must fall on both sides of it "
                          f"({len(early)} before, {len(late)} from it on)")
    valid = {str(json.loads(line)["conversationId"]) for line in (data / VALID_FILE).read_text(encoding="utf-8").splitlines()
             if line.strip()}  # valid's conversations are never fit on, here either
    mentions = [line for line in (data / MENTIONS_FILE).read_text(encoding="utf-8").splitlines()
                if line.strip() and int(json.loads(line)["session"]) < before and json.loads(line)["session"] not in valid]
    for name, lines in ((TRAIN_FILE, early), (VALID_FILE, late), (MENTIONS_FILE, mentions)):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return len(early), len(late), len(mentions)
