"""kgrec.bench.dense_index: the exact top-k is right, and each index finds what the matrix product finds."""
import numpy as np
import pytest

from kgrec.bench.dense_index import exact, main, measure, queries, vectors


def test_exact_top_k_is_the_full_sort_s_head():
    base = vectors(500, dim=16)
    q = queries(base, 1)[0]
    assert exact(base, q, 20).tolist() == np.argsort(-(base @ q), kind="stable")[:20].tolist()


def test_the_vectors_are_unit_length_and_seeded():
    a, b = vectors(300, dim=8, seed=4), vectors(300, dim=8, seed=4)
    assert np.array_equal(a, b) and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("method", ["numpy", "numpy-top"])
def test_the_matrix_product_finds_every_true_neighbour(method):
    base = vectors(2000, dim=32)
    qs = queries(base, 5)
    row = measure(method, base, qs, [exact(base, q, 50) for q in qs], 50)
    assert row["recall"] == 1.0 and row["memory_mb"] == pytest.approx(base.nbytes / 2**20)


@pytest.mark.parametrize("method", ["hnsw", "ivf"])
def test_an_index_finds_most_true_neighbours(method):
    pytest.importorskip("faiss", reason="faiss-cpu (the ann extra) is not installed")
    base = vectors(3000, dim=32)
    qs = queries(base, 10)
    row = measure(method, base, qs, [exact(base, q, 50) for q in qs], 50)
    assert row["recall"] > 0.8 and row["build_s"] > 0


def test_the_table_lists_every_size_and_method(capsys):
    assert main(["--sizes", "500", "--methods", "numpy,numpy-top", "--queries", "3", "--k", "10", "--dim", "8"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 500 |")]
    assert [r.split("|")[2].strip() for r in rows] == ["numpy", "numpy-top"]
