"""`kgrec eval tune --graph NAME`: an imported graph's retriever tuned on its train turns, held out by fold."""
import json
from pathlib import Path

import pytest

from kgrec.kg.storage import registry
from kgrec.kgrec_cli import main

R = "<http://dbpedia.org/resource/{}>"
FILMS = {"Heat_(1995_film)": 40, "Collateral_(film)": 41, "Scarface_(1983_film)": 42, "Thief_(film)": 43}
PEOPLE = {"Al_Pacino": 7, "Michael_Mann": 8}
KG = {"40": [[0, 7], [1, 8]], "41": [[1, 8]], "42": [[0, 7]], "43": [[1, 8]]}


def say(role, text, *movies):
    return {"text": text, "role": role, "movie_link": [R.format(m) for m in movies], "entity_link": []}


def pitch(liked, pitched):
    """The seeker likes one film; the recommender pitches another, is asked about it, and pitches it again."""
    return [say("SEEKER", f"I loved {liked[0]}", liked[1]), say("RECOMMENDER", f"Try {pitched[0]}", pitched[1]),
            say("SEEKER", "Hmm, what is it like?"), say("RECOMMENDER", f"{pitched[0]} is great, watch it", pitched[1])]


HEAT, COLLATERAL, SCARFACE, THIEF = (("Heat", "Heat_(1995_film)"), ("Collateral", "Collateral_(film)"),
                                     ("Scarface", "Scarface_(1983_film)"), ("Thief", "Thief_(film)"))
TRAIN = [pitch(HEAT, COLLATERAL), pitch(COLLATERAL, THIEF), pitch(SCARFACE, HEAT), pitch(THIEF, COLLATERAL)] * 2
VALID = [pitch(HEAT, THIEF)]


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "src"
    folder.mkdir()
    files = {"entity2id.json": {R.format(k): v for k, v in {**FILMS, **PEOPLE}.items()},
             "relation2id.json": {"<http://dbpedia.org/ontology/starring>": 0, "<http://dbpedia.org/ontology/director>": 1},
             "dbpedia_subkg.json": KG, "item_ids.json": sorted(FILMS.values())}
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data), encoding="utf-8")
    for split, dialogues in (("train", TRAIN), ("valid", VALID)):
        (folder / f"{split}.jsonl").write_text("".join(json.dumps(d) + "\n" for d in dialogues), encoding="utf-8")
    assert main(["kg", "import", "--unicrs", str(folder), "--dialogues", f"train={folder / 'train.jsonl'}",
                 "--dialogues", f"valid={folder / 'valid.jsonl'}", "--name", "tiny"]) == 0
    return folder


def test_tuning_learns_that_the_pitch_is_suggested_again_and_keeps_it_with_the_graph(tiny, tmp_path, capsys):
    assert main(["eval", "tune", "--graph", "tiny", "--folds", "2", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "saved" in out and "popularity" in out
    G = registry.load_graph("tiny")
    from kgrec.kg.query.remention import graph_prior
    from kgrec.kg.query.retrieval import graph_weights

    assert graph_prior(G).last == 1.0  # every second pitch repeats the first
    assert graph_weights(G).remention > 0
    held_out = json.loads((Path(registry.graph_folder("tiny")) / registry.TUNING_FILE).read_text())["report"]["held_out"]
    assert held_out["tuned"]["R@1"] > held_out["FusionWeights() (ReDial's)"]["R@1"] > held_out["popularity"]["R@1"]
    from kgrec.evaluation.systems import AgentReplay
    from kgrec.evaluation.turns import load_turns

    second = load_turns(registry.turns_file("tiny", "valid"), G)[1]  # Thief was pitched; the seeker asks about it
    tuned = [c.item for c in AgentReplay(G).prepare(second).candidates]
    G.graph.pop("fusion_weights"), G.graph.pop("remention_prior")
    untuned = [c.item for c in AgentReplay(G).prepare(second).candidates]
    assert FILMS["Thief_(film)"] in tuned and FILMS["Thief_(film)"] not in untuned


def test_a_new_import_drops_the_old_tuning_and_a_torn_file_is_one_line(tiny, capsys):
    assert main(["eval", "tune", "--graph", "tiny", "--folds", "2", "--rounds", "1"]) == 0
    folder = Path(registry.graph_folder("tiny"))
    (folder / registry.TUNING_FILE).write_text("{", encoding="utf-8")
    assert main(["kg", "stats", "--graph", "tiny"]) == 2
    assert "tuning.json: not valid tuned weights" in capsys.readouterr().err
    assert main(["kg", "import", "--unicrs", str(tiny), "--dialogues", f"train={tiny / 'train.jsonl'}", "--name", "tiny"]) == 0
    assert not (folder / registry.TUNING_FILE).exists()


def test_a_graph_without_train_turns_cannot_be_tuned(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path / "cache"))
    books = Path(__file__).parents[1] / "kg" / "fixtures" / "books"
    assert main(["kg", "import", "--items", str(books / "items.csv"), "--triples", str(books / "triples.tsv"),
                 "--noun", "book", "--name", "books"]) == 0
    assert main(["eval", "tune", "--graph", "books"]) == 2
    assert "it has no imported train turns to tune on" in capsys.readouterr().err
