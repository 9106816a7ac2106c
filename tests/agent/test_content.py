"""Content requests on the tiny graph: themes link, filter and explain like genres; a request with
content words but no name gets the encoder's items instead of a question."""
import pytest

from kgrec.agent import AgentConfig, Recommender, check_explanation
from kgrec.agent.content import ThemeLinker, content_words
from kgrec.agent.encoder import DenseRetriever, Encoder, EncoderConfig, build_index
from kgrec.kg.graph import catalog
from tests.agent.conftest import CATALOG, GET_OUT, GHOSTS, HORROR, PA, SHINING, TOYS, ScriptedLM
from tests.conftest import make_tiny_model, make_tiny_tokenizer
from kgrec.ui.render import preference_rows


def test_a_theme_request_gets_only_items_about_it_explained_by_the_edge(rec, G):
    reply = rec.respond(rec.new_session(), "a movie about ghosts")
    assert reply.understood.themes == (GHOSTS,)
    assert {i.item for i in reply.items} == {SHINING, GET_OUT}
    assert all(check_explanation(G, i.explanation) for i in reply.items)
    assert "The Shining (1980) is about ghosts." in reply.text
    assert "about: ghosts" in reply.text  # what was understood is said
    rows = preference_rows(G, reply.understood)
    assert [(r.group, r.label, r.node) for r in rows] == [("About", "about: ghosts", GHOSTS)]


def test_after_a_liked_movie_the_theme_request_is_not_ignored(rec):
    s = rec.new_session()
    rec.respond(s, "I loved Police Academy")
    reply = rec.respond(s, "now a ghost movie")
    assert reply.items and {i.item for i in reply.items} <= {SHINING, GET_OUT}
    assert reply.understood.liked == (PA,)


def test_a_theme_is_removable_and_excludable(rec):
    s = rec.new_session()
    rec.respond(s, "something about ghosts")
    rec.forget(s, GHOSTS)
    assert s.preferences.themes == ()
    reply = rec.respond(s, "a horror movie but nothing with ghosts")
    assert reply.understood.not_themes == (GHOSTS,)
    assert not {i.item for i in reply.items} & {SHINING, GET_OUT}


def test_with_themes_off_the_agent_behaves_as_before(G):
    rec = Recommender(AgentConfig(themes=False), graph=G, lm=ScriptedLM())
    reply = rec.respond(rec.new_session(), "a movie about ghosts")
    assert reply.items == () and reply.understood.themes == ()


def test_content_words_leave_out_fillers_and_mentions():
    assert content_words("could you recommend a good movie for tonight?") == ()
    assert content_words("something festive with snow") == ("festive", "snow")


@pytest.fixture
def dense(G):
    encoder = Encoder(make_tiny_model(), make_tiny_tokenizer(), EncoderConfig(layers=1, batch_size=4))
    return DenseRetriever(encoder, build_index(encoder, G, catalog(G), "tiny"))


def test_a_request_with_content_but_no_name_gets_items_not_a_question(G, dense, tmp_path, monkeypatch):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path))
    rec = Recommender(AgentConfig(theme_threshold=1.0), graph=G, lm=ScriptedLM(), dense=dense)
    reply = rec.respond(rec.new_session(), "something festive with snow")
    assert len(reply.items) == 3 and {i.item for i in reply.items} <= CATALOG
    assert reply.text.startswith('Looking for movies about "festive snow".')
    assert "retrieve_candidates" in [s.tool for s in reply.trace]
    assert rec.respond(rec.new_session(), "hello there").items == ()  # no content: a question
    plain = Recommender(AgentConfig(theme_threshold=1.0), graph=G, lm=ScriptedLM(), dense=False)
    assert plain.respond(plain.new_session(), "something festive with snow").items == ()  # no encoder: ask


def test_the_encoder_links_the_nearest_theme_only_above_its_threshold(G, dense):
    assert ThemeLinker(G, dense, 1.01).link("playthings that come alive") == []
    [mention] = ThemeLinker(G, dense, -1.0, genres=False).link("playthings that come alive")
    assert mention.type == "theme" and mention.node in (GHOSTS, TOYS)
    scores = ThemeLinker(G, dense, 0.0, genres=False).scores("playthings")
    assert sorted(n for n, _ in scores) == [GHOSTS, TOYS] and scores[0][1] >= scores[1][1]
    with_genres = ThemeLinker(G, dense, -1.0)  # the broad genres too ("for my 6 year old": family)
    assert {G.nodes[n]["type"] for n in with_genres.nodes} == {"theme", "genre"}
    [mention] = with_genres.link("playthings that come alive")
    assert mention.type == G.nodes[mention.node]["type"]


def test_the_encoders_theme_never_overrides_a_genre_the_message_names_itself(G, dense, tmp_path, monkeypatch):
    """'not big on horror' names horror itself: the encoder linking horror too must not make it wanted
    (that read as 'horror both wanted and not wanted' and answered with a question)."""
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path))
    rec = Recommender(AgentConfig(theme_threshold=-1.0), graph=G, lm=ScriptedLM(), dense=dense)
    rec.theme_linker.nodes = [HORROR]  # the encoder's nearest "theme" is the genre the user rules out
    reply = rec.respond(rec.new_session(), "I like comedies and I am not big on horror movies")
    assert "contradicts" not in reply.text and reply.items
    assert HORROR in reply.understood.not_genres and HORROR not in reply.understood.genres


def test_the_encoders_list_never_holds_an_item_no_fact_can_explain(G):
    """The encoder ranks the whole catalog, edgeless entries included; the agent shows only items a
    KG fact explains, so its list leaves those out (the rest of the catalog stays)."""
    import networkx as nx

    from kgrec.agent.turn import dense_lists
    from kgrec.kg.schema import Constraints

    H = nx.MultiDiGraph(G)
    H.add_node(92, name="Festive Snow", title="Festive Snow (2001)", type="movie", item=True, year=2001, popularity=0)
    encoder = Encoder(make_tiny_model(), make_tiny_tokenizer(), EncoderConfig(layers=1, batch_size=4))
    dense = DenseRetriever(encoder, build_index(encoder, H, catalog(H), "tiny"))
    assert 92 in {c.item for c in dense.candidates(H, "festive snow", Constraints(), 50)}
    [found] = dense_lists(H, dense, "festive snow", Constraints(), 50).values()
    assert {c.item for c in found} == CATALOG


def test_a_child_named_by_age_asks_for_a_family_movie(G):
    """'a movie my 6 year old would enjoy' linked no genre (the encoder's nearest was 'high school'):
    a child's age is the family genre; an adult's age is nothing."""
    import networkx as nx

    from kgrec.agent.content import audience
    from tests.agent.conftest import TOY, UP

    H = nx.MultiDiGraph(G)
    family = max(H) + 1
    H.add_node(family, name="family", type="genre", hint="", uri="")
    for movie in (TOY, UP):
        H.add_edge(movie, family, key="genre", relation="genre")
    for text in ("a movie my 6 year old would enjoy", "something for my six-year-old", "for 8 yr olds",
                 "anything the toddlers can watch"):
        [m] = audience(H, text)
        assert m.node == family and text[m.span[0]:m.span[1]] == m.surface
    assert audience(H, "about a 40 year old man") == [] and audience(G, "for my 6 year old") == []
    rec = Recommender(AgentConfig(), graph=H, lm=ScriptedLM(), dense=False)
    reply = rec.respond(rec.new_session(), "a movie my 6 year old would enjoy")
    assert reply.understood.genres == (family,) and {i.item for i in reply.items} == {TOY, UP}
    assert all(check_explanation(H, i.explanation) for i in reply.items)


def test_a_mood_is_said_to_be_beyond_the_graph_never_dropped_silently(rec):
    """ "less sad" is no fact of the graph: the reply says so and recommends on what is understood."""
    reply = rec.respond(rec.new_session(), "something like Police Academy but less sad")
    assert reply.text.startswith('I can\'t go by "less sad"') and reply.understood.liked == (PA,) and reply.items
    asked = rec.respond(rec.new_session(), "anything lighter?")
    assert 'go by "lighter"' in asked.text and asked.items == () and "What are you in the mood for?" in asked.text
    plain = rec.respond(rec.new_session(), "I loved Police Academy, it was so dark")
    assert "go by" not in plain.text  # a mood said of a movie is not a request


def test_mood_words_are_not_content_words():
    from kgrec.agent.content import moods

    assert content_words("a sad movie about ghosts") == ("ghosts",)
    assert moods("a sad movie about ghosts") == ("sad",) and moods("not too violent please") == ("not too violent",)
