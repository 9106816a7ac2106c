"""``kgrec.bench.cold_start``'s tables and the Makefile's step lines it reads (the runs themselves take minutes)."""
from __future__ import annotations

import subprocess

from kgrec.bench.cold_start import Row, last_reply, parse_steps, ready_in, setup_table, table
from kgrec.kg.locations import REPO_ROOT


def test_the_table_has_one_row_per_scenario_and_a_dash_where_a_step_is_not_run():
    text = table([Row("empty cache: prepare, then chat", "301.2 (150.0)", 1480.0, 4.5, 7.25, 0.5, 7.75, 12.25,
                      "3.5 / 9.0", 1510.0, 3),
                  Row("warm cache: chat", None, None, 4.0, 1.5, 0.25, 1.75, 5.75, "3.0 / 8.0", 1500.0, 0)])
    lines = text.splitlines()
    assert lines[0].startswith("| scenario | prepare s (CPU s) |") and "ready s after page" in lines[0]
    assert len(lines) == 4
    assert lines[2] == "| empty cache: prepare, then chat | 301.2 (150.0) | 1,480.0 | 4.5 | 7.2 | 0.5 | 7.8 | 12.2 | 3.5 / 9.0 | 1,510.0 | 3 |"
    assert lines[3] == "| warm cache: chat | - | - | 4.0 | 1.5 | 0.2 | 1.8 | 5.8 | 3.0 / 8.0 | 1,500.0 | 0 |"


def test_ready_is_read_from_the_servers_own_line_after_the_chat_began(tmp_path):
    log = tmp_path / "commands.log"
    log.write_text("kgrec: ready (12 s)\n")  # an earlier chat's line
    offset = log.stat().st_size
    assert not ready_in(log, offset)
    with open(log, "a") as f:
        f.write("kgrec: loading, step 6/6: answering a first test message\nkgrec: ready (3 s)\n")
    assert ready_in(log, offset)


def test_make_prints_each_setup_step_with_its_seconds_and_the_bench_reads_them():
    planned = subprocess.run(["make", "-n", "-B", "setup", "VENV=/nonexistent/venv"], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert [line.split()[3] for line in planned.splitlines() if line.startswith('echo "make: step')] == \
        ["venv", "pip", "torch", "model", "kgrec"]
    ran = subprocess.run(["make", "--no-print-directory", "--eval", "probe: ; $(call step,nap,sleep 0.2)", "probe"],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    [(name, seconds)] = parse_steps(ran)
    assert name == "nap" and 0.2 <= seconds < 5
    steps = parse_steps("make: step torch ...\nmake: step torch: 61.5 s\nnoise\nmake: step kgrec: 30.0 s\n")
    assert steps == [("torch", 61.5), ("kgrec", 30.0)]
    assert setup_table(steps).splitlines()[-1] == "| total | 91.5 |"


def test_the_reply_is_the_last_assistant_message_not_the_trace():
    chat = [{"role": "user", "content": "I loved Alien"}, {"role": "assistant", "content": "Try Aliens (1986)."},
            {"role": "assistant", "content": "- `search`", "metadata": {"title": "How I got there"}}]
    assert last_reply(("", chat, None, "<div>ready</div>")) == "Try Aliens (1986)."
    assert last_reply(("", [], None)) == ""
