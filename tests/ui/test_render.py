"""Cards and the understood panel from hand-built agent values on the 12-movie graph."""
from __future__ import annotations

import base64

from kgrec.agent.types import Explanation, Preferences, RecommendedItem
from kgrec.kg.graph import display
from kgrec.kg.schema import Fact
from tests.agent.conftest import COMEDY, GUTTENBERG, HANKS, PA, PA2, SHINING, TOY, UP, WILSON, agent_graph
from kgrec.ui import render



def recommended(item, paths, text="Because."):
    G = agent_graph()
    return RecommendedItem(item, G.nodes[item]["title"], 1.0, Explanation(item, paths, text))


def test_a_card_shows_title_people_explanation_and_its_cited_path():
    G = agent_graph()
    path = (Fact(PA2, "starring", GUTTENBERG), Fact(PA, "starring", GUTTENBERG))
    card = render.card(G, recommended(PA2, (path,), "It also stars Steve Guttenberg."))
    assert card.title == "Police Academy 2: Their First Assignment (1985)"
    assert card.people == "starring Steve Guttenberg"
    assert card.explanation == "It also stars Steve Guttenberg."
    assert card.path_text == ("Police Academy 2: Their First Assignment (1985) —starring→ Steve Guttenberg"
                              " ←starring— Police Academy (1984)")
    assert card.picture.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(card.picture.split(",", 1)[1]).startswith(b"<?xml")


def test_people_line_has_the_director_then_the_stars():
    assert render.people_line(agent_graph(), PA) == "Directed by Hugh Wilson · starring Steve Guttenberg"
    assert render.people_line(agent_graph(), UP) == ""


def test_people_line_names_the_best_known_stars_first():
    G = agent_graph()
    for n, name, films in [(901, "Aaron Bitpart", 0), (902, "Bea Bitpart", 0), (903, "Zed Famous", 20)]:
        G.add_node(n, name=name, type="person", hint="", uri="")
        G.add_edge(PA, n, key="starring", relation="starring")
        for k in range(films):  # a long filmography: better known
            G.add_edge(950 + k, n, key="starring", relation="starring")
    line = render.people_line(G, PA)
    assert line.startswith("Directed by Hugh Wilson · starring Zed Famous, Steve Guttenberg, ")
    assert "Bea Bitpart" not in line  # three stars at most: a bit part is left out


def test_a_path_reads_from_the_recommended_item_whichever_way_it_is_stored():
    G = agent_graph()
    path = (Fact(PA, "genre", COMEDY), Fact(TOY, "genre", COMEDY))
    assert render.path_text(G, path, TOY) == "Toy Story (1995) —genre→ comedy ←genre— Police Academy (1984)"
    assert render.path_text(G, path, PA) == "Police Academy (1984) —genre→ comedy ←genre— Toy Story (1995)"
    assert render.path_text(G, (Fact(PA, "director", WILSON),), WILSON) == (
        "Hugh Wilson ←director— Police Academy (1984)")
    assert render.path_text(G, ()) == ""


def test_a_picture_of_several_paths_is_a_small_svg_naming_every_node_and_relation():
    G = agent_graph()
    paths = ((Fact(TOY, "starring", HANKS),), (Fact(TOY, "genre", COMEDY), Fact(PA, "genre", COMEDY)))
    svg = render.path_svg(G, TOY, paths)
    assert svg.startswith(b"<?xml") and b"<svg" in svg and 500 < len(svg) < 20_000
    text = svg.decode()
    for node in (TOY, HANKS, COMEDY, PA):
        assert render._short(display(G, node)) in text
    assert ">starring<" in text and ">genre<" in text


def test_a_card_without_a_path_has_no_picture_and_html_is_escaped():
    G = agent_graph()
    G.nodes[SHINING]["title"] = "<script>alert(1)</script>"
    item = RecommendedItem(SHINING, G.nodes[SHINING]["title"], 1.0, Explanation(SHINING, (), "A <b>classic</b>."))
    card = render.card(G, item)
    assert card.picture == "" and card.path_text == ""
    html = render.card_html(card, "disliked")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;classic" in html
    assert "not for you" in html and "<img" not in html


def test_the_understood_panel_lists_each_preference_once_in_groups():
    G = agent_graph()
    prefs = Preferences(liked=[PA], disliked=[SHINING], seen=[UP], genres=[COMEDY], not_people=[HANKS],
                        year_min=1990, recommended=[TOY])
    rows = render.preference_rows(G, prefs)
    assert [(r.group, r.label, r.node) for r in rows] == [
        ("Likes", "Police Academy (1984)", PA), ("Dislikes", "The Shining (1980)", SHINING),
        ("Seen", "Up (2009)", UP), ("Wanted", "comedy", COMEDY), ("Avoid", "Tom Hanks", HANKS),
        ("Years", "from 1990", "year_min")]
    assert render.preference_rows(G, Preferences()) == []


def test_rows_among_the_wishes_are_marked_and_a_not_never_is():
    from kgrec.kg.schema import Constraints

    prefs = Preferences(genres=[COMEDY], not_people=[HANKS], people=[HANKS], year_min=1990, year_max=2000)
    wishes = Constraints(genres=frozenset({COMEDY}), people=frozenset({HANKS}), year_min=1990)
    marked = {(r.group, r.node) for r in render.preference_rows(agent_graph(), prefs, wishes) if r.wish}
    assert marked == {("Wanted", COMEDY), ("Wanted", HANKS), ("Years", "year_min")}
    assert not any(r.wish for r in render.preference_rows(agent_graph(), prefs))


def test_an_excluded_decade_is_a_removable_row():
    from kgrec.agent import preferences

    prefs = Preferences(not_years=[(1980, 1989)])
    row = render.preference_rows(agent_graph(), prefs)[-1]
    assert (row.group, row.label, row.node) == ("Years", "not 1980-1989", "not_years")
    assert preferences.forget(prefs, row.node).not_years == ()
