"""Text from outside is cleaned once where it enters: no input breaks a session."""
import json

import pytest

from kgrec.agent import AgentConfig, Recommender
from kgrec.agent.llm import LocalLM
from kgrec.agent.text import clean, read
from kgrec.agent.tools import by_name, make_tools
from tests.conftest import make_tiny_model, make_tiny_movie_graph, make_tiny_tokenizer

HOSTILE = ["hi \ud800", "\udfff\ud800 hello", "\x00\x07\x1b[31mred\x1b[0m", "a\u202eevil\u2066",
           "\ufeff\u200b", "\r\n\t", "😀 \ud83d\ude00 hey", "x" * 50_000]


def encodable(text: str) -> bool:
    text.encode("utf-8")
    json.dumps(text, ensure_ascii=False).encode("utf-8")
    return True


@pytest.mark.parametrize("text", HOSTILE)
def test_cleaned_text_is_valid_unicode_without_controls_and_capped(text):
    out, notice = clean(text, 2000)
    assert encodable(out) and len(out) <= 2000
    assert not any(ord(c) < 32 and c not in "\n\t" for c in out)
    assert "\u202e" not in out and "\ufeff" not in out
    assert bool(notice) == (len(text) > 2000)


def test_words_and_emoji_survive_and_a_split_surrogate_pair_is_joined():
    assert clean("  I loved Amélie 😀  ", 100) == ("I loved Amélie 😀", "")
    assert clean("\ud83d\ude00", 100)[0] == "😀"
    assert clean("hi \ud800", 100)[0] == "hi \ufffd"


def test_a_message_is_cleaned_once_where_it_enters():
    heard = read("I loved Police Academy. " + "blah " * 1000, 2000)
    assert len(heard.text) <= 2000 and heard.notice == "Your message was 5,024 characters; I read the first 2,000."
    assert read(heard, 2000) is heard  # the page's cleaned message is read as it is
    assert read(heard, 10).text == heard.text[:10] and "first 10" in read(heard, 10).notice  # a lower limit still cuts
    rec = Recommender(AgentConfig(), graph=make_tiny_movie_graph())
    assert rec.respond(rec.new_session(), heard).notice == heard.notice


@pytest.fixture
def model_rec():
    """A real Recommender whose every ranking turn runs a (tiny, random) transformer."""
    lm = LocalLM(make_tiny_model(), make_tiny_tokenizer())
    return Recommender(AgentConfig(k=3, rank_with_model=True), graph=make_tiny_movie_graph(), lm=lm)


def test_a_lone_surrogate_never_breaks_the_later_model_ranked_turns(model_rec):
    s = model_rec.new_session()
    for message in HOSTILE:
        model_rec.respond(s, message)
    for message in ["i love police academy", "something with kim cattrall"]:
        reply = model_rec.respond(s, message)
        assert reply.items and "rank_candidates" in [st.tool for st in reply.trace]
        assert not any(st.error for st in reply.trace)
    assert all(encodable(text) for _, text in s.history)


def test_the_tools_clean_their_text_arguments(model_rec):
    G = make_tiny_movie_graph()
    tools = by_name(make_tools(G, lm=model_rec.lm))
    found = tools["search_entities"].invoke({"query": "police\ud800 academy\x00"})
    assert "police academy" in found
    ranked = tools["rank_candidates"].invoke({"items": [1, 2, 7], "liked": [7], "disliked": [],
                                              "request": "\ud800 more like that \x1b"})
    assert "invalid" not in ranked and "error" not in ranked.lower()
