"""The labelled intent suite (evaluation/intents.py) over the real graph: nothing said is read backwards."""
import time

import pytest

from kgrec.evaluation import intents


@pytest.mark.slow
def test_no_intent_of_the_suite_is_inverted_or_wrong():
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    start = time.perf_counter()
    cases = intents.cases(G)
    counts, examples = intents.run(G, cases)
    kinds = {k for k, _ in counts}
    assert len(cases) >= 2000 and {"hate", "person_negated", "genre_negated", "decade_negated", "year_negated",
                                   "contradiction", "garbage", "replace", "mixed", "seen_judged", "seen_only",
                                   "than_year", "than_title"} <= kinds
    bad = {key: texts[:5] for key, texts in examples.items() if key[1] in ("inverted", "wrong")}
    assert not bad, bad  # a hate read as a like, an excluded decade as the wanted one, garbage liked, ...
    missed = sum(n for (_, outcome), n in counts.items() if outcome == "missed")
    print(f"{len(cases)} intents, {missed} missed, 0 inverted, in {time.perf_counter() - start:.1f} s")
    assert missed <= 0.02 * len(cases)
