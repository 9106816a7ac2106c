"""`kgrec eval redial`'s fast path and the chat show the same ranking for the same context.

Real ReDial valid turns over the real KG: the replay (``kgrec.evaluation.systems.AgentReplay``, the
turn stages called directly) against ``Recommender.respond`` on the last seeker message, its
session replayed from the earlier context (``kgrec.evaluation.systems.chat_reply``).
"""
from dataclasses import replace

import pytest

from kgrec.agent import Recommender
from kgrec.agent.config import AgentConfig
from kgrec.evaluation.systems import AgentReplay, ModelRanker, chat_reply
from kgrec.evaluation.turns import official_turns

pytestmark = pytest.mark.slow

TURNS = 40  # replayed without the model
MODEL_TURNS = 2  # and with the real model ranking
SHOWN = 20  # the chat shows min(k, rank_pool) items: compare the whole pool the model ranks


@pytest.fixture(scope="module")
def G():
    from kgrec.kg.storage.store import load_movie_graph

    return load_movie_graph()


@pytest.fixture(scope="module")
def turns(G):
    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import VALID_FILE, load_dialogues

    found = [t for t in official_turns(G, load_dialogues(data_dir() / VALID_FILE))
             if t.context and t.context[-1].role == "seeker"]
    return found[::max(1, len(found) // TURNS)][:TURNS]  # spread over the file


def config(**changes) -> AgentConfig:
    return AgentConfig(k=SHOWN, rank_pool=SHOWN, lm_chooses_actions=False, model_wait_s=None, **changes)


def test_the_chat_shows_the_replays_retrieval_order_on_real_turns(G, turns):
    no_model = config(rank_with_model=False)
    rec = Recommender(no_model, graph=G)
    replay = AgentReplay(G, no_model, dense=rec.dense)  # the LM encoder's list too, where the graph weighs it
    compared = 0
    for turn in turns:
        fast = [c.item for c in replay.prepare(turn).candidates][:SHOWN]
        reply = chat_reply(rec, replay, turn)
        chat = [item.item for item in reply.items]
        before = replay.replayed(turn).session.prefs  # the same preferences, then this reply's items shown
        assert replace(reply.understood, recommended=before.recommended) == before, turn.turn_id
        assert reply.understood.recommended == before.recommended + tuple(chat)
        if any(step.tool == "retrieve_candidates" for step in reply.trace):
            assert chat == fast, f"{turn.turn_id}: chat {chat[:5]}..., eval {fast[:5]}..."
            compared += bool(chat)
        else:  # a question about a movie, a contradiction or nothing to go on: the chat does not recommend
            assert chat == []
    assert compared >= TURNS * 3 // 4  # most of these turns recommend, and they agree item by item


def test_with_the_model_the_chat_shows_the_replays_reranked_order(G, turns):
    from kgrec.agent.llm import ModelConfig, default_adapter_dir, load_lm

    if not (default_adapter_dir() / "adapter_config.json").exists():
        pytest.skip(f"no shipped adapter at {default_adapter_dir()}")
    lm = load_lm(ModelConfig())
    with_model = config(rank_with_model=True)
    rec = Recommender(with_model, graph=G, lm=lm)
    replay = AgentReplay(G, with_model, dense=rec.dense)
    ranker = ModelRanker("lora", lm, G, with_model)
    compared = 0
    for turn in turns:
        prepared = replay.prepare(turn)
        if len(prepared.candidates) < 2:
            continue
        reply = chat_reply(rec, replay, turn)
        assert [item.item for item in reply.items] == ranker.rank(prepared)[:SHOWN], turn.turn_id
        assert any(step.tool == "rank_candidates" and not step.error for step in reply.trace)
        compared += 1
        if compared == MODEL_TURNS:
            break
    assert compared == MODEL_TURNS
