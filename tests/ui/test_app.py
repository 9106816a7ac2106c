"""Starting the page loads nothing heavy: ``kgrec chat`` parses, the model waits for a first message."""
from __future__ import annotations

import subprocess
import sys

from kgrec.kgrec_cli import make_parser
from kgrec.ui.handlers import Engine


def test_kgrec_chat_defaults_to_localhost_without_sharing():
    args = make_parser().parse_args(["chat"])
    assert (args.host, args.port, args.share) == ("127.0.0.1", 7860, False)
    args = make_parser().parse_args(["chat", "--port", "8001", "--host", "0.0.0.0", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8001, True)


def test_a_bad_port_is_one_line_error(capsys):
    from kgrec.kgrec_cli import main

    assert main(["chat", "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err


def test_the_cli_imports_neither_gradio_nor_the_model():
    code = "import sys, kgrec.kgrec_cli; kgrec.kgrec_cli.make_parser(); print(sorted({'gradio', 'torch', 'transformers'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_building_the_page_loads_no_model():
    from kgrec.ui.app import build_app

    built = []
    engine = Engine(lambda: built.append(1))
    demo = build_app(engine)
    assert built == [] and not engine.loaded and "first message" in engine.status
    assert demo.title.startswith("kgrec")


def test_a_bad_wait_is_one_line_error(capsys):
    from kgrec.kgrec_cli import main

    assert main(["chat", "--wait", "-1"]) == 2
    assert "--wait -1" in capsys.readouterr().err


def _served_with(monkeypatch, engine: Engine, wait: str) -> list[tuple[bool, bool]]:
    """``kgrec chat --wait WAIT`` on ``engine``: at the moment the page is served, (loaded, loading begun)."""
    import gradio as gr

    import kgrec.ui.app as app
    import kgrec.ui.handlers as handlers
    from kgrec.kgrec_cli import main

    served = []
    monkeypatch.setattr(handlers, "default_engine", lambda graph=None: engine)
    monkeypatch.setattr(app, "launch", lambda demo, **kw: served.append(
        (engine.loaded, engine._thread is not None)) or ("http://127.0.0.1:1/", None))
    monkeypatch.setattr(gr.Blocks, "block_thread", lambda self: None)  # the real server: tests/ui/test_browser.py
    assert main(["chat", "--wait", wait]) == 0
    return served


def test_the_page_is_served_once_loaded_when_loading_takes_less_than_wait(monkeypatch):
    from tests.ui.conftest import tiny_recommender

    assert _served_with(monkeypatch, Engine(tiny_recommender), "30") == [(True, True)]


def test_a_load_longer_than_wait_goes_on_behind_the_page(monkeypatch):
    import threading

    from tests.ui.conftest import gated_engine

    gate = threading.Event()
    engine = gated_engine(gate, [])
    assert _served_with(monkeypatch, engine, "0.2") == [(False, True)]  # served while loading
    gate.set()
    assert engine.wait(20)


def test_wait_0_serves_the_page_first_then_loads(monkeypatch):
    from tests.ui.conftest import tiny_recommender

    engine = Engine(tiny_recommender)
    assert _served_with(monkeypatch, engine, "0") == [(False, False)]
    assert engine.wait(20)  # loading began right after the page
