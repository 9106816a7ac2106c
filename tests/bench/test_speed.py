"""``kgrec bench`` gathers the benchmark scripts' tables and survives missing or broken ones."""
import json
import textwrap

import pytest

from kgrec.bench.speed import parse_only, run, run_script, tables_in
from kgrec.kg.errors import KgrecError


@pytest.fixture
def root(tmp_path):
    """A fake project whose bench/ has a working, a failing and a slow script (no agent_latency)."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "__init__.py").write_text("")
    (tmp_path / "bench" / "kg_load.py").write_text(textwrap.dedent("""
        print("loading...")
        print("| what | median s |")
        print("|---|---|")
        print("| cache | 1.2 |")
        print("| rebuild (baseline) | 30.0 |")
    """))
    (tmp_path / "bench" / "retrieval_speed.py").write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    (tmp_path / "bench" / "model_speed.py").write_text("import time\ntime.sleep(30)\n")
    (tmp_path / "bench" / "train_speed.py").write_text(
        "print('method      tokens/s')\nprint('full        100')\nprint('lora        340')\n")
    return tmp_path


def test_a_scripts_table_is_kept_verbatim(root):
    outcome = run_script("kg_load", timeout=60, root=root)
    assert outcome.status == "ok"
    assert outcome.tables == ("| what | median s |\n|---|---|\n| cache | 1.2 |\n| rebuild (baseline) | 30.0 |",)


def test_missing_failing_and_slow_scripts_get_a_clear_row(root):
    assert run_script("agent_latency", timeout=60, root=root).status == "not available"
    failed = run_script("retrieval_speed", timeout=60, root=root)
    assert failed.status == "failed (exit 3)" and "boom" in failed.tail
    assert run_script("model_speed", timeout=1, root=root).status == "timed out after 1 s"


def test_the_report_has_one_row_per_benchmark_and_their_tables(root, tmp_path):
    text, paths = run(only=None, out=tmp_path / "out", timeout=2, root=root)
    assert "| kg_load | KG load time, cold build vs cache | ok |" in text
    assert "| agent_latency | turn latency p50/p95, first token, RSS | not available |" in text
    assert "| rebuild (baseline) | 30.0 |" in text
    data = json.loads(paths[1].read_text())
    assert [b["status"] for b in data["benchmarks"]] == [
        "ok", "failed (exit 3)", "timed out after 2 s", "ok", "not available"]


def test_only_accepts_known_names():
    assert parse_only("kg_load, train_speed") == ["kg_load", "train_speed"]
    with pytest.raises(KgrecError, match="kg_laod.*expected some of kg_load"):
        parse_only("kg_laod")


def test_tables_are_found_between_other_lines():
    assert tables_in("a\n| x |\n|---|\nb") == ["| x |\n|---|"]


def test_plain_text_output_is_kept_in_a_code_block_and_headlined(root, tmp_path):
    text, _ = run(only="kg_load,train_speed", out=tmp_path / "out", timeout=60, root=root)
    assert "```text\nmethod      tokens/s\nfull        100\nlora        340\n```" in text
    assert "| train_speed | LoRA training tokens/s | ok |" in text and "method tokens/s; lora 340 |" in text
    assert "loading...\n\n| what | median s |" in text  # a blank line, so the table renders


def test_quick_mode_passes_the_shorter_arguments(tmp_path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "__init__.py").write_text("")
    (tmp_path / "bench" / "kg_load.py").write_text("import sys\nprint('| what | args |')\nprint('|---|---|')\n"
                                                   "print('| cached load |', ' '.join(sys.argv[1:]), '|')\n")
    text, _ = run(only="kg_load", out=tmp_path / "out", timeout=60, root=tmp_path, quick=True)
    assert "| cached load | --runs 1 |" in text


@pytest.mark.slow
def test_concurrency_bench_drives_the_real_server_without_errors(capsys):
    from kgrec.bench import concurrency

    assert concurrency.main(["--sessions", "2", "--turns", "2", "--policies", "shared", "--port", "7893"]) == 0
    table = capsys.readouterr().out
    shared = next(line for line in table.splitlines() if line.startswith("| sessions side by side"))
    cells = [c.strip() for c in shared.strip("|").split("|")]
    assert cells[1:3] == ["4", "0"]  # four timed turns, no errors
    fastest, median, slowest = map(float, cells[6:9])
    assert fastest <= median <= slowest
    ranked, done = cells[9].split("/")
    assert done == "4" and 0 <= int(ranked) <= 4
