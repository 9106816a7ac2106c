"""Co-mentions as one sparse matrix on the graph: counted, saved, and read by every reader as the
networkx edges they replaced were (expected values computed by the edge-based code on ``tiny``)."""
import itertools
import json
import random
from collections import Counter

import numpy as np
import pytest

from kgrec.kg.comentions import co_mentions, count_co_mentions, from_pairs
from kgrec.kg.graph import degrees
from kgrec.kg.query.paths import explanation_paths, facts_about, has_fact
from kgrec.kg.query.retrieval import WalkConfig, from_comentions, from_seeds
from kgrec.kg.schema import CO_MENTIONED, Fact
from kgrec.kg.storage.graph_file import load_graph, save_graph
from tests.kg.conftest import CIN15, CIN50, PA, PA2, SCARY, UP


def test_co_mention_facts_are_graph_facts(tiny):
    assert explanation_paths(tiny, SCARY, [PA2])[1] == (Fact(SCARY, CO_MENTIONED, PA), Fact(PA, "subsequent_work", PA2))
    assert Fact(UP, CO_MENTIONED, CIN50) in facts_about(tiny, UP) and has_fact(tiny, Fact(CIN50, CO_MENTIONED, UP))
    assert not has_fact(tiny, Fact(UP, CO_MENTIONED, PA))  # never mentioned together


def test_sparse_counts_equal_counting_every_pair_of_every_session():
    rng = random.Random(1)
    sessions = [tuple(rng.sample(range(100, 160), rng.randint(0, 8))) for _ in range(300)]
    positive = [set(rng.sample(s, len(s) // 2)) for s in sessions]
    nodes = set(range(100, 155))  # items outside the graph are left out
    count, liked = Counter(), Counter()
    for s, p in zip(sessions, positive):
        for a, b in itertools.combinations(sorted(s), 2):
            count[a, b] += 1
            liked[a, b] += a in p and b in p
    expected = {pair: (count[pair], liked[pair]) for pair in count if set(pair) <= nodes}
    matrix = count_co_mentions(sessions, positive, nodes, source="test")
    heads, tails, _ = matrix.entries()
    got = {(a, b): matrix.pair(a, b) for a, b in zip(heads.tolist(), tails.tolist())}
    assert {pair: v for pair, v in got.items() if pair[0] < pair[1]} == expected
    assert all(got[b, a] == v for (a, b), v in got.items())  # both ways, the same counts
    assert len(matrix) == 2 * len(expected) and matrix == from_pairs(
        [(a, b, c, lk) for (a, b), (c, lk) in expected.items()], source="test")


def test_tiny_graph_holds_its_co_mentions_outside_networkx(tiny):
    assert not any(k == CO_MENTIONED for _, _, k in tiny.edges(keys=True))
    assert co_mentions(tiny).pair(PA2, PA) == (3, 0) and co_mentions(tiny).pair(PA, UP) is None
    # degrees count each pair as the two edges it was: the paths' and priors' numbers are unchanged
    assert degrees(tiny) == {1: 10, 2: 6, 3: 5, 4: 3, 5: 4, 6: 5, 10: 2, 11: 2, 30: 6, 1000001: 3,
                             1000002: 1, 1000003: 3, 1001000: 2}


def test_save_and_load_keep_the_co_mentions(tiny, tmp_path):
    save_graph(tiny, tmp_path / "g.npz")
    G = load_graph(tmp_path / "g.npz")
    assert co_mentions(G) == co_mentions(tiny) and co_mentions(G).source == "test"
    assert [c.item for c in from_comentions(G, [PA, UP])] == [PA2, CIN50, SCARY]


def test_a_graph_file_with_co_mention_edges_converts_on_load(tiny, tmp_path):
    save_graph(tiny, tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    data = json.loads(arrays.pop("graph.json").tobytes())  # as written before: edges in the JSON
    heads, tails, counts = co_mentions(tiny).entries()
    data["edges"] += [[a, b, CO_MENTIONED, {"relation": CO_MENTIONED, "source": "old", "count": c, "liked": 1}]
                      for a, b, c in zip(heads.tolist(), tails.tolist(), counts.tolist())]
    data["models"] = {k: v for k, v in data["models"].items() if v.get("kind") != "co_mentions"}
    arrays = {k: v for k, v in arrays.items() if not k.startswith("co_mentions.")}
    arrays["graph.json"] = np.frombuffer(json.dumps(data).encode(), dtype=np.uint8)
    np.savez_compressed(tmp_path / "old.npz", **arrays)
    G = load_graph(tmp_path / "old.npz")
    assert not any(k == CO_MENTIONED for _, _, k in G.edges(keys=True))
    assert co_mentions(G).pair(CIN50, UP) == (2, 1) and co_mentions(G).source == "old"


def test_walk_and_co_mention_list_are_the_edge_based_ones(tiny):
    def scores(candidates):
        return [(c.item, pytest.approx(c.score, rel=1e-12)) for c in candidates]

    assert scores(from_seeds(tiny, [UP])) == [(CIN50, 0.3524573497598082), (CIN15, 0.017064591146115516)]
    assert scores(from_seeds(tiny, [PA, CIN50])) == [
        (UP, 0.1762286748799041), (PA2, 0.11696334884485837), (SCARY, 0.037287745364326295), (CIN15, 0.008532295573057758)]
    assert scores(from_seeds(tiny, [PA, CIN50], config=WalkConfig(co_mention="cosine"))) == [
        (UP, 0.11878766748383271), (PA2, 0.1031546308369354), (CIN15, 0.023955332616911896), (SCARY, 0.014780576436924186)]
    assert [(c.item, c.score) for c in from_comentions(tiny, [PA, UP])] == [(PA2, 3.0), (CIN50, 2.0), (SCARY, 1.0)]


def test_a_crafted_co_mention_array_is_a_one_line_graph_file_error(tiny, tmp_path):
    from kgrec.kg.storage.graph_file import GraphFileError

    save_graph(tiny, tmp_path / "g.npz")
    with np.load(tmp_path / "g.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["co_mentions.indices"] = arrays["co_mentions.indices"][::-1] + 7  # rows out of range, unsorted
    np.savez_compressed(tmp_path / "bad.npz", **arrays)
    with pytest.raises(GraphFileError, match="CoMentions: inconsistent arrays"):
        load_graph(tmp_path / "bad.npz")
