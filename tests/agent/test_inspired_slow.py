"""INSPIRED (../shared/data/inspired, never copied into the repo): import it, then chat one turn on it."""
import pytest

from kgrec.kg.locations import REPO_ROOT

INSPIRED = REPO_ROOT.parent / "shared" / "data" / "inspired"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (INSPIRED / "item_ids.json").exists(),
                                 reason=f"INSPIRED is not at {INSPIRED} (../shared/data/inspired)")]


def test_import_inspired_then_chat_one_turn_on_it(tmp_path, capsys):
    from kgrec.agent import AgentConfig, Recommender, check_explanation
    from kgrec.kg.storage.registry import load_graph, turns_file
    from kgrec.kgrec_cli import main

    out = tmp_path / "inspired"
    assert main(["kg", "import", "--unicrs", str(INSPIRED), "--dialogues", f"train={INSPIRED / 'train.jsonl'}",
                 "--dialogues", f"valid={INSPIRED / 'valid.jsonl'}", "--out", str(out)]) == 0
    assert "801 dialogues" in capsys.readouterr().out
    G = load_graph(str(out))
    items = {n for n, item in G.nodes(data="item") if item}
    assert len(items) == 1123 and turns_file(str(out), "valid") is not None
    rec = Recommender(AgentConfig(graph=str(out)))
    reply = rec.respond(rec.new_session(), "I loved Knives Out, something like it?")
    knives = [n for n in items if G.nodes[n]["name"] == "Knives Out"]
    assert reply.understood.liked == tuple(knives) and len(reply.items) == 3
    assert all(i.item in items and i.item not in knives for i in reply.items)
    assert all(check_explanation(G, i.explanation) for i in reply.items)
