"""A real ``Recommender`` on the agent tests' 12-movie graph with their scripted fake LM."""
from __future__ import annotations

import threading

import pytest

from tests.agent.conftest import ScriptedLM, agent_graph
from kgrec.ui.handlers import ChatState, Engine


def tiny_recommender():
    from kgrec.agent import AgentConfig, Recommender

    return Recommender(AgentConfig(k=3), graph=agent_graph(), lm=ScriptedLM())


@pytest.fixture
def engine() -> Engine:
    return Engine(tiny_recommender)


@pytest.fixture
def state() -> ChatState:
    return ChatState()


def chat(engine: Engine, state: ChatState, message: str) -> list[list[dict]]:
    """Send ``message`` through the page's handler; the chat as the page showed it at each update."""
    from kgrec.ui import handlers

    return [[dict(m) for m in shown.history] for shown in handlers.send(engine, state, message)]


def gated_engine(gate: threading.Event, fail: list) -> Engine:
    """A real tiny recommender whose build reports a step, then waits for ``gate`` (or fails once)."""
    def build():
        from kgrec.agent.warmup import Progress

        engine.report(Progress(3, 6, "loading the dense encoder and the catalog's index (built once)", 40, 197, 12.0))
        assert gate.wait(120)
        if fail:
            raise RuntimeError(fail.pop())
        return tiny_recommender()
    engine = Engine(build)
    return engine
