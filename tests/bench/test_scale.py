"""kgrec.bench.scale: the synthetic catalog imports as the user's files would, and the table is right."""
import math

import pytest

from kgrec.bench.scale import GENRES, conversation, growth, main, write_catalog
from kgrec.kg.graph import catalog
from kgrec.kg.sources.importer import import_graph
from kgrec.kg.comentions import co_mentions


def test_the_synthetic_catalog_imports_with_people_genres_and_likes(tmp_path):
    files = write_catalog(tmp_path, 200, seed=3)
    G = import_graph(files.items, files.triples, files.interactions, domain_noun="book")
    assert len(catalog(G)) == 200
    kinds = {G.nodes[n]["type"] for n in G if n not in catalog(G)}
    assert kinds == {"person", "genre"}
    assert {r for _, _, r in G.edges(keys=True)} >= {"director", "starring", "writer", "genre"}
    assert len(co_mentions(G)) > 0  # co-mentions: the graph's matrix, not edges
    assert sum(G.nodes[n]["popularity"] > 0 for n in catalog(G)) > 50
    # the scripted conversation names real items and people of the catalog
    names = {G.nodes[n]["name"] for n in G}
    said = " ".join(conversation(files, 0))
    assert files.titles[0] in said and files.titles[0] in names and files.people[0] in names
    assert GENRES[0] in said


def test_the_same_seed_writes_the_same_catalog(tmp_path):
    a, b = write_catalog(tmp_path / "a", 100, seed=1), write_catalog(tmp_path / "b", 100, seed=1)
    for name in ("items", "triples", "interactions"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes()


def test_growth_is_the_log_log_slope():
    rows = [{"items": 10, "t": 2.0}, {"items": 1000, "t": 200.0}]  # 100x items, 100x time: linear
    assert growth(rows, "t") == pytest.approx(1.0)
    assert math.isnan(growth(rows[:1], "t"))


@pytest.mark.slow  # two child processes per size (import, chat): ~10 s
def test_the_bench_runs_end_to_end_at_a_tiny_size(tmp_path, capsys):
    assert main(["--items", "150,300", "--sessions", "1", "--work", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| 150 |") and rows[2].startswith("| 300 |") and rows[3].startswith("| growth exponent |")
    assert (tmp_path / "graph-300" / "graph.npz").exists()
    assert "150 items imported in" in out and "MB on disk" in out  # the import is said before the chat


@pytest.mark.slow  # one chat child
def test_reuse_chats_with_the_graph_already_imported_without_importing_again(tmp_path, capsys):
    assert main(["--items", "150", "--sessions", "1", "--work", str(tmp_path)]) == 0
    stamp = (tmp_path / "graph-150" / "graph.npz").stat().st_mtime_ns
    capsys.readouterr()
    assert main(["--items", "150", "--sessions", "1", "--work", str(tmp_path), "--reuse"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| 150 |"))
    assert row.split("|")[2].strip() == "nan"  # no import time: nothing was imported
    assert (tmp_path / "graph-150" / "graph.npz").stat().st_mtime_ns == stamp


def test_a_size_that_runs_out_of_memory_is_reported_not_raised(tmp_path, capsys):
    # a 50 MB address space: the import child cannot even load numpy; the bench names the size and goes on
    assert main(["--items", "150", "--sessions", "1", "--work", str(tmp_path), "--max-memory-gb", "0.05"]) == 1
    out = capsys.readouterr().out
    assert "not measured: 150 items: --import-child exited" in out and "(no size completed)" in out
    assert not (tmp_path / "graph-150" / "meta.json").exists()
