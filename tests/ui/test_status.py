"""The page's status line tells the truth: loading with its step and share, then ready, or the failure."""
from __future__ import annotations

import threading

from tests.ui.conftest import chat, gated_engine, tiny_recommender
from kgrec.ui import status
from kgrec.ui.handlers import Engine


def wait_for(engine: Engine, what) -> None:
    for _ in range(2000):  # 20 s at most (a busy machine)
        if what():
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"engine never got there: {engine.status}")


def test_loading_shows_the_step_and_share_and_the_input_waits_until_ready():
    gate = threading.Event()
    engine = gated_engine(gate, [])
    engine.start()
    wait_for(engine, lambda: engine.progress is not None)
    now = status.view(engine, "e.g. I loved Alien")
    assert not now.ready and not now.accepts
    assert "step 3/6" in now.html and "40/197" in now.html and 'value="37"' in now.html  # (2 + 40/197) / 6
    assert "ready" in now.placeholder and "Ready" not in now.html and " s so far" in now.html
    gate.set()
    wait_for(engine, lambda: engine.loaded)
    now = status.view(engine, "e.g. I loved Alien")
    assert now.ready and now.accepts and now.placeholder == "e.g. I loved Alien" and "Ready" in now.html
    assert chat(engine, engine_state(), "I loved Police Academy")[-1][-1]["content"]  # answered at once


def engine_state():
    from kgrec.ui.handlers import ChatState

    return ChatState()


def test_a_message_sent_while_loading_says_so_and_is_answered_when_loaded():
    gate = threading.Event()
    engine = gated_engine(gate, [])
    engine.start()
    wait_for(engine, lambda: engine.progress is not None)
    threading.Timer(0.2, gate.set).start()
    shown = chat(engine, engine_state(), "I loved Police Academy")
    assert shown[0][-1]["content"].startswith("Still loading (step 3/6")
    assert not shown[-1][-1]["content"].startswith("Still loading") and engine.loaded


def test_a_failed_load_is_shown_with_its_reason_and_a_page_load_retries():
    gate = threading.Event()
    gate.set()
    engine = gated_engine(gate, ["the adapter is broken"])
    engine.start()
    wait_for(engine, lambda: bool(engine.failed))
    now = status.view(engine, "hint")
    assert not now.ready and now.accepts and "the adapter is broken" in now.html and "retry" in now.html
    engine.start()  # what opening the page again does
    wait_for(engine, lambda: engine.loaded)
    assert status.view(engine, "hint").ready and not engine.failed


def test_starting_twice_builds_once():
    built = []
    engine = Engine(lambda: built.append(1) or tiny_recommender())
    engine.start()
    engine.start()
    wait_for(engine, lambda: engine.loaded)
    engine.start()
    assert built == [1]


def test_wait_returns_when_loaded_or_after_its_timeout_or_a_failure():
    gate = threading.Event()
    engine = gated_engine(gate, [])
    assert engine.wait(0.01) is False  # nothing started: nothing to wait for
    engine.start()
    assert engine.wait(0.05) is False and not engine.loaded  # still loading after the timeout
    gate.set()
    assert engine.wait(20) is True and status.view(engine, "hint").ready

    def broken():
        raise OSError("no model file")
    failing = Engine(broken)
    failing.start()
    assert failing.wait(20) is False and failing.failed == "no model file"
