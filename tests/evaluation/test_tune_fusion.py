"""Fusion tuning: a mistyped --sweep is one clear line before any data is loaded."""
import pytest

from kgrec.evaluation.tune_fusion import main, sweep_weights
from kgrec.kg.query.retrieval import FusionWeights


def test_a_sweep_sets_one_weight_and_keeps_the_others():
    assert [w for _, w in sweep_weights("content=0,2")] == [FusionWeights(content=0.0), FusionWeights(content=2.0)]


@pytest.mark.parametrize("sweep, said", [("contnet=1", "no weight 'contnet'"), ("content=lots", "NAME=NUMBER")])
def test_a_bad_sweep_is_one_line_naming_it(sweep, said, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--sweep", sweep])
    assert stop.value.code == 2 and said in capsys.readouterr().err.splitlines()[-1]


def test_the_joint_search_finds_weights_that_only_help_together():
    """EASE and the re-mention prior, say, each lower Recall alone and raise it together: one weight
    at a time never gets there, the joint search does."""
    from kgrec.evaluation.tune_fusion import coordinate_ascent, joint_search

    def evaluate(w):
        on = (w.collaborative > 0) + (w.remention > 0)
        r = 0.10 + {0: 0.0, 1: -0.05, 2: 0.05}[on] - 0.001 * w.popular
        return {"R@10": r, "R@50": r, "new R@10": r, "new R@50": r}

    start = FusionWeights()
    assert start.collaborative == start.remention == 0
    stuck, _, _ = coordinate_ascent(evaluate, start, rounds=2)
    assert stuck.collaborative == 0 and stuck.remention == 0
    best, result, log = joint_search(evaluate, start, trials=60, seed=0)
    assert best.collaborative > 0 and best.remention > 0 and result["R@10"] > 0.14
    assert log[0][1]["R@10"] < log[-1][1]["R@10"]


def test_a_mistyped_held_weight_is_one_line_naming_it(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--hold", "walk,remnetion"])
    line = capsys.readouterr().err.splitlines()[-1]
    assert stop.value.code == 2 and "--hold remnetion" in line and "remention" in line
