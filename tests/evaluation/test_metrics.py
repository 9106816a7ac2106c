"""Metric functions on hand-made rankings whose answers are worked out by hand."""
import doctest
import math

import pytest

from kgrec.evaluation import metrics
from kgrec.evaluation.metrics import (
    exclude_mentioned,
    item_coverage,
    label_positions,
    mrr,
    ndcg_at_k,
    off_catalog_share,
    recall_at_k,
    summarize,
)

# three turns; turn 2 suggests two movies, so there are four (turn, label) samples
RANKINGS = [[10, 20, 30, 40], [20, 10, 40, 30], [30, 40, 10, 20]]
LABELS = [[10], [40, 99], [20]]
# label positions: 10 -> 0, 40 -> 2, 99 -> absent, 20 -> 3


def test_each_label_of_a_turn_is_one_sample_as_in_crslab():
    assert label_positions(RANKINGS, LABELS) == [0, 2, None, 3]
    assert recall_at_k(RANKINGS, LABELS, 1) == 1 / 4
    assert recall_at_k(RANKINGS, LABELS, 3) == 2 / 4
    assert recall_at_k(RANKINGS, LABELS, 4) == 3 / 4
    assert recall_at_k(RANKINGS, LABELS, 50) == 3 / 4  # 99 is never ranked


def test_ndcg_and_mrr_have_the_hand_computed_values():
    assert ndcg_at_k(RANKINGS, LABELS, 10) == pytest.approx((1 + 1 / math.log2(4) + 0 + 1 / math.log2(5)) / 4)
    assert ndcg_at_k(RANKINGS, LABELS, 3) == pytest.approx((1 + 1 / math.log2(4)) / 4)
    assert mrr(RANKINGS, LABELS) == pytest.approx((1 + 1 / 3 + 0 + 1 / 4) / 4)
    assert mrr(RANKINGS, LABELS, k=3) == pytest.approx((1 + 1 / 3) / 4)  # MRR@3 as CRSLab cuts it


def test_a_perfect_ranking_scores_one_and_an_empty_one_zero():
    assert summarize([[1, 2]], [[1]], {1, 2})["recall@1"] == 1.0
    assert summarize([[1, 2]], [[1]], {1, 2})["ndcg@10"] == 1.0
    assert recall_at_k([[]], [[1]], 10) == 0.0
    assert recall_at_k([], [], 10) == 0.0  # no samples: defined, not a ZeroDivisionError


def test_a_duplicated_item_keeps_its_best_position():
    assert label_positions([[5, 6, 5]], [[5]]) == [0]


def test_off_catalog_share_counts_the_shown_items_that_are_not_in_the_catalog():
    assert off_catalog_share(RANKINGS, {10, 20, 30, 40}, k=50) == 0.0
    assert off_catalog_share([[10, 777, 20], [888, 10, 20]], {10, 20}, k=2) == 2 / 4


def test_item_coverage_is_the_share_of_the_catalog_in_some_top_k():
    assert item_coverage(RANKINGS, {10, 20, 30, 40, 50}, k=1) == 3 / 5
    assert item_coverage(RANKINGS, {10, 20, 30, 40, 50}, k=10) == 4 / 5


def test_new_items_variant_drops_repeated_labels_and_their_ranking_entries():
    rankings, labels = exclude_mentioned(RANKINGS, LABELS, [{10}, set(), {30}])
    assert labels == [[], [40, 99], [20]]
    assert rankings[0] == [20, 30, 40] and rankings[2] == [40, 10, 20]
    # turn 1 has no sample left; 40 at 2, 99 absent, 20 now at 2
    assert recall_at_k(rankings, labels, 3) == 2 / 3


def test_summarize_reports_every_metric_and_the_sample_count():
    result = summarize(RANKINGS, LABELS, {10, 20, 30, 40})
    assert set(result) == {"recall@1", "recall@10", "recall@50", "ndcg@10", "mrr@50",
                           "off_catalog", "coverage@10", "samples", "recall@10_low", "recall@10_high"}
    assert result["samples"] == 4 and result["recall@10"] == 3 / 4
    assert 0 <= result["recall@10_low"] <= result["recall@10"] <= result["recall@10_high"] <= 1


def test_bootstrap_interval_narrows_with_more_turns_and_holds_the_estimate():
    from kgrec.evaluation.metrics import bootstrap_recall

    few = bootstrap_recall([[1], [2]] * 10, [[1], [1]] * 10, 1)
    many = bootstrap_recall([[1], [2]] * 1000, [[1], [1]] * 1000, 1)
    assert few[0] < 0.5 < few[1] and many[0] < 0.5 < many[1]
    assert many[1] - many[0] < (few[1] - few[0]) / 5  # ~1/sqrt(100) as wide
    assert bootstrap_recall([[1]] * 5, [[1]] * 5, 1) == (1.0, 1.0)  # every turn a hit: no doubt
    assert bootstrap_recall([[9], [9]], [[1, 2], []], 1) == (0.0, 0.0)


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError):
        recall_at_k([[1]], [[1], [2]], 1)


def test_docstring_examples_hold():
    assert doctest.testmod(metrics).failed == 0
