"""Derive the shipped ReDial training files from the public sources (``../shared/data/redial``).

Usage::

    python -m kgrec.kg.sources.redial_sources --sources ../shared/data/redial     # writes data/redial/train*.jsonl

Two files come out, both of ReDial's official **train** split (CC BY 4.0, Li et al. 2018):

* ``train.jsonl``: the dialogues with their text, line for line as the source holds them, less
  any conversation of ``valid.jsonl`` (the source has none; checked).
* ``train_mentions.jsonl``: every train conversation as its chronological movie mentions with the
  seeker's label, in the interactions-file format ``kgrec.kg.sources.interactions.read_sessions`` reads (and
  ``kgrec kg import --interactions`` takes for any graph)::

      {"session": "391", "items": [["84779", 1], ["191602", 1], ...]}

  Items are ReDial movie ids; the label is 1 (liked), 0 (not liked) or null. The source's
  conversations of ``valid.jsonl`` (``in_valid_jsonl``, or an id of that file) are left out, so
  nothing fitted ever sees the split that tuning reads. Conversations that ``train.jsonl`` also
  holds are kept: the graph build de-duplicates by conversation id, preferring the dialogue.

The test split is never read.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from kgrec.kg.errors import DataFileError
from kgrec.kg.jsonl import read_jsonl
from kgrec.kg.locations import data_dir
from kgrec.kg.sources.interactions import MENTIONS_FILE
from kgrec.kg.sources.redial import MENTION, TRAIN_FILE, VALID_FILE, load_dialogues

MENTIONS_SOURCE = "train_mentions.jsonl"
SOURCE_KEYS = ("conversationId", "movies", "in_valid_jsonl")


def _mention_rows(path: Path) -> list[dict]:
    def valid(row) -> bool:
        return (isinstance(row, dict) and all(k in row for k in SOURCE_KEYS) and isinstance(row["movies"], list)
                and all(isinstance(m, list) and len(m) == 2 and str(m[0]).isdigit() and m[1] in (0, 1)
                        for m in row["movies"]))

    return read_jsonl(path, valid, '{"conversationId", "movies": [[movie id, 0/1], ...], "in_valid_jsonl"}',
                      "ReDial mention rows")


def session_row(row: dict) -> dict:
    """A source row in the interactions-file format.

    >>> session_row({"conversationId": 391, "movies": [["84779", 1], ["145455", 0]], "in_valid_jsonl": False})
    {'session': '391', 'items': [['84779', 1], ['145455', 0]]}
    """
    return {"session": str(row["conversationId"]), "items": [[str(m), int(like)] for m, like in row["movies"]]}


def disagreements(dialogues: list[dict], rows: list[dict]) -> int:
    """Mentions of the shared conversations whose order or seeker label differs from the dialogue's."""
    by_id = {str(d["conversationId"]): d for d in dialogues}
    bad = 0
    for row in rows:
        d = by_id.get(str(row["conversationId"]))
        if d is None:
            continue
        movies = [str(m) for m, _ in row["movies"]]
        written = [m for m in dict.fromkeys(MENTION.findall(" ".join(str(x.get("text")) for x in d["messages"])))
                   if m in movies]
        bad += written != movies
        for movie, like in row["movies"]:
            answers = [(d.get(k) or {}).get(str(movie)) or {} for k in ("initiatorQuestions", "respondentQuestions")]
            bad += like not in [a.get("liked") for a in answers]
    return bad


def derive(sources: Path, out: Path) -> dict[str, int]:
    """Write ``train.jsonl`` and ``train_mentions.jsonl`` under ``out/redial``; the counts."""
    sources, out = Path(sources), Path(out)
    valid_ids = {str(d["conversationId"]) for d in load_dialogues(sources / Path(VALID_FILE).name)}
    train_lines = (sources / Path(TRAIN_FILE).name).read_text(encoding="utf-8").splitlines()
    dialogues = load_dialogues(sources / Path(TRAIN_FILE).name)
    if any(str(d["conversationId"]) in valid_ids for d in dialogues):
        raise DataFileError(sources / Path(TRAIN_FILE).name, None, "no conversation of valid.jsonl")
    rows = _mention_rows(sources / MENTIONS_SOURCE)
    kept = [r for r in rows if not r["in_valid_jsonl"] and str(r["conversationId"]) not in valid_ids]
    (out / "redial").mkdir(parents=True, exist_ok=True)
    (out / TRAIN_FILE).write_text("".join(line + "\n" for line in train_lines if line.strip()), encoding="utf-8")
    (out / MENTIONS_FILE).write_text("".join(json.dumps(session_row(r)) + "\n" for r in kept), encoding="utf-8")
    shared = {str(d["conversationId"]) for d in dialogues} & {str(r["conversationId"]) for r in kept}
    return {"dialogues": len(dialogues), "mention rows": len(rows), "valid rows left out": len(rows) - len(kept),
            "mention rows kept": len(kept), "of them also in train.jsonl": len(shared),
            "disagreements with the dialogues": disagreements(dialogues, kept)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", required=True, help="the public ReDial files (../shared/data/redial)")
    parser.add_argument("--out", default=None, help="the data folder to write into (default: the repo's data/)")
    args = parser.parse_args(argv)
    counts = derive(Path(args.sources), Path(args.out) if args.out else data_dir())
    for what, n in counts.items():
        print(f"{what:<36}{n:>8,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
