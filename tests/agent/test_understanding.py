"""What the agent understands from a message (linking + cue words), and how preferences update."""
import pytest

from kgrec.agent import AgentConfig, preferences, turn, understanding
from kgrec.agent.types import Preferences
from kgrec.kg.query import inverted, linking
from kgrec.kg.sources.redial import link_words
from tests.agent.conftest import (ANIMATION, BIG, COMEDY, DRAMA, GET_OUT, GUTTENBERG, HANKS, HORROR, PA, PA2, SCARY,
                                  SHINING, TOY, UP, WILSON)


@pytest.fixture
def read(G):
    index = linking.build_link_index(G, **link_words(G))

    def read(text, prefs=None, last_items=(), focus=None):
        mentions = understanding.best_mentions(linking.link(index, text), 0.5)
        return understanding.understand(G, text, mentions, prefs or Preferences(), last_items, focus)
    return read


def test_a_plainly_mentioned_movie_is_liked(read):
    u = read("I loved Police Academy")
    assert u.liked == (PA,) and not u.disliked and u.has_signal


def test_negated_genres_are_excluded_and_others_wanted(read):
    assert read("not horror").not_genres == (HORROR,)
    assert read("no comedies please").not_genres == (COMEDY,)
    assert read("I want an animation movie").genres == (ANIMATION,)
    assert read("something funnier").genres == (COMEDY,) and read("scarier please").genres == (HORROR,)


def test_no_more_person_is_a_hard_exclusion(read):
    u = read("no more Steve Guttenberg")
    assert u.not_people == (GUTTENBERG,) and GUTTENBERG not in u.liked


def test_a_person_after_with_is_required(read):
    u = read("something with Tom Hanks")
    assert u.people == (HANKS,)


@pytest.mark.parametrize("text, bounds", [
    ("something after 2000", (2001, None)), ("since 2000", (2000, None)), ("before 1990", (None, 1989)),
    ("from the 90s", (1990, 1999)), ("80's movies", (1980, 1989)), ("between 1984 and 1988", (1984, 1988)),
    ("from 2009", (2009, 2009))])
def test_year_bounds(read, text, bounds):
    u = read(text)
    assert (u.year_min, u.year_max) == bounds


def test_newer_and_older_are_relative_to_liked_movies(read):
    prefs = Preferences(liked=[PA, SHINING])  # 1984, 1980
    assert read("something newer", prefs).year_min == 1985
    assert read("older ones", prefs).year_max == 1979


def test_newer_without_a_liked_movie_is_relative_to_the_latest_list_and_no_content_word(read):
    u = read("something newer", last_items=(PA2, TOY))  # 1985, 1995: shown, none liked
    assert u.year_min == 1996 and "newer" not in u.content
    assert read("older ones?", last_items=(PA2, TOY)).year_max == 1984
    assert read("something newer").year_min is None  # nothing to be newer than: no bound


def test_ordinals_refer_to_the_last_list(read):
    last = (PA2, SCARY, TOY)
    assert read("more like the second one", last_items=last).liked == (SCARY,)
    assert read("I've seen the third one", last_items=last).seen == (TOY,)
    assert read("I didn't like the first one", last_items=last).disliked == (PA2,)
    assert read("I've seen it", last_items=last).seen == (PA2,)


def test_a_question_makes_the_movie_its_subject_not_a_like(read):
    u = read("who directed Police Academy?")
    assert u.fact_relations == ("director",) and u.fact_subject == PA and not u.liked
    assert read("who directed it?", last_items=(SHINING, PA)).fact_subject == SHINING
    assert read("who stars in it?", last_items=(PA2,), focus=SHINING).fact_subject == SHINING
    more = read("the second one, tell me more", last_items=(PA2, SCARY))
    assert more.fact_subject == SCARY and not more.liked


def test_a_question_about_a_person_makes_the_person_its_subject(read):
    u = read("tell me about Tom Hanks")
    assert u.fact_subject == HANKS and not u.liked and not u.people
    assert read("who directed Police Academy, the one with Steve Guttenberg?").fact_subject == PA  # movie first


def test_contradictions_are_reported_and_not_applied(read):
    u = read("after 2000 but before 1990")
    assert u.contradictions and preferences.apply(Preferences(), u) == Preferences()
    assert read("horror, but not horror").contradictions


def test_unknown_titles_are_kept_for_suggestions(read):
    assert read("I loved Fake Movie 3").unknown_titles == ("Fake Movie 3",)
    assert read("I loved Police Academy").unknown_titles == ()


def test_latest_statement_wins_and_forget_removes(read):
    prefs = preferences.apply(Preferences(), read("I want horror after 2000"))
    prefs = preferences.apply(prefs, read("not horror, before 1990"))
    assert prefs.not_genres == (HORROR,) and prefs.genres == () and (prefs.year_min, prefs.year_max) == (None, 1989)
    assert preferences.forget(prefs, HORROR).not_genres == () and preferences.forget(prefs, "year_max").year_max is None


def test_constraints_exclude_every_movie_already_mentioned():
    prefs = Preferences(liked=[PA, WILSON], disliked=[SCARY], seen=[TOY], recommended=[PA2])
    from tests.agent.conftest import agent_graph
    assert preferences.constraints(agent_graph(), prefs).exclude == {PA, SCARY, TOY, PA2}


def test_a_namesake_of_a_mentioned_movie_is_not_a_new_suggestion(G):
    """The KG's second entry of the film, or another film of the same title that shares no person with it."""
    G.add_node(99, name="Police Academy", type="movie", title="Police Academy", year=None, item=True)
    G.add_node(98, name="Police Academy", type="movie", title="Police Academy (2030)", year=2030, item=True)
    assert inverted.namesakes(G, [PA]) == {98, 99}
    assert {98, 99} <= turn.constraints(G, Preferences(liked=[PA]), AgentConfig()).constraints.exclude


@pytest.mark.parametrize("text", ["anything but comedies", "other than comedies", "everything except comedy",
                                  "avoid comedies", "without comedy please", "I can't stand comedies",
                                  "something scary but not comedy", "comedies? no thanks", "comedy is not for me",
                                  "comedies I can't stand", "anything rather than comedy"])
def test_every_negation_cue_excludes_the_genre_in_either_order(read, text):
    u = read(text)
    assert u.not_genres == (COMEDY,) and COMEDY not in u.genres


@pytest.mark.parametrize("text", ["other than Tom Hanks", "anything but Tom Hanks", "Tom Hanks? no thanks",
                                  "I can't stand Tom Hanks", "no Tom Hanks or Steve Guttenberg"])
def test_negated_people_are_excluded_never_liked(read, text):
    u = read(text)
    assert HANKS in u.not_people and HANKS not in u.liked + u.people


def test_negation_stops_at_a_new_wish(read):
    u = read("I hated Police Academy, I loved Toy Story")
    assert (u.liked, u.disliked) == ((TOY,), (PA,))
    u = read("no horror, I want comedy")
    assert (u.not_genres, u.genres) == ((HORROR,), (COMEDY,))
    assert read("nothing but comedies").genres == (COMEDY,)


@pytest.mark.parametrize("text, bounds, excluded", [
    ("not from the 80s", (None, None), ((1980, 1989),)), ("avoid the 1990s", (None, None), ((1990, 1999),)),
    ("not before 2000", (2000, None), ()), ("nothing after 2010", (None, 2010), ()),
    ("no movies from the eighties", (None, None), ((1980, 1989),)),
    ("something like Police Academy, but not from the 80s", (None, None), ((1980, 1989),)),
    ("the 80s? no thanks", (None, None), ((1980, 1989),))])
def test_negated_years_are_complemented_not_inverted(read, text, bounds, excluded):
    u = read(text)
    assert ((u.year_min, u.year_max), u.not_years) == (bounds, excluded)


def test_excluded_years_become_a_hard_filter_and_a_wanted_range_lifts_them(read, G):
    prefs = preferences.apply(Preferences(), read("something like Police Academy, but not from the 80s"))
    assert prefs.liked == (PA,) and prefs.not_years == ((1980, 1989),)
    assert preferences.constraints(G, prefs).not_years == {(1980, 1989)}
    prefs = preferences.apply(prefs, read("ok, the 80s then"))
    assert prefs.not_years == () and (prefs.year_min, prefs.year_max) == (1980, 1989)
    assert preferences.forget(preferences.apply(prefs, read("not from the 90s")), "not_years").not_years == ()


@pytest.mark.parametrize("text", ["only 1950s horror after 2015", "comedy but no comedy",
                                  "comedies from the 80s but not from the 80s", "before 1990 and after 2000",
                                  "something with Tom Hanks but without Tom Hanks"])
def test_contradictions_are_found_and_change_nothing(read, text):
    u = read(text)
    assert u.contradictions and preferences.apply(Preferences(genres=[DRAMA]), u) == Preferences(genres=[DRAMA])


@pytest.mark.parametrize("text, wanted", [("something funnier", COMEDY), ("a comedy instead", COMEDY),
                                          ("I'd rather have a comedy", COMEDY), ("less scary", None)])
def test_funnier_instead_and_less_scary_replace_the_genre(read, text, wanted):
    prefs = preferences.apply(Preferences(), read("I want horror"))
    prefs = preferences.apply(prefs, read(text))
    assert HORROR not in prefs.genres and prefs.genres == ((wanted,) if wanted else ())


@pytest.mark.parametrize("text, liked, disliked", [
    ("nothing beats Toy Story", (TOY,), ()), ("I can't get enough of Toy Story", (TOY,), ()),
    ("loved Toy Story, it wasn't boring at all", (TOY,), ()), ("Toy Story bored me", (), (TOY,)),
    ("I never want to see Toy Story again", (), (TOY,)), ("I loved Toy Story, Police Academy was a waste of time", (TOY,), (PA,))])
def test_praise_idioms_stay_likes_and_judgements_after_a_title_are_dislikes(read, text, liked, disliked):
    u = read(text)
    assert (u.liked, u.disliked) == (liked, disliked)


@pytest.mark.parametrize("text", ["I've already seen Toy Story, loved it. What else?", "saw Toy Story, loved it",
                                  "watched Toy Story last week and it was great", "Toy Story? seen it, amazing",
                                  "I saw Toy Story. It was great.", "I watched Toy Story, it wasn't bad",
                                  "I've seen Toy Story, amazing movie. Anything like it?"])
def test_a_judgement_after_a_seen_movie_makes_it_liked(read, text):
    u = read(text)
    assert u.liked == (TOY,) and not u.disliked and preferences.has_preferences(preferences.apply(Preferences(), u))


@pytest.mark.parametrize("text", ["I've seen Toy Story but I didn't like it", "I saw Toy Story. It was boring.",
                                  "seen Toy Story, not great", "watched Toy Story, hated it"])
def test_a_bad_judgement_after_a_seen_movie_makes_it_disliked(read, text):
    u = read(text)
    assert u.disliked == (TOY,) and not u.liked


@pytest.mark.parametrize("text, seen, liked", [
    ("I've seen Toy Story", (TOY,), ()), ("Toy Story? seen it", (TOY,), ()),
    ("I've seen Toy Story, what do you like?", (TOY,), ()), ("I saw Toy Story. What else is good?", (TOY,), ()),
    ("I've seen Toy Story, I loved Big", (TOY,), (BIG,)), ("I saw Big before Toy Story", (BIG, TOY), ())])
def test_a_seen_movie_without_its_own_judgement_stays_only_seen(read, text, seen, liked):
    u = read(text)
    assert (u.seen, u.liked, u.year_min, u.year_max) == (seen, liked, None, None)


def test_it_after_a_title_is_that_title_not_the_last_suggestion(read):
    u = read("I've seen Big, loved it", last_items=(PA2, SCARY))
    assert u.liked == (BIG,) and PA2 not in u.liked + u.seen
    assert read("I've seen it", last_items=(PA2, SCARY)).seen == (PA2,)  # no title before "it": the list's


def test_a_title_that_is_a_verb_is_not_read_twice(G):
    G.add_node(30, name="Saw", type="movie", hint="film", uri="", year=2004, title="Saw (2004)", item=True, popularity=5)
    index = linking.build_link_index(G, **link_words(G))
    for text, liked, disliked in [("I saw Saw. It was awful.", (), (30,)), ("I saw Saw, loved it", (30,), ())]:
        mentions = understanding.best_mentions(linking.link(index, text), 0.5)
        u = understanding.understand(G, text, mentions, Preferences())
        assert (u.liked, u.disliked, u.contradictions) == (liked, disliked, ()), text


@pytest.mark.parametrize("text, bounds", [
    ("nothing older than 2010 please", (2010, None)), ("not older than 2005", (2005, None)),
    ("older than 2000", (None, 1999)), ("nothing newer than 1990", (None, 1990)), ("from after 2010", (2011, None)),
    ("anything more recent than 2000", (2001, None)), ("prior to 1990 please", (None, 1989))])
def test_older_and_newer_than_a_year_are_that_bound_whatever_was_liked(read, text, bounds):
    for prefs in (Preferences(), Preferences(liked=[TOY]), Preferences(liked=[GET_OUT])):  # 1995, 2017
        u = read(text, prefs)
        assert ((u.year_min, u.year_max), u.contradictions) == (bounds, ()), (text, prefs.liked)


@pytest.mark.parametrize("text, bounds, liked", [
    ("newer than Toy Story", (1996, None), ()), ("something older than Big", (None, 1987), ()),
    ("nothing older than Big", (1988, None), ()), ("anything before Toy Story", (None, 1994), ()),
    ("movies after Big", (1989, None), ()), ("not older than Toy Story", (1995, None), ()),
    ("I loved Up, something newer than Big", (1989, None), (UP,)),
    ("something older than Toy Story, I loved Big", (None, 1994), (BIG,))])
def test_a_title_after_older_newer_before_or_after_is_a_year_bound_not_a_like(read, text, bounds, liked):
    u = read(text)
    assert ((u.year_min, u.year_max), u.liked, u.contradictions) == (bounds, liked, ())


def test_it_refers_to_the_movie_just_asked_about_and_takes_its_judgement(read):
    last = (PA2, SCARY)
    assert read("saw it, loved it", last_items=last).liked == (PA2,)
    assert read("I've seen the second one, loved it", last_items=last).liked == (SCARY,)
    assert read("I've seen it, it was boring", last_items=last).disliked == (PA2,)
    u = read("I've seen it, I loved Big", last_items=last)
    assert (u.seen, u.liked) == ((PA2,), (BIG,))
    assert read("I've seen it, amazing", last_items=last, focus=SHINING).liked == (SHINING,)  # after "who directed The Shining?"


@pytest.mark.parametrize("text, liked, disliked, not_genres, not_people", [
    ("I loved Big, I hated Toy Story", (BIG,), (TOY,), (), ()), ("I loved Big, no horror please", (BIG,), (), (HORROR,), ()),
    ("I loved Big, no Steve Guttenberg", (BIG,), (GUTTENBERG,), (), (GUTTENBERG,)),
    ("Big? no thanks, I want Toy Story", (TOY,), (BIG,), (), ())])
def test_a_cue_that_leads_into_the_next_mention_negates_that_one_not_the_one_before(read, text, liked, disliked,
                                                                                     not_genres, not_people):
    u = read(text)
    assert (u.liked, u.disliked, u.not_genres, u.not_people) == (liked, disliked, not_genres, not_people)


def _without_toy_story():
    """The tiny graph as the real KG has it: no Toy Story (1995), but Toy Story 3."""
    from tests.agent.conftest import TOYS, agent_graph

    G = agent_graph()
    G.remove_node(TOY)
    G.add_node(99, name="Toy Story 3", type="movie", hint="film", uri="", year=2010, title="Toy Story 3 (2010)",
               item=True, popularity=5)
    G.add_edge(99, TOYS, key="has_theme")
    return G


def test_a_title_the_catalog_lacks_is_not_read_as_the_theme_inside_it(read):
    G = _without_toy_story()
    index = linking.build_link_index(G, **link_words(G))
    text = "I loved Toy Story"
    u = understanding.understand(G, text, understanding.best_mentions(linking.link(index, text), 0.5), Preferences())
    assert u.themes == () and u.unknown_titles == ("Toy Story",)  # a film was named, not the theme "toys"
    sequel = "I loved Toy Story 2"
    assert understanding.understand(G, sequel, understanding.best_mentions(linking.link(index, sequel), 0.5),
                                    Preferences()).unknown_titles == ("Toy Story 2",)
    asked = "I want a movie about toys"
    assert understanding.understand(G, asked, understanding.best_mentions(linking.link(index, asked), 0.5),
                                    Preferences()).themes  # the theme itself still links
    assert read(text).liked == (TOY,)  # where the catalog has the film, it is liked


def test_the_chat_asks_which_film_for_a_title_the_catalog_lacks():
    from kgrec.agent import Recommender
    from tests.agent.conftest import ScriptedLM

    rec = Recommender(AgentConfig(), graph=_without_toy_story(), lm=ScriptedLM())
    text = rec.respond(rec.new_session(), "I loved Toy Story").text
    assert 'I don\'t know "Toy Story"' in text and "Toy Story 3 (2010)" in text and "about: toys" not in text


def test_words_that_name_two_genres_keep_both():
    from kgrec.kg.schema import Mention

    romance = Mention(node=7, name="romance", type="genre", surface="romantic comedy", span=(2, 17), score=0.9)
    comedy = Mention(node=COMEDY, name="comedy", type="genre", surface="romantic comedy", span=(2, 17), score=0.95)
    assert understanding.best_mentions([romance, comedy], 0.5) == [comedy, romance]
    part = Mention(node=7, name="romance", type="genre", surface="romantic", span=(2, 10), score=0.9)
    assert understanding.best_mentions([part, comedy], 0.5) == [comedy]  # overlapping other words: the best


def test_an_unknown_title_after_the_says_nothing_about_content():
    G = _without_toy_story()
    index = linking.build_link_index(G, **link_words(G))
    text = "I loved the Toy Story movies"
    mentions = understanding.best_mentions(linking.link(index, text), 0.5)
    u = understanding.understand(G, text, mentions, Preferences())
    assert u.unknown_titles == ("Toy Story",) and u.content == () and u.themes == ()
    assert understanding.content_outside_titles("I want a movie about toys and boxing", []) == ("toys", "boxing")


def test_genres_named_as_one_are_a_compound_and_listed_apart_are_not(read):
    assert set(read("any horror comedies?").compound_genres) == {HORROR, COMEDY}
    assert read("comedy or horror, either is fine").compound_genres == ()
    assert read("a comedy please").compound_genres == ()
