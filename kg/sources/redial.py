"""ReDial dialogues as recommendation turns over the KG (train/valid only for building/training).

Conventions (kept identical to CRSLab's preparation of ``data/redial_kg/test.jsonl``):

* Consecutive messages of one worker are merged into one :class:`Utterance` (joined by a
  space), so a "recommender message" is everything the recommender writes before the seeker
  answers. ``@123`` is replaced by the movie's KG title, else by ReDial's name for it.
* ``targets`` are the KG items written ``@id`` in the recommender's message that either
  questionnaire marks ``suggested == 1``; a movie absent from both questionnaires counts as
  suggested (the label is then "mentioned by the recommender"). A target may repeat a movie
  already in the context, as in the test labels.
* ``liked``/``disliked`` come from the seeker's questionnaire (``initiatorQuestions``), falling
  back to the recommender's (``respondentQuestions``) where the seeker said nothing; only items
  mentioned in the context count.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import networkx as nx

from kgrec.kg.errors import DataFileError, KgrecError
from kgrec.kg.graph import display
from kgrec.kg.jsonl import read_jsonl
from kgrec.kg.locations import data_dir
from kgrec.kg.query.lexicon import chat_words
from kgrec.kg.sources.build import REDIAL_FILES, clean_text

SEEKER, RECOMMENDER = "seeker", "recommender"
MENTION = re.compile(r"@(\d+)")
DATED = re.compile(r"\(\d{4}\)\s*$")  # a ReDial name that ends with its year: "Black Panther (2018)"
REQUIRED_KEYS = ("conversationId", "messages", "movieMentions", "initiatorWorkerId")
#: the ReDial splits under data/ that build and train the product (3,813 and 300 dialogues of the
#: official train split); the test split is read by evaluation only
TRAIN_FILE, VALID_FILE = "redial/train.jsonl", "redial/valid.jsonl"


@dataclass(frozen=True)
class Utterance:
    role: str  # "seeker" | "recommender"
    text: str  # @ids written as titles


@dataclass(frozen=True)
class Turn:
    dialog_id: str
    context: tuple[Utterance, ...]  # everything before the recommender's message
    mentioned: tuple[int, ...]  # KG items mentioned in the context, in order
    liked: tuple[int, ...]
    disliked: tuple[int, ...]
    targets: tuple[int, ...]  # KG items the recommender suggests in this message (the labels)


def load_dialogues(path) -> list[dict]:
    """The dialogues of a ReDial ``.jsonl`` file; a bad line raises ``DataFileError``."""
    return read_jsonl(path, lambda d: isinstance(d, dict) and all(k in d for k in REQUIRED_KEYS),
                      f"a dialogue with keys {', '.join(REQUIRED_KEYS)}", "ReDial JSONL",
                      syntax="a JSON dialogue object")


def redial_to_node(G: nx.MultiDiGraph, mapping_path=None) -> dict[int, int]:
    """ReDial movie id -> KG item node, through the KGSF mapping file.

    A row links on its DBpedia URI when that URI is a catalog item. Otherwise (the URI is empty,
    as for the 2017-2018 films ReDial added late, or names a series, a score or a comic) it links
    on ReDial's name with its year: "Black Panther (2018)" to the one catalog item titled so
    (whitespace and case aside). A name that several items share links nowhere, and so does a name
    without a year: the catalog's "Thor" is a volcano and its "Kill Bill" a song.
    """
    path = Path(mapping_path or data_dir() / REDIAL_FILES[1])
    items = [(n, d) for n, d in G.nodes(data=True) if d.get("item")]
    by_uri = {d["uri"]: n for n, d in items if d.get("uri")}
    by_title: dict[str, int | None] = {}
    for n, d in items:
        key = _title_key(display(G, n))
        by_title[key] = n if key not in by_title else None
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t"))
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror})") from e
    mapping = {}
    for line, row in enumerate(rows[1:], 2):
        if len(row) != 3 or not row[0].isdigit():
            raise DataFileError(path, line, "redial_movie_id<TAB>movieName<TAB>dbpedia_uri")
        node = by_uri.get(row[2].strip("<>"))
        if node is None and DATED.search(row[1]):
            node = by_title.get(_title_key(row[1]))
        if node is not None:
            mapping[int(row[0])] = node
    return mapping


def _title_key(title: str) -> str:
    """A title compared with whitespace runs and case ignored: ``"Deadpool 2  (2018)"`` = ``"deadpool 2 (2018)"``."""
    return " ".join(title.split()).casefold()


@lru_cache(maxsize=1)
def chat_words_of_train() -> frozenset[str]:
    """Everyday words of the ReDial train dialogues (movies there are ``@ids``), if shipped; cached
    by content (``kgrec.kg.sources.word_cache``: the file's bytes and the code that counts them)."""
    from kgrec.kg.query import lexicon
    from kgrec.kg.sources import word_cache

    path = data_dir() / TRAIN_FILE

    def count() -> frozenset[str]:
        return chat_words(" ".join(str(m.get("text", "")) for m in d["messages"]) for d in load_dialogues(path))
    try:
        return word_cache.cached_words(path, count, code=(lexicon.__file__, __file__))
    except KgrecError:
        return frozenset()


def link_words(G: nx.MultiDiGraph) -> dict:
    """ReDial's words for ``kgrec.kg.query.linking.build_link_index(G, **link_words(G))``: its movie ids
    (``redial_ids``; none when the mapping file is absent or matches no node of ``G``) and the
    everyday words of its train dialogues (``common_words``)."""
    try:
        ids = redial_to_node(G)
    except KgrecError:
        ids = {}
    return {"redial_ids": ids, "common_words": chat_words_of_train()}


def _answer(dialogue: dict, movie: str, field: str) -> int:
    """A questionnaire answer about ``movie`` (seeker's first), 2 where nobody said."""
    for key in ("initiatorQuestions", "respondentQuestions"):
        answers = dialogue.get(key) or {}
        value = answers.get(movie, {}).get(field, 2) if isinstance(answers, dict) else 2
        if value in (0, 1):
            return value
    return 2


def _suggested(dialogue: dict, movie: str) -> bool:
    asked = [dialogue.get(k) or {} for k in ("initiatorQuestions", "respondentQuestions")]
    known = [a[movie] for a in asked if isinstance(a, dict) and movie in a]
    return not known or any(a.get("suggested") == 1 for a in known)


def merged_messages(dialogue: dict) -> list[tuple[str, str, list[str]]]:
    """``(role, raw text, [movie ids in order])`` with consecutive same-role messages merged."""
    seeker = dialogue["initiatorWorkerId"]
    merged: list[tuple[str, str, list[str]]] = []
    for message in dialogue["messages"]:
        role = SEEKER if message.get("senderWorkerId") == seeker else RECOMMENDER
        text = str(message.get("text", ""))
        ids = MENTION.findall(text)
        if merged and merged[-1][0] == role:
            _, previous, previous_ids = merged[-1]
            merged[-1] = (role, f"{previous} {text}", previous_ids + ids)
        else:
            merged.append((role, text, ids))
    return merged


def _render(G: nx.MultiDiGraph, text: str, dialogue: dict, to_node: dict[int, int]) -> str:
    names = dialogue.get("movieMentions") or {}

    def title(match: re.Match) -> str:
        node = to_node.get(int(match.group(1)))
        if node is not None:
            return display(G, node)
        name = names.get(match.group(1)) if isinstance(names, dict) else None
        return clean_text(unquote(name)) if name else match.group(0)

    return clean_text(MENTION.sub(title, text))


def dialogue_turns(G: nx.MultiDiGraph, dialogue: dict, to_node: dict[int, int]) -> list[Turn]:
    """The recommendation turns of one dialogue (see the module docstring)."""
    turns, context = [], []
    mentioned: dict[int, str] = {}  # KG item -> the ReDial id it was first written as, in order
    for role, text, ids in merged_messages(dialogue):
        nodes = [(m, to_node[int(m)]) for m in ids if int(m) in to_node]
        targets = [n for m, n in nodes if _suggested(dialogue, m)]
        if role == RECOMMENDER and targets:
            liked = [n for n, m in mentioned.items() if _answer(dialogue, m, "liked") == 1]
            disliked = [n for n, m in mentioned.items() if _answer(dialogue, m, "liked") == 0]
            turns.append(Turn(str(dialogue["conversationId"]), tuple(context), tuple(mentioned),
                              tuple(liked), tuple(disliked), tuple(dict.fromkeys(targets))))
        context.append(Utterance(role, _render(G, text, dialogue, to_node)))
        for m, n in nodes:
            mentioned.setdefault(n, m)
    return turns


def recommendation_turns(G: nx.MultiDiGraph, dialogues: list[dict]) -> list[Turn]:
    """One :class:`Turn` per recommender message that suggests a KG item."""
    to_node = redial_to_node(G)
    return [turn for dialogue in dialogues for turn in dialogue_turns(G, dialogue, to_node)]


def add_remention_prior(G: nx.MultiDiGraph, root=None) -> None:
    """Count the re-mention prior (``kgrec.kg.query.remention``) on the train dialogues' recommendation turns
    (conversations of ``valid.jsonl`` left out) and keep it on ``G.graph`` (in place)."""
    from dataclasses import asdict

    from kgrec.kg.query import remention

    root = Path(root or data_dir())
    valid = {str(d["conversationId"]) for d in load_dialogues(root / VALID_FILE)}
    dialogues = [d for d in load_dialogues(root / TRAIN_FILE) if str(d["conversationId"]) not in valid]
    to_node = redial_to_node(G, root / REDIAL_FILES[1])
    turns = [t for d in dialogues for t in dialogue_turns(G, d, to_node)]
    G.graph[remention.GRAPH_KEY] = asdict(remention.fit_prior(remention.turn_observations(turns)))
    G.graph[remention.SOURCE_KEY] = f"{len(turns):,} recommendation turns of {len(dialogues):,} {TRAIN_FILE} dialogues"
