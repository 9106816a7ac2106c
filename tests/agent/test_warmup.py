"""``kgrec.agent.warmup``: every step a turn needs runs before the first message, in order, with progress."""
from __future__ import annotations

import pytest

from kgrec.agent import AgentConfig, Recommender
from kgrec.agent.config import ModelConfig
from kgrec.agent.warmup import STEPS, Progress, warmup
from tests.agent.conftest import agent_graph


def test_warmup_loads_every_part_a_turn_needs_and_reports_each_step(tiny_lm_dir):
    config = AgentConfig(k=3, model=ModelConfig(model=str(tiny_lm_dir), adapter=None))
    seen: list[Progress] = []
    recommender = warmup(config, seen.append, recommender=Recommender(config, graph=agent_graph()))
    assert [p.step for p in seen] == list(range(1, len(STEPS) + 1))  # the tiny graph builds no index
    assert [p.what for p in seen] == [what for what, _ in STEPS]
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0
    assert recommender._lm is not None and recommender._index is not None  # the model and the link index
    reply = recommender.respond(recommender.new_session(), "I loved Police Academy")
    assert reply.text


def test_progress_counts_units_inside_a_step_and_says_where_it_is():
    p = Progress(3, 6, "indexing", 98, 196, 5.0)
    assert p.fraction == pytest.approx(2.5 / 6)
    assert str(p) == "step 3/6: indexing: 98/196"
    with pytest.raises(ValueError, match="step=7"):
        Progress(7, 6, "x")


def test_after_the_warmup_a_model_load_prints_no_library_progress_bar(tiny_lm_dir, capfd):
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as transformers_logging

    config = AgentConfig(k=3, model=ModelConfig(model=str(tiny_lm_dir), adapter=None))
    was = transformers_logging.is_progress_bar_enabled()
    try:
        warmup(config, recommender=Recommender(config, graph=agent_graph()))
        capfd.readouterr()
        AutoModelForCausalLM.from_pretrained(tiny_lm_dir)
        assert "Loading weights" not in capfd.readouterr().err  # the warm-up's steps are the progress shown
    finally:
        if was:
            transformers_logging.enable_progress_bar()
