"""kgrec.bench.fuzz on the tiny graph: hostile sessions never crash the agent, and the checks see breaks."""
from kgrec.agent import AgentConfig, Recommender
from kgrec.bench import fuzz


def test_a_short_fuzz_run_has_no_crash_and_no_off_catalog_item(tiny):
    rec = Recommender(AgentConfig(rank_with_model=False, lm_chooses_actions=False), graph=tiny)
    stats = fuzz.run(rec, tiny, turns=40, seed=1)
    assert stats["turns"] >= 40 and stats["crashes"] == [] and stats["off_catalog"] == 0
    assert stats["breaks"] == [] and stats["contradiction_items"] == 0 and len(stats["latency"]) == stats["turns"]
    assert "| 0 |" in fuzz.table(stats, "tiny")


def test_the_checks_read_the_graph(tiny):
    item = next(n for n, d in tiny.nodes(data=True) if d.get("item") and d.get("year"))
    year = tiny.nodes[item]["year"]
    genre = next(t for t in tiny.succ[item] if tiny.nodes[t].get("type") == "genre")
    said = fuzz.Said(not_genres={genre}, not_years={(year, year)}, hated={item})
    assert len(fuzz.breaks(tiny, item, said)) == 3 and fuzz.breaks(tiny, item, fuzz.Said()) == []
