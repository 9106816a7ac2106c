"""A books graph (imported from tests/kg/fixtures/books): linked, recommended and worded as books."""
import pytest

from kgrec.agent import check_explanation
from tests.agent.conftest import books_graph, books_recommender


@pytest.fixture(scope="module")
def books():
    return books_graph()


@pytest.fixture
def rec(books):
    return books_recommender(books)


def test_a_liked_book_is_linked_and_answered_with_books_in_book_words(rec, books):
    reply = rec.respond(rec.new_session(), "I loved Dune")
    dune = next(n for n, d in books.nodes(data=True) if d["name"] == "Dune")
    assert reply.understood.liked == (dune,)
    assert reply.items and all(books.nodes[i.item]["item"] and i.item != dune for i in reply.items)
    assert "books you might like" in reply.text and "movie" not in reply.text.lower()
    assert all(check_explanation(books, i.explanation) for i in reply.items)


def test_the_opening_question_uses_the_graphs_noun(rec):
    reply = rec.respond(rec.new_session(), "hello")
    assert "Tell me a book you liked, a genre, an author or a decade" in reply.text
    assert "movie" not in reply.text.lower()


def test_co_mentions_of_ratings_read_as_reading(books):
    from kgrec.kg.query.verbalize import verbalize
    from kgrec.kg.schema import Fact

    from kgrec.kg.comentions import co_mentions

    heads, tails, _ = co_mentions(books).entries()
    a, b = int(heads[0]), int(tails[0])
    assert verbalize(books, Fact(a, "co_mentioned", b)).startswith("People who read ")


def test_contradictory_years_are_told_back_in_book_words(rec):
    reply = rec.respond(rec.new_session(), "books after 2000 but before 1990")
    assert "books from 2001 or later and from 1989 or earlier" in reply.text, reply.text
    assert "film" not in reply.text.lower() and "movie" not in reply.text.lower()


def test_a_wished_genre_is_explained_as_a_genre_of_books(rec):
    reply = rec.respond(rec.new_session(), "something science fiction")
    assert reply.items and "is a science fiction book." in reply.text
    assert "film" not in reply.text.lower() and "movie" not in reply.text.lower()


def test_a_two_hop_co_reading_path_reads_as_reading(rec):
    reply = rec.respond(rec.new_session(), "I loved Matilda")
    assert "is often read with" in reply.text and "mentioned" not in reply.text
