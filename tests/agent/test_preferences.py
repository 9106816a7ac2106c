"""The preference algebra: frozen values, each change a new object, every field described once."""
import dataclasses

import pytest

from kgrec.agent import preferences, profile
from kgrec.agent.types import Preferences, preference_fields
from tests.agent.conftest import COMEDY, HANKS, HORROR, PA, PA2, SHINING, TOY
from kgrec.ui import render


def _every_field_set() -> Preferences:
    values = {"nodes": [PA, SHINING], "year": 1980, "ranges": [(1990, 1999)]}
    return Preferences(**{f.name: values[f.metadata["kind"]] for f in dataclasses.fields(Preferences)})


def test_preferences_cannot_change_in_place():
    prefs = Preferences(liked=[PA])
    with pytest.raises(dataclasses.FrozenInstanceError):
        prefs.liked = (PA2,)
    assert prefs.liked == (PA,) and hash(prefs) == hash(Preferences(liked=(PA,)))


def test_add_appends_only_new_nodes_and_leaves_the_old_object_alone():
    before = Preferences(recommended=[PA])
    after = preferences.add(before, "recommended", [PA, PA2, PA2, TOY])
    assert after.recommended == (PA, PA2, TOY) and before.recommended == (PA,)


def test_every_saved_field_survives_a_profile_and_this_sessions_suggestions_do_not(tmp_path):
    path = tmp_path / "p.json"
    profile.write(path, _every_field_set(), "ana")
    _, back = profile.read(path)
    for name in preference_fields():
        expected = getattr(_every_field_set(), name) if name in preference_fields(saved=True) else getattr(Preferences(), name)
        assert getattr(back, name) == expected, name
    assert "recommended" not in preference_fields(saved=True)


def test_forget_clears_a_node_from_every_saved_list_and_a_named_bound():
    prefs = Preferences(liked=[HANKS], not_people=[HANKS], genres=[COMEDY], recommended=[HANKS], year_min=1980)
    gone = preferences.forget(prefs, HANKS)
    assert gone.liked == () and gone.not_people == () and gone.genres == (COMEDY,)
    assert gone.recommended == (HANKS,)  # what was suggested stays suggested
    assert preferences.forget(prefs, "year_min").year_min is None


def test_the_side_panel_shows_every_shown_field_under_its_group(G):
    rows = render.preference_rows(G, _every_field_set())
    groups = [r.group for r in rows]
    assert groups == sorted(groups, key=groups.index)  # each group's rows together, in field order
    assert set(groups) == {f.metadata["group"] for f in dataclasses.fields(Preferences) if f.metadata["group"]}
    assert [r.node for r in rows if r.group == "Wanted"] == [PA, SHINING, PA, SHINING]  # genres, then people
    assert [r.label for r in rows if r.group == "Years"] == ["from 1980", "until 1980", "not 1990-1999"]


def test_only_anchors_are_enough_to_recommend_from():
    assert not preferences.has_preferences(Preferences(disliked=[PA], seen=[PA2], recommended=[TOY]))
    assert all(preferences.has_preferences(dataclasses.replace(Preferences(), **{name: value}))
               for name, value in (("liked", (PA,)), ("not_genres", (HORROR,)), ("year_max", 1990)))


def test_nothing_older_than_a_year_after_a_like_keeps_the_like_and_filters_by_that_year(G):
    from kgrec.agent import understanding
    from kgrec.kg.graph import catalog
    from kgrec.kg.query import linking, retrieval
    from kgrec.kg.sources.redial import link_words

    index, prefs = linking.build_link_index(G, **link_words(G)), Preferences()
    for text in ("I loved Toy Story", "nothing older than 2005 please"):
        mentions = understanding.best_mentions(linking.link(index, text), 0.5)
        u = understanding.understand(G, text, mentions, prefs)
        assert not u.contradictions, (text, u.contradictions)
        prefs = preferences.apply(prefs, u)
    assert prefs.liked == (TOY,) and (prefs.year_min, prefs.year_max) == (2005, None)
    allowed = {n for n in catalog(G) if retrieval.satisfies(G, n, preferences.constraints(G, prefs))}
    assert allowed and all(G.nodes[n]["year"] >= 2005 for n in allowed)
