"""kgrec.agent.ranking: the model reranks KG candidates; the prompt is shared by training and serving."""
import math

import pytest

from kgrec.agent.ranking import (RankConfig, RankContext, combine, conversation_text, lm_scores, rank, rank_prompt,
                           training_pairs, zscores)
from kgrec.agent.types import Ranked
from kgrec.kg.errors import KgrecError
from kgrec.kg.schema import Candidate
from tests.conftest import TitleLM

CONTEXT = RankContext(liked=(1,), disliked=(4,), text=conversation_text([("seeker", "i like alien"),
                                                                        ("recommender", "what genre ?")]))
CANDIDATES = [Candidate(2, 0.9), Candidate(3, 0.5), Candidate(6, 0.4), Candidate(5, 0.1), Candidate(8, 0.05)]


def test_rank_returns_every_candidate_once_best_first(tiny_lm, tiny_movies):
    ranked = rank(tiny_lm, tiny_movies, CONTEXT, CANDIDATES)
    assert sorted(r.item for r in ranked) == sorted(c.item for c in CANDIDATES)
    assert all(isinstance(r, Ranked) for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


@pytest.mark.parametrize("formulation", ["title", "yesno", "listwise"])
def test_a_confident_model_moves_its_favourite_to_the_top(tiny_movies, formulation):
    lm = TitleLM("titanic" if formulation != "listwise" else "D")  # titanic is 4th: letter D
    ranked = rank(lm, tiny_movies, CONTEXT, CANDIDATES, RankConfig(formulation=formulation, lm_weight=0.9))
    assert ranked[0].item == 5
    assert len(lm.prompts) == 1  # one prompt (one prefill) for all candidates


def test_weight_zero_keeps_the_retrievers_order(tiny_movies):
    ranked = rank(TitleLM("titanic"), tiny_movies, CONTEXT, CANDIDATES, RankConfig(lm_weight=0.0))
    assert [r.item for r in ranked] == [c.item for c in CANDIDATES]
    assert [r.retrieval_score for r in ranked] == [c.score for c in CANDIDATES]


def test_only_the_top_candidates_are_rescored_and_the_rest_follow(tiny_movies):
    ranked = rank(TitleLM("titanic"), tiny_movies, CONTEXT, CANDIDATES, RankConfig(max_candidates=2))
    assert {r.item for r in ranked[:2]} == {2, 3}
    assert [r.item for r in ranked[2:]] == [6, 5, 8] and all(math.isnan(r.lm_score) for r in ranked[2:])


def test_prompt_names_liked_and_disliked_movies_and_the_conversation(tiny_lm, tiny_movies):
    prompt = rank_prompt(tiny_lm, tiny_movies, CONTEXT, RankConfig())
    assert "Liked: alien" in prompt and "Disliked: frozen" in prompt and "User: i like alien" in prompt


def test_training_pairs_use_the_serving_prompt(tiny_lm, tiny_movies):
    for formulation in ("title", "yesno", "listwise"):
        config = RankConfig(formulation=formulation)
        items = [c.item for c in CANDIDATES]
        pairs = training_pairs(tiny_lm, tiny_movies, CONTEXT, items, 6, config, negatives=[2])
        serving = rank_prompt(tiny_lm, tiny_movies, CONTEXT, config, items if formulation == "listwise" else ())
        assert pairs and all(prompt == serving for prompt, _ in pairs)
    assert training_pairs(tiny_lm, tiny_movies, CONTEXT, [2, 3], 6, RankConfig(formulation="listwise"), []) == []


def test_lm_scores_match_direct_scoring(tiny_lm, tiny_movies):
    config = RankConfig()
    scores = lm_scores(tiny_lm, tiny_movies, CONTEXT, [2, 3], config)
    direct = tiny_lm.score(rank_prompt(tiny_lm, tiny_movies, CONTEXT, config), ["aliens", "heat"])
    assert scores == pytest.approx(direct)


def test_combine_mixes_z_scores():
    assert zscores([1.0, 1.0]) == [0.0, 0.0]
    assert combine([0.0, 1.0], [1.0, 0.0], 0.5) == pytest.approx([0.0, 0.0])
    assert combine([0.0, 1.0], [1.0, 0.0], 1.0) == pytest.approx([-1.0, 1.0])


def test_bad_config_names_field_and_options():
    with pytest.raises(KgrecError, match="formulation"):
        RankConfig(formulation="pairwise")
    with pytest.raises(KgrecError, match="lm_weight"):
        RankConfig(lm_weight=1.5)


@pytest.mark.slow
def test_embedded_model_with_shipped_adapter_ranks_real_candidates():
    from kgrec.agent.llm import ModelConfig, default_adapter_dir, load_lm
    from kgrec.evaluation.turns import split_turns, turn_candidates, turn_context
    from kgrec.kg.graph import catalog
    from kgrec.kg.storage.store import load_movie_graph

    G = load_movie_graph()
    lm = load_lm(ModelConfig())
    assert lm.adapter == default_adapter_dir()  # the shipped adapter is the default
    turn = next(t for t in split_turns(G, "valid") if t.liked)
    candidates = turn_candidates(G, turn, 20)
    ranked = rank(lm, G, turn_context(turn), candidates)
    items = set(catalog(G))
    assert sorted(r.item for r in ranked) == sorted(c.item for c in candidates)
    assert all(r.item in items and math.isfinite(r.lm_score) for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    base = lm_scores(load_lm(ModelConfig(adapter=None)), G, turn_context(turn), [c.item for c in candidates],
                     RankConfig())
    assert base != pytest.approx([r.lm_score for r in sorted(ranked, key=lambda r: [c.item for c in candidates]
                                                            .index(r.item))], abs=1e-4)  # the adapter matters
