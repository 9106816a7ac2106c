"""EASE on sessions built in code: exact structure, the closed form, and the cache on the graph."""
import networkx as nx
import numpy as np
import pytest

from kgrec.kg.query.collaborative import EaseConfig, add_collaborative, collaborative_scores, fit_ease


def test_ease_weights_match_the_closed_form_and_never_point_at_the_item_itself():
    sessions = [(1, 2), (1, 2, 3), (2, 3), (3, 4), (1, 4)]
    model = fit_ease(sessions, EaseConfig(l2=2.0, neighbours=3))
    X = np.array([[int(i in s) for i in (1, 2, 3, 4)] for s in sessions], dtype=float)
    P = np.linalg.inv(X.T @ X + 2.0 * np.eye(4))
    B = -P / np.diag(P)
    np.fill_diagonal(B, 0.0)
    dense = np.zeros((4, 4))
    for r in range(4):
        for c, w in zip(model.neighbours[r], model.weights[r]):
            if c >= 0:
                dense[r, c] = w
    assert model.items == (1, 2, 3, 4)
    assert np.allclose(dense, np.where(B > 0, B, 0.0), atol=1e-6)  # the positive weights, kept
    assert all(r not in row for r, row in enumerate(model.neighbours))


def test_scores_follow_what_sessions_mention_together_and_skip_unknown_items():
    G = nx.MultiDiGraph()
    G.add_nodes_from([1, 2, 3, 4, 5], item=True)
    G.add_node(9, type="person")  # never a collaborative item
    add_collaborative(G, [(1, 2, 9), (1, 2), (1, 2, 3), (3, 4), (3, 4)], EaseConfig(l2=1.0))
    assert 9 not in G.graph["collaborative"].items
    ranked = [item for item, _ in collaborative_scores(G, [1])]
    assert ranked[0] == 2 and 5 not in ranked  # 5 is in no session
    assert collaborative_scores(G, [5, 9, 42]) == []  # nothing known: nothing scored
    assert collaborative_scores(nx.MultiDiGraph(), [1]) == []  # a graph without a model


def test_neighbours_cap_keeps_only_the_strongest_weights():
    sessions = [(0, 1)] * 5 + [(0, 2)] * 2 + [(0, 3)]
    model = fit_ease(sessions, EaseConfig(l2=1.0, neighbours=1))
    row = model.row_of[0]
    assert model.neighbours.shape == (4, 1) and model.items[model.neighbours[row][0]] == 1


@pytest.mark.parametrize("bad", [{"l2": 0}, {"l2": -1.0}, {"neighbours": 0}, {"neighbours": True}])
def test_bad_config_names_the_field(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        EaseConfig(**bad)


def test_the_sparse_fit_is_eases_first_order_term_and_ranks_like_ease():
    from kgrec.kg.query.collaborative import fit_cooccurrence

    sessions = [(1, 2), (1, 2, 3), (2, 3), (3, 4), (1, 4), (1, 2), (4, 5)]
    model = fit_cooccurrence(sessions, EaseConfig(l2=2.0, neighbours=2))
    X = np.array([[int(i in s) for i in (1, 2, 3, 4, 5)] for s in sessions], dtype=float)
    gram = X.T @ X
    expected = gram / (np.diag(gram) + 2.0)[:, None]  # row i: C[i, j] / (C[i, i] + l2)
    np.fill_diagonal(expected, 0.0)
    for r in range(5):
        best = sorted(range(5), key=lambda c: (-expected[r, c], c))[:2]
        best = [c for c in best if expected[r, c] > 0]
        assert list(model.neighbours[r][:len(best)]) == best  # the strongest first, no self
        assert np.allclose(model.weights[r][:len(best)], expected[r, best])
    assert model.neighbours[4, 1] == -1 and model.weights[4, 1] == 0  # item 5 knows only item 4
    ease = fit_ease(sessions, EaseConfig(l2=2.0, neighbours=2))
    assert list(model.neighbours[0][:1]) == list(ease.neighbours[0][np.argsort(-ease.weights[0])][:1])


def test_fit_switches_to_the_sparse_model_above_the_dense_limit(monkeypatch):
    from kgrec.kg.query import collaborative

    sessions = [(1, 2), (2, 3), (3, 4)]
    assert collaborative.fit(sessions) == fit_ease(sessions)  # small: EASE, the shipped graph's model
    monkeypatch.setattr(collaborative, "DENSE_ITEMS", 3)  # 4 items > 3
    assert collaborative.fit(sessions) == collaborative.fit_cooccurrence(sessions)
    G = nx.MultiDiGraph()
    G.add_nodes_from([1, 2, 3, 4], item=True)
    add_collaborative(G, sessions)
    assert [i for i, _ in collaborative_scores(G, [2])] == [1, 3]
