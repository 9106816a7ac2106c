"""What the last message asks for filters; what earlier messages asked for weighs (a wish)."""
from kgrec.agent import AgentConfig, Recommender, preferences
from kgrec.agent.understanding import Understanding
from kgrec.kg.schema import Constraints

from tests.agent.conftest import COMEDY, HANKS, HORROR, SHINING


def test_a_facet_the_message_states_filters_and_the_others_become_wishes():
    c = Constraints(exclude=frozenset({SHINING}), genres=frozenset({HORROR}), not_genres=frozenset({COMEDY}),
                    people=frozenset({HANKS}), year_min=1990, not_years=frozenset({(1980, 1989)}))
    hard, wish = preferences.wishes(c, Understanding(people=(HANKS,)))
    assert hard == Constraints(exclude=c.exclude, not_genres=c.not_genres, people=c.people, not_years=c.not_years)
    assert wish == Constraints(genres=c.genres, year_min=1990)
    assert hard.joined(wish) == c  # together they are the preferences' filters
    hard, wish = preferences.wishes(c, Understanding(genres=(COMEDY,), year_max=2000))  # genres and years said
    assert hard.genres == c.genres and hard.year_min == 1990 and wish == Constraints(people=c.people)
    assert preferences.wishes(c, Understanding())[1] == Constraints(genres=c.genres, people=c.people, year_min=1990)


def test_an_earlier_genre_weighs_under_a_new_request_instead_of_leaving_nothing(G, lm):
    rec = Recommender(AgentConfig(k=3), graph=G, lm=lm)
    s = rec.new_session()
    rec.respond(s, "I want a horror movie")
    reply = rec.respond(s, "something with Tom Hanks")  # no horror film stars him: before, "I found no movie"
    assert reply.items and all(G.has_edge(i.item, HANKS) for i in reply.items), reply.text
    assert "what you asked for earlier (horror)" in reply.text and "found no" not in reply.text


def test_a_follow_up_keeps_the_earlier_genre_first_and_says_nothing_while_it_holds(G, lm):
    rec = Recommender(AgentConfig(k=3), graph=G, lm=lm)
    s = rec.new_session()
    first = rec.respond(s, "a comedy please")
    reply = rec.respond(s, "another one?")
    assert len(reply.items) == 3 and all(G.has_edge(i.item, COMEDY) for i in [*first.items, *reply.items])
    assert "earlier" not in reply.text
    reply = rec.respond(s, "and another?")  # two comedies left: the third item misses the wish, and says so
    assert [G.has_edge(i.item, COMEDY) for i in reply.items] == [True, True, False]
    assert "what you asked for earlier (comedy)" in reply.text


def test_only_a_message_that_asks_for_more_and_nothing_else_puts_the_wishes_first(G):
    from kgrec.agent.preferences import Preferences
    from kgrec.agent.turn import constraints

    prefs, config = Preferences(genres=(HORROR,), people=(HANKS,)), AgentConfig()
    first = lambda stated: constraints(G, prefs, config, stated=stated).wishes_first  # noqa: E731
    assert first(Understanding(wants_more=True))  # "another one?": more of the same
    assert not first(Understanding(wants_more=True, people=(HANKS,)))  # "more with Tom Hanks": horror only weighs
    assert not first(Understanding(wants_more=True, liked=(SHINING,)))  # "I loved The Shining, more?": a new seed
    assert not first(Understanding())  # "ok": the wishes weigh as tuned
    assert not constraints(G, Preferences(), config, stated=Understanding(wants_more=True)).wishes_first  # no wish
