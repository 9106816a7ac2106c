"""kgrec.kg.sources.import_unicrs: a UniCRS/CRSLab KG folder + dialogues, keeping the source's ids (tiny folder written here)."""
import json
from pathlib import Path

import pytest

from kgrec.kg.errors import DataFileError, KgrecError
from kgrec.kg.graph import catalog
from kgrec.kg.sources.import_unicrs import import_unicrs
from kgrec.kg.comentions import co_mentions

R = "<http://dbpedia.org/resource/{}>"
ENTITIES = {"Heat_(1995_film)": 40, "Collateral_(film)": 41, "Scarface_(1983_film)": 42, "Al_Pacino": 7,
            "Michael_Mann": 8, "Elliot_Goldenthal": 9, "Tom_Cruise": 10, "Sonia_Pacino": 11, "Action_film": 12}
HEAT, COLLATERAL, SCARFACE, PACINO, MANN, GOLDENTHAL, CRUISE, SONIA = 40, 41, 42, 7, 8, 9, 10, 11
RELATIONS = {"<http://dbpedia.org/ontology/starring>": 0, "<http://dbpedia.org/ontology/director>": 1,
             "<http://dbpedia.org/ontology/musicComposer>": 2, "<http://dbpedia.org/ontology/relative>": 3,
             "<http://dbpedia.org/ontology/genre>": 4, "self_loop": 5}
KG = {"40": [[0, 7], [1, 8], [2, 9], [4, 12], [5, 40]], "41": [[0, 10], [1, 8]], "42": [[0, 7]], "7": [[3, 11]]}


def utterance(role, text, movies=(), entities=()):
    return {"text": text, "role": role, "movie_link": [R.format(m) for m in movies],
            "entity_link": [R.format(e) for e in entities], "movie": [], "entity_name": [], "movie_name": []}


TRAIN = [
    [utterance("RECOMMENDER", "Hi! What do you like?"),
     utterance("SEEKER", "I loved Heat with Al Pacino", ["Heat_(1995_film)"], ["Al_Pacino"]),
     utterance("RECOMMENDER", "Then try Collateral", ["Collateral_(film)"]),
     utterance("RECOMMENDER", "or Scarface", ["Scarface_(1983_film)"])],
    [utterance("SEEKER", "Heat is great", ["Heat_(1995_film)"]),
     utterance("RECOMMENDER", "Collateral!", ["Collateral_(film)", "Unknown_film"])],
]
VALID = [[utterance("SEEKER", "Something like Scarface", ["Scarface_(1983_film)"]),
          utterance("RECOMMENDER", "Heat", ["Heat_(1995_film)"])]]


def write_unicrs(folder: Path) -> dict[str, str]:
    """The tiny KG folder and its dialogue files; returns ``{"train": path, "valid": path}``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"entity2id.json": {R.format(k): v for k, v in ENTITIES.items()}, "relation2id.json": RELATIONS,
             "dbpedia_subkg.json": KG, "item_ids.json": [HEAT, COLLATERAL, SCARFACE]}
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data), encoding="utf-8")
    paths = {}
    for split, dialogues in (("train", TRAIN), ("valid", VALID)):
        paths[split] = str(folder / f"{split}.jsonl")
        Path(paths[split]).write_text("".join(json.dumps(d) + "\n" for d in dialogues), encoding="utf-8")
    return paths


@pytest.fixture
def imported(tmp_path):
    return import_unicrs(tmp_path / "kg", write_unicrs(tmp_path / "kg"), relation_types={"relative": "person"})


def test_source_ids_are_kept_and_relations_typed(imported):
    G = imported.graph
    assert catalog(G) == [HEAT, COLLATERAL, SCARFACE]  # the files' ids, not renumbered
    assert G.nodes[HEAT]["title"] == "Heat (1995)" and G.nodes[PACINO]["name"] == "Al Pacino"
    assert G.has_edge(HEAT, GOLDENTHAL, "music_composer") and G.nodes[GOLDENTHAL]["type"] == "person"
    assert G.nodes[SONIA]["type"] == "person"  # only by the user's mapping relative=person
    assert not G.has_edge(HEAT, HEAT)


def test_untyped_relations_are_reported(tmp_path):
    notes = import_unicrs(tmp_path / "kg", write_unicrs(tmp_path / "kg")).notes
    assert any("relation 'relative' (1 edges) has no tail type" in n for n in notes)


def test_dialogues_become_turns_and_interactions(imported):
    G, turns = imported.graph, imported.turns
    first = turns["train"][0]  # consecutive recommender utterances merged into one turn
    assert first["rec"] == [COLLATERAL, SCARFACE] and first["prev_entity"] == [HEAT, PACINO]
    assert first["context"] == ["Hi! What do you like?", "I loved Heat with Al Pacino"]
    assert [t["rec"] for t in turns["valid"]] == [[HEAT]]
    assert G.nodes[HEAT]["popularity"] == 2 and G.nodes[SCARFACE]["popularity"] == 1  # train only
    assert co_mentions(G).pair(HEAT, COLLATERAL)[0] == 2
    assert G.graph["trained_on"] == "train.jsonl (2 dialogues)"
    assert any("1 of 6 movie links are not catalog items" in n for n in imported.notes)


def test_a_folder_without_the_kg_files_or_a_bad_dialogue_line_is_one_clear_error(tmp_path):
    with pytest.raises(KgrecError, match="missing dbpedia_subkg.json"):
        import_unicrs(tmp_path)
    paths = write_unicrs(tmp_path / "kg")
    Path(paths["train"]).write_text('{"not": "a list"}\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="train.jsonl:1: a list of utterances"):
        import_unicrs(tmp_path / "kg", paths)
