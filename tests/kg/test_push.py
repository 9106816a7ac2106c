"""Local-push PageRank: agrees with the power method, touches only what it reaches, and the walk
retriever gives the same candidates through it on the tiny graph."""
import numpy as np
import pytest

from kgrec.kg.query.push import push, transitions
from kgrec.kg.query.retrieval import WalkConfig, from_seeds, walk_scores
from tests.kg.conftest import ANIMATION, GUTTENBERG, PA, PA2, SCARY, UP


def ring_with_a_far_component(n: int = 6):
    """Nodes 0..n-1 in a ring (each step 1/2 either way); n, n+1 a separate pair the seeds never reach."""
    src = [i for i in range(n) for _ in (0, 1)] + [n, n + 1]
    dst = [j for i in range(n) for j in ((i + 1) % n, (i - 1) % n)] + [n + 1, n]
    return transitions(n + 2, src, dst, [0.5] * 2 * n + [1.0, 1.0])


def test_push_converges_to_the_power_methods_pagerank():
    T = ring_with_a_far_component()
    nodes, mass = push(T, {0: 0.5, 3: 0.5}, alpha=0.7, epsilon=1e-12, rounds=500)
    restart = np.zeros(8)
    restart[[0, 3]] = 0.5
    x = restart.copy()
    for _ in range(300):
        x = 0.3 * restart + 0.7 * T.step(x)
    assert sorted(nodes.tolist()) == [0, 1, 2, 3, 4, 5]  # never the unreachable pair
    assert np.allclose(mass, x[nodes], atol=1e-9)


def test_a_coarser_tolerance_does_less_work_and_keeps_the_order_of_the_strongest():
    T = ring_with_a_far_component(40)
    exact_nodes, exact = push(T, {0: 1.0}, epsilon=1e-12, rounds=500)
    rough_nodes, rough = push(T, {0: 1.0}, epsilon=1e-2)
    assert len(exact_nodes) == 40 and len(rough_nodes) < 10  # only the seed's neighbourhood
    assert rough_nodes[np.argmax(rough)] == exact_nodes[np.argmax(exact)] == 0
    assert rough.sum() <= exact.sum() + 1e-12  # what is not pushed yet is still in the residual


def test_bad_parameters_name_the_value():
    with pytest.raises(ValueError, match="alpha"):
        push(ring_with_a_far_component(), {0: 1.0}, alpha=1.0)
    with pytest.raises(ValueError, match="push_epsilon"):
        WalkConfig(push_epsilon=0)


def test_the_walk_through_the_push_proposes_what_the_power_method_does(tiny):
    pushed = WalkConfig(push_above=0, push_epsilon=1e-9)  # every graph is "large"
    for seeds in ([PA], [UP], [GUTTENBERG], [ANIMATION], [PA, UP]):
        assert [c.item for c in from_seeds(tiny, seeds, config=pushed)] == [c.item for c in from_seeds(tiny, seeds)]
    scores = walk_scores(tiny, [PA], pushed)
    assert scores[PA2] > scores[SCARY] > 0 and UP not in scores
    assert from_seeds(tiny, [], config=pushed) == [] and from_seeds(tiny, [12345], config=pushed) == []


def test_a_push_graph_keeps_only_its_csr_with_int32_positions(tiny):
    from kgrec.kg.query.walk import _walk

    pushed, power = _walk(tiny, WalkConfig(push_above=0)), _walk(tiny, WalkConfig())
    assert not pushed.power and pushed.src is None and pushed.prob is None  # the E-sized edge lists are gone
    assert power.power and len(power.src) == len(pushed.transitions.indices) > 0
    assert pushed.transitions.indices.dtype == np.int32 and power.src.dtype == np.intp  # the CSR compact, the power method's lists native
    rows = np.diff(pushed.transitions.indptr)
    sums = np.bincount(np.repeat(np.arange(len(rows)), rows), weights=pushed.transitions.prob, minlength=len(rows))
    assert np.allclose(sums[rows > 0], 1.0)  # row-stochastic
