"""One turn, one path: the pure next_action and the typed steps each action adds."""
import dataclasses
from dataclasses import replace

import pytest

from kgrec.agent import AgentConfig, actions, turn as stages
from kgrec.agent.steps import Explained, Reranked, Retrieved, TurnState, next_action
from kgrec.agent.types import Preferences
from kgrec.kg.query.linking import build_link_index
from tests.agent.conftest import CATALOG, PA, PA2, ScriptedLM

CONFIG = AgentConfig(rank_with_model=False, lm_chooses_actions=False)


def state_for(G, text, prefs=Preferences()):
    before = stages.Before(prefs)
    return TurnState(before, stages.understand(G, build_link_index(G), text, before, CONFIG))


def test_next_action_decides_ask_search_facts_or_recommend_from_the_state_alone(G):
    assert next_action(state_for(G, "hello there")) == ("ask_question",)
    assert next_action(state_for(G, "comedies after 2000 but before 1990")) == ("answer",)  # a contradiction
    assert next_action(state_for(G, "who directed Police Academy?")) == ("get_facts",)
    assert next_action(state_for(G, "I loved Fake Movie 3")) == ("search_entities",)
    loved = state_for(G, "I loved Police Academy")
    assert next_action(loved) == ("retrieve_candidates",) == next_action(loved)  # pure: same state, same answer
    known = state_for(G, "ok", Preferences(liked=(PA,)))
    assert next_action(known) == ("retrieve_candidates", "ask_question")  # nothing new: the model may ask instead


def test_each_action_adds_one_frozen_step_and_the_turn_ends_answered(G):
    lm = ScriptedLM()
    parts = actions.Parts(G, build_link_index(G), replace(CONFIG, rank_with_model=True),
                          lm=lambda: lm)
    states = list(actions.play(parts, state_for(G, "I loved Police Academy")))
    done = states[-1]
    assert [type(s) for s in done.steps] == [Retrieved, Reranked, Explained]  # linking is the stream's first step
    assert next_action(done) == ("answer",) and [i.item for i in done.items][0] == PA2
    assert {i.item for i in done.items} <= CATALOG - {PA} and len(done.items) == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.steps[0].candidates = ()
    assert done.steps[0].candidates[:3] == tuple(stages.retrieve(G, done.steps[0].request))[:3]
