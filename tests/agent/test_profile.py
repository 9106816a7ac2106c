"""Saved profiles: a returning user keeps likes, dislikes and filters; a corrupt file is never overwritten."""
import json

import pytest

from kgrec.kg.errors import KgrecError
from tests.agent.conftest import GUTTENBERG, HORROR, PA, PA2


def test_profile_round_trip_restores_what_the_user_said(rec, tmp_path):
    s = rec.new_session(user_id="ana")
    rec.respond(s, "I loved Police Academy but no horror, after 1980")
    rec.respond(s, "no more Steve Guttenberg")
    rec.feedback(s, PA2, "seen")
    path = tmp_path / "profiles" / "ana.json"
    rec.save_profile(s, path)
    back = rec.load_profile(path)
    assert back.user_id == "ana" and back is not s
    assert back.preferences.liked == (PA,) and back.preferences.not_genres == (HORROR,)
    assert back.preferences.not_people == (GUTTENBERG,) and back.preferences.seen == (PA2,)
    assert back.preferences.year_min == 1981 and back.preferences.recommended == ()
    assert rec.load_profile(path, user_id="bo").user_id == "bo"
    assert json.loads(path.read_text())["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["ana.json"]  # no temporary file left behind


def test_a_returning_user_is_not_asked_again(rec, tmp_path):
    s = rec.new_session()
    rec.respond(s, "I loved Police Academy")
    rec.save_profile(s, tmp_path / "p.json")
    reply = rec.respond(rec.load_profile(tmp_path / "p.json"), "hi again")
    assert reply.items and reply.trace[1].tool == "retrieve_candidates"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"format": "kgrec-profile", "version": 99, "preferences": {}}',
                                     '{"format": "kgrec-profile", "version": 1, "preferences": {"liked": ["PA"]}}',
                                     "\x00\xff"])
def test_a_corrupt_profile_is_a_clear_error_and_is_not_overwritten(rec, tmp_path, content):
    path = tmp_path / "p.json"
    path.write_text(content, encoding="latin-1")
    before = path.read_bytes()
    with pytest.raises(KgrecError, match="p.json"):
        rec.load_profile(path)
    with pytest.raises(KgrecError):
        rec.save_profile(rec.new_session(), path)
    assert path.read_bytes() == before


def test_a_missing_profile_names_the_file(rec, tmp_path):
    with pytest.raises(KgrecError, match="does not exist"):
        rec.load_profile(tmp_path / "nobody.json")


def test_nodes_no_longer_in_the_graph_are_dropped_on_load(rec, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"format": "kgrec-profile", "version": 1, "user_id": None,
                                "preferences": {"liked": [PA, 987654], "seen": []}}))
    assert rec.load_profile(path).preferences.liked == (PA,)


def _profile(**prefs) -> dict:
    return {"format": "kgrec-profile", "version": 1, "user_id": None, "preferences": prefs}


HOSTILE = {
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "deep inside the preferences": json.dumps(_profile()).replace('"preferences": {}', '"preferences": ' + "[" * 50_000 + "]" * 50_000),
    "5,000-digit number": json.dumps(_profile(liked=[1])).replace("[1]", "[" + "9" * 5000 + "]"),
    "year_min > year_max": json.dumps(_profile(year_min=2000, year_max=1990)),
    "year out of range": json.dumps(_profile(year_min=-5)),
    "negative node id": json.dumps(_profile(liked=[-1])),
    "unknown preference": json.dumps(_profile(liked=[1], favourite_colour="red")),
    "unknown top-level field": json.dumps({**_profile(), "admin": True}),
    "a boolean as an id": json.dumps(_profile(liked=[True])),
    "a huge user id": json.dumps({**_profile(), "user_id": "x" * 10_000}),
    "more than a megabyte": json.dumps(_profile(liked=[1] * 400_000)),
}
EXPECTED = {"deep nesting": "nested", "deep inside the preferences": "nested", "5,000-digit number": "at most 4,300 digits",
            "year_min > year_max": '"year_min" <= "year_max" (found 2000 > 1990)', "year out of range": "year from 1800",
            "negative node id": "node ids", "unknown preference": "unknown: favourite_colour",
            "unknown top-level field": "unknown: admin", "a boolean as an id": "node ids",
            "a huge user id": "user_id", "more than a megabyte": "at most 1,000 kB"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_profile_is_one_clear_line_and_stays_as_it_was(rec, tmp_path, name):
    path = tmp_path / "p.json"
    path.write_text(HOSTILE[name])
    before = path.read_bytes()
    with pytest.raises(KgrecError) as e:
        rec.load_profile(path)
    message = str(e.value)
    assert message.startswith(f"{path}: ") and EXPECTED[name] in message and "\n" not in message and len(message) < 400
    assert path.read_bytes() == before


def test_a_surrogate_in_the_user_id_is_cleaned(rec, tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"format": "kgrec-profile", "version": 1, "user_id": "ana\\ud800", "preferences": {}}')
    assert rec.load_profile(path).user_id == "ana\ufffd"


def test_excluded_year_ranges_survive_a_save_and_a_load(tmp_path):
    from kgrec.agent import profile
    from kgrec.agent.types import Preferences

    path = tmp_path / "p.json"
    profile.write(path, Preferences(liked=[1], not_years=[(1980, 1989)]), "me")
    assert profile.read(path)[1].not_years == ((1980, 1989),)
    bad = tmp_path / "bad.json"
    data = profile.to_json(Preferences(), None)
    data["preferences"]["not_years"] = [[1990, 1980]]
    import json
    bad.write_text(json.dumps(data))
    with pytest.raises(KgrecError, match="not_years"):
        profile.read(bad)
