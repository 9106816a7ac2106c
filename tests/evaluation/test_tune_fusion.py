"""Fusion tuning: a mistyped --sweep is one clear line before any data is loaded."""
import pytest

from evaluation.tune_fusion import main, sweep_weights
from kg.retrieval import FusionWeights


def test_a_sweep_sets_one_weight_and_keeps_the_others():
    assert [w for _, w in sweep_weights("content=0,2")] == [FusionWeights(content=0.0), FusionWeights(content=2.0)]


@pytest.mark.parametrize("sweep, said", [("contnet=1", "no weight 'contnet'"), ("content=lots", "NAME=NUMBER")])
def test_a_bad_sweep_is_one_line_naming_it(sweep, said, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--sweep", sweep])
    assert stop.value.code == 2 and said in capsys.readouterr().err.splitlines()[-1]
