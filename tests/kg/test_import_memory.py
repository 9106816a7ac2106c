"""A catalog too large for the machine's memory: one `kgrec: error:` line, nothing saved as a graph."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kgrec.bench.scale import write_catalog

ROOT = Path(__file__).resolve().parents[2]


def _kgrec(how: list[str], args: list[str], timeout: int) -> subprocess.CompletedProcess:
    """``python HOW... ARGS...`` (a capped child or the CLI itself) from the repository root."""
    return subprocess.run([sys.executable, *how, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _import(files, out: Path) -> list[str]:
    return ["kg", "import", "--items", str(files.items), "--triples", str(files.triples),
            "--interactions", str(files.interactions), "--out", str(out)]

#: the child caps its own address space a little above what it has mapped once kgrec is imported,
#: then imports a catalog whose EASE model (forced dense) needs three 2,000² float64 matrices
CHILD = textwrap.dedent("""
    import resource, sys
    import kgrec.kgrec_cli, kgrec.kg.cli, kgrec.kg.sources.importer, kgrec.kg.storage.registry, scipy.sparse
    from kgrec.kg.query import collaborative
    collaborative.DENSE_ITEMS = 10**9
    size = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize")) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + 40 * 2**20,) * 2)
    sys.exit(kgrec.kgrec_cli.main(sys.argv[1:]))
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmSize from /proc")
def test_running_out_of_memory_is_one_error_line_and_no_graph(tmp_path):
    files = write_catalog(tmp_path / "catalog", 2500, seed=0)
    out = tmp_path / "graph"
    child = _kgrec(["-c", CHILD], _import(files, out), timeout=120)
    assert child.returncode == 2, child.stderr[-2000:]
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kgrec: error: importing ") and "memory" in lines[0]
    assert "Traceback" not in child.stderr
    assert not (out / "meta.json").exists()  # never listed nor loadable as a graph


#: the child caps its address space just above what kgrec needs before the graph, then loads it
LOAD_CHILD = textwrap.dedent("""
    import resource, sys
    import kgrec.kgrec_cli, kgrec.kg.cli, kgrec.kg.storage.registry, kgrec.kg.storage.graph_file, networkx, numpy, scipy.sparse
    size = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize")) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + 4 * 2**20,) * 2)
    sys.exit(kgrec.kgrec_cli.main(sys.argv[1:]))
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmSize from /proc")
def test_a_graph_too_big_to_load_is_one_error_line(tmp_path):
    files = write_catalog(tmp_path / "catalog", 3000, seed=0)
    out = tmp_path / "graph"
    imported = _kgrec(["-m", "kgrec.kgrec_cli"], _import(files, out), timeout=300)
    assert imported.returncode == 0, imported.stderr[-2000:]
    child = _kgrec(["-c", LOAD_CHILD], ["kg", "stats", "--graph", str(out)], timeout=120)
    assert child.returncode == 2, child.stderr[-2000:]
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kgrec: error: kgrec kg stats needed more memory"), lines
    assert "Traceback" not in child.stderr
