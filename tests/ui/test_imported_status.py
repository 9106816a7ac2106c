"""An imported graph's page shows the same truth as the movie KG's: each warm-up step while loading,
the input closed until ready, then ready and answered at once (the real embedded model: slow)."""
from __future__ import annotations

import threading
import time

import pytest

from tests.agent.conftest import BOOKS
from tests.ui.conftest import chat
from kgrec.ui import status
from kgrec.ui.handlers import ChatState, Engine


@pytest.mark.slow
def test_an_imported_graph_loads_with_the_warmups_steps_on_the_page_then_answers(tmp_path):
    from kgrec.agent.warmup import STEPS
    from kgrec.kgrec_cli import main
    from kgrec.ui.app import default_engine

    folder = tmp_path / "books"
    assert main(["kg", "import", "--items", str(BOOKS / "items.csv"), "--triples", str(BOOKS / "triples.tsv"),
                 "--interactions", str(BOOKS / "ratings.csv"), "--noun", "book", "--out", str(folder)]) == 0
    engine = default_engine(str(folder))  # what `kgrec chat --graph DIR` serves
    views = []

    def report(progress):  # the warm-up's report, then what the page would show at that moment
        Engine.report(engine, progress)
        views.append(status.view(engine, "hint"))
    engine.report = report
    engine.start()
    deadline = time.monotonic() + 600
    while not engine.loaded and not engine.failed and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    assert not engine.failed and engine.loaded
    assert views and all(not v.ready and not v.accepts and "ready" in v.placeholder for v in views)
    shown = [next(i for i in range(1, len(STEPS) + 1) if f"step {i}/{len(STEPS)}" in v.html) for v in views]
    assert shown == sorted(shown) and set(shown) == set(range(1, len(STEPS) + 1))  # every step, in order
    ready = status.view(engine, "hint")
    assert ready.ready and ready.accepts and "Ready" in ready.html
    shown = chat(engine, ChatState(), "I loved Dune")
    assert not any(m["content"].startswith("Still loading") for update in shown for m in update)  # answered now
    assert "book" in " ".join(str(m["content"]) for m in shown[-1]).lower()
