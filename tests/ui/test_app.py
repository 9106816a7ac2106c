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
