"""The page over a books graph: its title, intro, hints, replies, cards and pictures say books, never movies."""
from __future__ import annotations

import base64
import json

import pytest

from tests.agent.conftest import books_graph, books_recommender
from tests.ui.conftest import chat
from kgrec.ui import handlers, render
from kgrec.ui.handlers import ChatState, Engine

MOVIE_WORDS = ("movie", "film")


def no_movie_words(text: str) -> bool:
    return not any(w in text.lower() for w in MOVIE_WORDS)


@pytest.fixture(scope="module")
def books():
    return books_graph()


@pytest.fixture
def engine(books) -> Engine:
    return Engine(lambda: books_recommender(books), noun="book")


def test_the_page_speaks_of_books_before_the_graph_is_loaded(engine):
    from kgrec.ui.app import build_app, texts

    page = texts(engine)
    assert page["title"] == "kgrec: book recommendations you can argue with"
    assert "Tell me books you loved" in page["intro"] and page["empty"] == "Nothing yet. Tell me a book you liked."
    assert page["hint"] == "e.g. I loved <title of a book>"
    demo = build_app(engine)
    assert not engine.loaded and demo.title == page["title"]
    assert no_movie_words(json.dumps(demo.config, default=str))  # no ReDial movie openers either


def test_once_loaded_the_hint_names_a_real_book(engine, books):
    from kgrec.ui.app import texts

    engine.get()
    names = {d.get("name") for _, d in books.nodes(data=True) if d.get("item")}
    assert texts(engine)["hint"].removeprefix("e.g. I loved ") in names


def test_a_books_chat_has_book_replies_cards_and_pictures(engine, books):
    state = ChatState()
    chat(engine, state, "I loved Dune")
    shown = "\n".join(m["content"] for m in state.history)
    assert "books you might like" in shown and no_movie_words(shown)
    assert state.cards and all(books.nodes[c.item]["item"] for c in state.cards)
    for card in state.cards:
        assert no_movie_words(render.card_html(card) + card.people + card.explanation)
    by_author = [c for c in state.cards if c.people.startswith("By ")]
    assert by_author and "Frank Herbert" in by_author[0].people  # Dune Messiah, Children of Dune
    pictured = [c for c in state.cards if c.picture and "Dune (1965)" in c.path_text]
    svg = base64.b64decode(pictured[0].picture.split(",", 1)[1]).decode()
    assert "#9ecae1" in svg  # the liked book on the path is coloured as an item, not as a person or genre


def test_co_reading_explanations_read_as_reading(engine):
    state = ChatState()
    chat(engine, state, "I loved Pride and Prejudice")
    explanations = " ".join(c.explanation for c in state.cards)
    assert "People who read " in explanations and "often read Pride and Prejudice (1813) too" in explanations
    assert no_movie_words(explanations)


def test_nothing_to_save_asks_for_a_book(engine):
    state, nothing = handlers.save_profile(engine, ChatState())
    assert nothing is None and state.history[-1]["content"] == "Nothing to save yet. Tell me about a book first."


def test_no_book_fits_says_book_in_the_trace(engine):
    state = ChatState()
    chat(engine, state, "I loved Dune, only mystery books from 2020")
    shown = "\n".join(m["content"] for m in state.history)
    assert "I found no book in my catalog" in shown and "no book satisfies these filters" in shown
    assert no_movie_words(shown)
