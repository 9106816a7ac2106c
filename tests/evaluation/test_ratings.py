"""Ratings leave-one-out (``kgrec eval ratings``) on a tiny graph of two tastes, and the ReDial seekers' answers."""
import argparse

import networkx as nx
import pytest

from kgrec.evaluation import ratings
from kgrec.kg.errors import DataFileError, KgrecError
from kgrec.kg.sources.interactions import Session


def two_tastes(users: int = 40):
    """Items 0-9 and 10-19: each user likes four items of one half and dislikes one of the other;
    item 20 is rated (and liked) by everyone, the popular one."""
    G = nx.MultiDiGraph(name="tastes", domain_noun="movie")
    for n in range(21):
        G.add_node(n, item=True, type="movie", name=f"m{n}", uri=f"m{n}", popularity=0)
    sessions = []
    for u in range(users):
        half = 10 * (u % 2)
        liked = [half + (u + j) % 10 for j in range(4)] + [20]
        disliked = 10 - half + u % 10
        sessions.append(Session(tuple(liked + [disliked]), frozenset(liked)))
    return G, sessions


def test_every_user_is_a_test_user_once_and_hides_a_liked_item():
    _, sessions = two_tastes()
    folds = ratings.folds(sessions, n=4, seed=1)
    cases = [c for _, fold_cases in folds for c in fold_cases]
    assert len(cases) == len(sessions) and all(len(train) == 30 for train, _ in folds)
    for c in cases:
        assert c.hidden not in c.query and c.hidden in c.rated and set(c.query) < c.rated
    assert ratings.folds(sessions, n=4, seed=1) == folds  # seeded


def test_rankings_exclude_what_the_user_rated_and_learn_only_from_train_users():
    G, sessions = two_tastes()
    train, cases = ratings.folds(sessions, n=4)[0]
    H = ratings.train_graph(G, train)
    assert sum(H.nodes[n]["popularity"] for n in range(21)) == sum(len(s.items) for s in train)
    ranked = ratings.rankings(H, train, cases)
    assert set(ranked) == set(ratings.SYSTEMS)
    for name, rs in ranked.items():
        for c, r in zip(cases, rs):
            assert not (set(r) & (c.rated - {c.hidden})), name


def test_taste_retrievers_beat_popularity_and_do_not_copy_it():
    G, sessions = two_tastes()
    result = ratings.evaluate(G, sessions, n_folds=4)
    table = result["table"]
    assert result["cases"] == 40 and result["users"] == 40
    for name in ("item-knn", "collaborative", "walk"):
        assert table[name]["hr@10"] > table["popularity"]["hr@10"], name
        assert table[name]["popular@10"] < 1.0
    assert table["popularity"]["popular@10"] == 1.0
    text = ratings.markdown(result, "two tastes", "kgrec eval ratings")
    assert "| collaborative |" in text and "40 cases" in text


def test_a_ratings_csv_is_read_by_the_graphs_item_ids(tmp_path):
    G, _ = two_tastes()
    path = tmp_path / "r.csv"
    path.write_text("user,item,rating\nana,m1,5\nana,m2,2\nbo,m1,4\n", encoding="utf-8")
    got = ratings.csv_ratings(G, path)
    assert got == [Session((1, 2), frozenset({1}), frozenset({2}), (1, 2)), Session((1,), frozenset({1}), sequence=(1,))]
    path.write_text("user,item,rating\nana,m99,5\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="m99"):
        ratings.csv_ratings(G, path)


def test_too_few_folds_is_one_clear_error():
    args = argparse.Namespace(graph=None, ratings=None, folds=1, seed=0, out="unused")
    with pytest.raises(KgrecError, match="--folds 1: expected 2 or more"):
        ratings.run(args)


def test_redial_seekers_answers_are_one_user_per_seeker():
    from kgrec.kg.storage.store import load_movie_graph

    sessions = ratings.redial_ratings(load_movie_graph())
    assert 350 < len(sessions) < 450  # 400 seekers answered about catalog movies
    assert sum(len(s.items) for s in sessions) > 8_000  # 8,764 of their 11,771 answers are about catalog movies
    assert all(s.positive <= set(s.items) for s in sessions)
