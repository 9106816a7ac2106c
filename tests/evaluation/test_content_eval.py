"""The content-request suite: its size and shape, and precision@3 against the KG's theme edges."""
import pytest

from kgrec.evaluation.content import K, SYSTEMS, cases, evaluate, half, precision
from kgrec.kg.errors import KgrecError
from tests.kg.conftest import CIN15, CIN50, FAIRY_TALES, PA, UP, tiny_graph


def test_the_suite_has_200_requests_over_40_themes_most_in_other_words():
    suite = cases()
    assert len(suite) >= 200 and len({c.theme for c in suite}) >= 40
    assert sum(not c.own_words for c in suite) >= len(suite) / 2
    dev, report = cases("dev"), cases("report")
    assert len(dev) + len(report) == len(suite) and not {c.text for c in dev} & {c.text for c in report}
    assert min(len(dev), len(report)) >= 0.4 * len(suite)
    assert half("a vampire movie") == half("a vampire movie")
    with pytest.raises(KgrecError, match="half 'test'"):
        cases("test")


def test_own_words_are_the_theme_forms_the_linker_knows():
    by_text = {c.text: c for c in cases()}
    assert by_text["a vampire movie"].own_words and not by_text["something with bloodsuckers"].own_words
    assert by_text["I'd like a movie about a boxer"].own_words  # "boxer" is a form of boxing


def test_precision_at_3_counts_items_with_the_theme_edge_and_misses_missing_ones():
    tiny = tiny_graph()
    assert precision(tiny, FAIRY_TALES, [CIN50, CIN15, UP]) == pytest.approx(2 / 3)
    assert precision(tiny, FAIRY_TALES, [CIN50]) == pytest.approx(1 / K)  # a short list: misses
    assert precision(tiny, FAIRY_TALES, []) == 0.0


def test_evaluate_scores_a_system_per_request():
    from kgrec.evaluation.content import Case

    tiny = tiny_graph()
    suite = [Case("fairy tales", "a fairy tale movie", True), Case("fairy tales", "once upon a time", False)]
    result = evaluate(tiny, lambda text: [CIN50, CIN15, PA] if "fairy" in text else [PA], suite)
    assert result["p@3"] == {"all": pytest.approx(1 / 3), "own words": pytest.approx(2 / 3), "other words": 0.0}
    with pytest.raises(KgrecError, match="not nodes of the graph"):
        evaluate(tiny, lambda text: [], [Case("zombies", "a zombie movie", True)])
    assert {"default", "previous default"} <= set(SYSTEMS)


@pytest.mark.slow
def test_every_theme_of_the_suite_has_items_in_the_real_kg():
    from kgrec.evaluation.content import theme_nodes
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    nodes = theme_nodes(G)
    for theme in {c.theme for c in cases()}:
        assert theme in nodes and sum(1 for _ in G.predecessors(nodes[theme])) >= 3, theme
