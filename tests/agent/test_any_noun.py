"""A books graph (imported from tests/kg/fixtures/books): linked, recommended and worded as books."""
from pathlib import Path

import pytest

from agent import AgentConfig, Recommender, check_explanation
from kg.importer import import_graph
from tests.agent.conftest import ScriptedLM

BOOKS = Path(__file__).parents[1] / "kg" / "fixtures" / "books"


@pytest.fixture(scope="module")
def books():
    return import_graph(BOOKS / "items.csv", BOOKS / "triples.tsv", BOOKS / "ratings.csv", domain_noun="book")


@pytest.fixture
def rec(books):
    return Recommender(AgentConfig(rank_with_model=False, lm_chooses_actions=False), graph=books, lm=ScriptedLM())


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
    from kg.schema import Fact
    from kg.verbalize import verbalize

    a, b = next((u, v) for u, v, k in books.edges(keys=True) if k == "co_mentioned")
    assert verbalize(books, Fact(a, "co_mentioned", b)).startswith("People who read ")
