"""EASE on sessions built in code: exact structure, the closed form, and the cache on the graph."""
import networkx as nx
import numpy as np
import pytest

from kg.collaborative import EaseConfig, add_collaborative, collaborative_scores, fit_ease


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
