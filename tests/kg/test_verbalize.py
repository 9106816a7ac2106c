"""Verbalization of single facts and paths on the tiny graph: the exact sentences users read."""
import pytest

from kgrec.kg.query.paths import facts_about
from kgrec.kg.query.verbalize import summarize, verbalize
from kgrec.kg.schema import CO_MENTIONED, RELATIONS, Fact
from tests.kg.conftest import (ANIMATION, CIN50, COMEDY, ENGLISH, GUTTENBERG, HORROR, PA, PA2,
                               SCARY, UP, WILSON)


def test_single_facts_read_naturally(tiny):
    assert verbalize(tiny, Fact(PA, "starring", GUTTENBERG)) == (
        "Police Academy (1984) stars Steve Guttenberg.")
    assert verbalize(tiny, Fact(PA, "director", WILSON)) == (
        "Hugh Wilson directed Police Academy (1984).")
    assert verbalize(tiny, Fact(PA, "writer", WILSON)) == "Hugh Wilson wrote Police Academy (1984)."
    assert verbalize(tiny, Fact(PA, "genre", COMEDY)) == "Police Academy (1984) is a comedy."
    assert verbalize(tiny, Fact(SCARY, "genre", HORROR)) == "Scary Movie (2000) is a horror film."
    assert verbalize(tiny, Fact(UP, "genre", ANIMATION)) == "Up (2009) is an animated film."
    assert verbalize(tiny, Fact(UP, "language", ENGLISH)) == "Up (2009) is in English."
    assert verbalize(tiny, Fact(PA, "subsequent_work", PA2)) == (
        "Police Academy (1984) is followed by Police Academy 2 (1985).")
    assert verbalize(tiny, Fact(PA, CO_MENTIONED, PA2)) == (
        "People who mention Police Academy (1984) often mention Police Academy 2 (1985) too.")


def test_a_one_fact_path_reads_like_the_fact(tiny):
    fact = Fact(PA, "director", WILSON)
    assert verbalize(tiny, [fact]) == verbalize(tiny, fact)
    assert verbalize(tiny, []) == ""


@pytest.mark.parametrize("relation", sorted(set(RELATIONS.values()) | {CO_MENTIONED}))
def test_every_schema_relation_has_a_sentence_naming_both_ends(tiny, relation):
    text = verbalize(tiny, Fact(PA, relation, WILSON))
    assert "Police Academy (1984)" in text and "Hugh Wilson" in text
    assert "—" not in text and "_" not in text and text.endswith(".")


def test_importer_relations_fall_back_to_a_generic_sentence(tiny):
    assert verbalize(tiny, Fact(PA, "based_on", WILSON)) == (
        "Police Academy (1984) — based on — Hugh Wilson.")


def test_a_path_reads_as_a_chain_following_traversal_direction(tiny):
    path = (Fact(PA2, "starring", GUTTENBERG), Fact(PA, "starring", GUTTENBERG))
    assert verbalize(tiny, path) == (
        "Police Academy 2 (1985) stars Steve Guttenberg, who stars in Police Academy (1984).")
    # the same path walked the other way round
    assert verbalize(tiny, path[::-1]) == (
        "Police Academy (1984) stars Steve Guttenberg, who stars in Police Academy 2 (1985).")
    # a backward first step: the person is the subject
    path = (Fact(PA, "director", WILSON), Fact(PA, "starring", GUTTENBERG))
    assert verbalize(tiny, path) == (
        "Hugh Wilson directed Police Academy (1984), which stars Steve Guttenberg.")
    path = (Fact(PA, "starring", GUTTENBERG), Fact(PA2, "starring", GUTTENBERG),
            Fact(PA, "subsequent_work", PA2))
    assert verbalize(tiny, path) == (
        "Police Academy (1984) stars Steve Guttenberg, who stars in Police Academy 2 (1985), "
        "which follows Police Academy (1984).")


def test_a_shared_attribute_reads_as_like(tiny):
    path = (Fact(SCARY, "genre", COMEDY), Fact(PA, "genre", COMEDY))
    assert verbalize(tiny, path) == "Scary Movie (2000) is a comedy, like Police Academy (1984)."
    path = (Fact(CIN50, CO_MENTIONED, UP), Fact(UP, "genre", ANIMATION))
    assert verbalize(tiny, path) == (
        "Cinderella (1950) is often mentioned with Up (2009), which is an animated film.")


def test_facts_that_do_not_chain_are_a_bug(tiny):
    with pytest.raises(ValueError):
        verbalize(tiny, [Fact(PA, "starring", GUTTENBERG), Fact(UP, "genre", ANIMATION)])


def test_a_summary_groups_facts_by_relation_best_known_first(tiny):
    facts = facts_about(tiny, PA)
    text = summarize(tiny, PA, facts)
    assert text.startswith("Police Academy (1984) is followed by Police Academy 2 (1985). It is directed by Hugh Wilson.")
    assert "It is often mentioned with Scary Movie (2000) and Police Academy 2 (1985)." in text  # both ways, once
    assert text.count("often mentioned") == 1 and text.count("Police Academy (1984)") == 1
    assert "It stars Steve Guttenberg." in text and "It is a comedy." in text and text.endswith("It is in English.")
    assert summarize(tiny, PA, [Fact(PA, "director", WILSON)]) == verbalize(tiny, Fact(PA, "director", WILSON))


def test_a_summary_names_only_ends_of_the_given_facts_and_counts_the_rest(tiny):
    text = summarize(tiny, COMEDY, facts_about(tiny, COMEDY), max_names=2)
    assert text == "Comedy is the genre of Police Academy (1984), Scary Movie (2000) and 1 more."  # by popularity
    person = summarize(tiny, GUTTENBERG, facts_about(tiny, GUTTENBERG))
    assert person == "Steve Guttenberg stars in Police Academy (1984) and Police Academy 2 (1985)."
    names = [tiny.nodes[n].get("title") or tiny.nodes[n]["name"] for n in tiny if n != WILSON]
    text = summarize(tiny, WILSON, facts_about(tiny, WILSON))
    assert text == "Hugh Wilson directed Police Academy (1984). Hugh Wilson wrote Police Academy (1984)."
    assert not [n for n in names if n in text and n != "Police Academy (1984)"]


def test_an_item_card_names_only_the_items_neighbours(tiny):
    from kgrec.kg.graph import display
    from kgrec.kg.query.verbalize import card

    text = card(tiny, PA)
    assert text.startswith("Police Academy (1984). Genres: comedy.")
    assert "Directed by: Hugh Wilson" in text and "Starring: Steve Guttenberg" in text
    assert "Followed by: Police Academy 2 (1985)" in text
    neighbours = {display(tiny, n) for n in set(tiny.succ[PA]) | set(tiny.pred[PA])}
    for part in text.rstrip(".").split(". ")[1:]:
        for name in part.split(": ", 1)[1].split(", "):
            assert name in neighbours
    assert "Follows: Police Academy (1984)" in card(tiny, PA2)  # the sequel edge read from its other end


def test_a_books_graph_reads_genres_as_books_and_co_mentions_as_reading(tiny):
    import networkx as nx

    books = nx.MultiDiGraph(tiny)
    books.graph["domain_noun"] = "book"
    assert verbalize(books, Fact(SCARY, "genre", HORROR)) == "Scary Movie (2000) is a horror book."
    assert verbalize(books, Fact(UP, "genre", ANIMATION)) == "Up (2009) is an animated book."
    assert verbalize(books, Fact(PA, "genre", COMEDY)) == "Police Academy (1984) is a comedy."
    path = (Fact(CIN50, CO_MENTIONED, UP), Fact(UP, "genre", ANIMATION))
    assert verbalize(books, path) == "Cinderella (1950) is often read with Up (2009), which is an animated book."
