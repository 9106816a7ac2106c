"""Entity linking: what a user's message refers to, on the tiny graph and on the real KG."""

import pytest

from kgrec.kg.query.linking import build_link_index, link, lookup
from kgrec.kg.sources.redial import link_words
from tests.kg.conftest import (ANIMATION, CIN15, CIN50, COMEDY, GUTTENBERG, HORROR, PA, PA2,
                               SCARY, UP, WILSON)


@pytest.fixture
def index(tiny):
    return build_link_index(tiny, redial_ids={111776: PA})


def nodes(index, text):
    return [m.node for m in link(index, text)]


def test_titles_link_with_or_without_year_case_and_punctuation(index):
    assert nodes(index, "I loved Police Academy") == [PA]
    assert nodes(index, "police academy (1984) was great") == [PA]
    assert nodes(index, "POLICE-ACADEMY!") == [PA]
    assert nodes(index, "Police Academy 2 was worse") == [PA2]
    assert nodes(index, "police academy 2: their first assignment") == [PA2]


def test_the_mention_gives_the_matched_text_and_its_span(index):
    text = "I loved police academy!"
    [mention] = link(index, text)
    assert (mention.name, mention.type, mention.surface) == ("Police Academy (1984)", "movie",
                                                            "police academy")
    assert text[mention.span[0]:mention.span[1]] == "police academy" and mention.score == 1.0


def test_typos_link_fuzzily(index):
    assert nodes(index, "I loved police acadmy") == [PA]
    assert nodes(index, "steve guttenburg is funny") == [COMEDY, GUTTENBERG]
    assert link(index, "I loved police acadmy")[0].score < 1.0


def test_ambiguous_titles_return_all_ranked_by_popularity(index):
    mentions = link(index, "cinderella")
    assert [m.node for m in mentions] == [CIN50, CIN15]
    assert mentions[0].score > mentions[1].score
    assert nodes(index, "cinderella 2015") == [CIN15]


def test_a_film_beats_a_pinball_machine_or_score_of_the_same_name(tiny):
    from kgrec.kg.query.linking import is_film_hint

    tiny.add_node(99, name="Police Academy", title="Police Academy", type="movie", hint="pinball", uri="",
                  year=None, item=True, popularity=50)  # more mentioned, but not a film
    assert nodes(build_link_index(tiny, **link_words(tiny)), "I loved Police Academy") == [PA]  # an edgeless non-film is never linked
    tiny.add_edge(99, GUTTENBERG, key="starring")
    assert nodes(build_link_index(tiny, **link_words(tiny)), "I loved Police Academy") == [PA, 99]  # with edges: both, the film first
    assert [is_film_hint(h) for h in ("", "film", "1939 film", "American film", "pinball", "film score",
                                      "film series", "novel")] == [True] * 4 + [False] * 4


def test_one_word_common_titles_need_a_capital(index):
    assert nodes(index, "I want to watch something up to date") == []
    assert nodes(index, "Have you seen Up? I loved it.") == [UP]
    assert nodes(index, "Up for anything tonight") == []  # a capital that only starts the sentence
    assert nodes(index, "Up is great") == []  # ... even judged at once: "up" is a function word ("It was great")
    assert nodes(index, 'what about "up"') == [UP]
    assert nodes(index, "up (2009)") == [UP]


def test_everyday_words_can_be_given_and_make_titles_need_a_capital(tiny):
    index = build_link_index(tiny, redial_ids={}, common_words={"Cinderella"})
    assert nodes(index, "we watched cinderella") == []
    assert nodes(index, "we watched Cinderella") == [CIN50, CIN15]
    assert nodes(index, "we watched cinderella (1950)") == [CIN50]
    assert nodes(index, "Cinderella tonight, maybe") == []  # a capital that only starts the sentence
    assert nodes(index, "Cinderella was awful") == nodes(index, "Cinderella? hated it") == [CIN50, CIN15]  # judged


def test_inflections_of_words_are_not_typos_of_titles(tiny):
    tiny.add_node(7, name="Fences", title="Fences (2016)", type="movie", item=True, popularity=1)
    index = build_link_index(tiny, redial_ids={})
    assert nodes(index, "a white picket fence") == []
    assert nodes(index, "I loved feences") == [7]


def test_people_by_full_name_and_capitalised_unique_surname(index):
    assert nodes(index, "anything with steve guttenberg") == [GUTTENBERG]
    assert nodes(index, "something by Hugh Wilson") == [WILSON]
    assert nodes(index, "I like Guttenberg") == [GUTTENBERG]
    assert link(index, "I like Guttenberg")[0].score < 1.0


def test_genres_by_name_plural_and_synonym(index):
    assert nodes(index, "any comedies?") == [COMEDY]
    assert nodes(index, "something scary") == [HORROR]
    assert nodes(index, "a funny cartoon for the kids") == [COMEDY, ANIMATION]
    assert set(nodes(index, "a rom-com")) == {COMEDY}  # the tiny graph has no romance genre


def test_longer_matches_win_over_the_words_inside_them(index):
    assert nodes(index, "I liked Scary Movie") == [SCARY]
    assert nodes(index, "I want a scary movie") == [HORROR]


def test_redial_ids_link_through_the_given_map(index):
    mentions = link(index, "@111776 was great but @999 was not")
    assert [(m.node, m.surface, m.span) for m in mentions] == [(PA, "@111776", (0, 7))]


def test_empty_or_irrelevant_text_links_nothing(index):
    assert link(index, "") == [] and link(index, "   ") == []
    assert link(index, "hello, how are you today?") == []
    assert link(index, "i watched it with a friend last night") == []


def test_lookup_is_fuzzy_by_name_and_filters_types(index):
    assert [m.node for m in lookup(index, "Police Academy", limit=2)] == [PA, PA2]
    assert lookup(index, "stev guttenburg")[0].node == GUTTENBERG
    assert [m.node for m in lookup(index, "police", types={"person"})] == [] or all(
        m.type == "person" for m in lookup(index, "police", types={"person"}))
    assert lookup(index, "comedy", types=["genre"])[0].node == COMEDY
    assert lookup(index, str(WILSON))[0].node == WILSON
    assert lookup(index, "@111776")[0].node == PA
    assert lookup(index, "") == []


# ---------------------------------------------------------------- the real KG
@pytest.fixture(scope="module")
def real():
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    return G, build_link_index(G, **link_words(G))


def titles(G, mentions):
    return [G.nodes[m.node].get("title") for m in mentions]


@pytest.mark.slow
def test_real_person_links_to_the_star_of_police_academy(real):
    G, index = real
    [steve] = link(index, "steve guttenberg")
    assert steve.type == "person"
    starred = {G.nodes[h].get("title") for h, _, k in G.in_edges(steve.node, keys=True)
               if k == "starring"}
    assert "Police Academy (1984)" in starred


@pytest.mark.slow
def test_real_typos_ambiguity_and_false_positives(real):
    G, index = real
    assert titles(G, link(index, "I loved police acadmy"))[0] == "Police Academy (1984)"
    assert len([m for m in link(index, "cinderella") if m.type == "movie"]) >= 2
    assert link(index, "I want to watch something up to date") == []
    assert link(index, "i watched it with a friend last night") == []
    assert {G.nodes[m.node]["name"] for m in link(index, "kind of like jurrasic park")} == {
        "Jurassic Park"}
    found = {m.name for m in link(index, "any sci-fi for my kids? I love Tom Hanks")}
    assert found == {"science fiction", "family", "Tom Hanks"}


# ---------------------------------------------------------------- kgrec kg search / facts
def test_cli_search_prints_a_table_and_empty_text_links_nothing(tiny, capsys):
    from argparse import Namespace

    from kgrec.kg.cli_query import run_search

    assert run_search(Namespace(text="I loved police acadmy"), tiny) == 0
    out = capsys.readouterr().out
    assert "Police Academy (1984)" in out and "police acadmy" in out
    assert run_search(Namespace(text=""), tiny) == 0
    assert "no movies, people or genres" in capsys.readouterr().out


def test_cli_unknown_names_are_not_found_with_the_closest(tiny):
    from argparse import Namespace

    from kgrec.kg.cli_query import run_facts
    from kgrec.kg.errors import NotFoundError

    with pytest.raises(NotFoundError, match="not found; closest") as error:
        run_facts(Namespace(name="Xqzzyplk Wrongname"), tiny)
    assert isinstance(error.value.closest, list)


def _short_titles_graph():
    import networkx as nx

    G = nx.MultiDiGraph()
    for node, name, year in [(1, "X", 1986), (2, "9", 2013), (3, "The Drop", 2014), (4, "The Gladiator", 1986)]:
        G.add_node(node, name=name, title=f"{name} ({year})", type="movie", item=True, popularity=1, year=year)
    return G


def test_a_letter_or_number_title_links_only_when_plainly_named_as_a_movie():
    index = build_link_index(_short_titles_graph(), redial_ids={})
    for garbage in ("X", "give me 9 movies", "recommend me the movie called 'DROP TABLE movies'",
                    "'; DROP TABLE movies; --", "ｘ"):
        assert nodes(index, garbage) == [], garbage
    assert nodes(index, "I loved the movie X") == [1] and nodes(index, 'I loved "9"') == [2]
    assert nodes(index, "I loved X (1986)") == [1] and nodes(index, "a film called 9") == [2]
    assert nodes(index, "I loved 'The Drop'") == [3]


def test_a_cue_word_is_never_absorbed_into_a_title_mention():
    import networkx as nx

    G = nx.MultiDiGraph()
    for node, name, year in [(4, "The Gladiator", 1986), (5, "Gladiator", 2000), (6, "Hated", 1994)]:
        G.add_node(node, name=name, title=f"{name} ({year})", type="movie", item=True, popularity=1, year=year)
    index = build_link_index(G, redial_ids={}, common_words=())  # "hated" is no everyday word here
    for text in ("I hated Gladiator", "hated gladiatr", "I loved Gladiator"):
        found = link(index, text)
        assert found and all(m.surface.lower().startswith("gladiat") for m in found), (text, found)
    assert nodes(index, 'I watched "Hated"') == [6]
