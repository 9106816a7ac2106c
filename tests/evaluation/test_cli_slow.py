"""``kgrec eval redial --limit 50`` end to end: the real KG, the embedded model and the shipped adapter."""
import json

import pytest

import kgrec.kgrec_cli


def test_bad_options_are_one_line_errors(capsys):
    assert kgrec.kgrec_cli.main(["eval", "redial", "--entities", "gold"]) == 2
    assert "--entities 'gold': expected one of text, prev_entity" in capsys.readouterr().err
    assert kgrec.kgrec_cli.main(["eval", "simulate", "--systems", "gpt4"]) == 2
    assert kgrec.kgrec_cli.main(["bench", "--only", "nope"]) == 2


@pytest.mark.slow
def test_eval_redial_on_50_turns_writes_the_table_and_recommends_only_catalog_items(tmp_path, capsys):
    out = tmp_path / "eval"
    argv = ["eval", "redial", "--limit", "50", "--seed", "0", "--systems", "popularity,retriever,lora",
            "--out", str(out), "--no-progress"]
    assert kgrec.kgrec_cli.main(argv) == 0
    result = json.loads((out / "results.json").read_text())
    assert result["turns"] == 50 and set(result["systems"]) == {"popularity", "retriever", "lora"}
    for system in result["systems"].values():
        assert system["all"]["off_catalog"] == 0.0
        assert 0.0 <= system["all"]["recall@1"] <= system["all"]["recall@10"] <= system["all"]["recall@50"] <= 1.0
    # the KG retriever beats "the most popular movies" on recall@50
    assert result["systems"]["retriever"]["all"]["recall@50"] > result["systems"]["popularity"]["all"]["recall@50"]
    table = (out / "results.md").read_text()
    assert "| lora |" in table and "published, not measured here" in table
    assert (out / "results.png").read_bytes()[:4] == b"\x89PNG"
    assert "| retriever |" in capsys.readouterr().out
