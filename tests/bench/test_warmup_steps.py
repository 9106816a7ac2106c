"""``kgrec.bench.warmup_steps`` times every warm-up step, then a turn, and totals what comes before ready."""
from __future__ import annotations

from kgrec.agent import AgentConfig, Recommender
from kgrec.agent.config import ModelConfig
from kgrec.agent.warmup import STEPS
from kgrec.bench.warmup_steps import LIBRARIES, Timed, measure, table
from tests.agent.conftest import agent_graph


def test_every_warmup_step_is_timed_in_order_then_a_turn(tiny_lm_dir):
    config = AgentConfig(k=3, model=ModelConfig(model=str(tiny_lm_dir), adapter=None))
    rows = measure(config, recommender=Recommender(config, graph=agent_graph()), preimport=True)
    assert rows[0].what == "importing " + ", ".join(LIBRARIES)
    assert [r.what for r in rows[1:-1]] == [f"{i}/{len(STEPS)} {what}" for i, (what, _) in enumerate(STEPS, 1)]
    assert rows[-1].what == "a turn after the warm-up"
    assert all(r.wall_s >= 0 and r.cpu_s >= 0 for r in rows)


def test_the_table_totals_the_steps_before_ready_and_shows_the_turn_after():
    lines = table([Timed("1/2 graph", 2.0, 1.5), Timed("2/2 model", 1.0, 0.75), Timed("a turn after", 0.5, 0.1)])
    assert lines.splitlines()[-2:] == ["| total before ready | 3.00 | 2.25 |", "| a turn after | 0.50 | 0.10 |"]
