"""``kgrec chat``: start the chat page on localhost and print its URL.

Usage:
    kgrec chat                      # http://127.0.0.1:7860
    kgrec chat --port 8000 --host 0.0.0.0
    kgrec chat --share              # also a public gradio.live link (off by default)
    kgrec chat --graph inspired     # an installed graph (kgrec kg list) or a graph folder

The page is served at once; the graph and the model load in the background (``kgrec.agent.warmup``,
from the caches ``kgrec prepare`` filled) and the page's status line shows how far that is.
"""
from __future__ import annotations

import argparse

from kgrec.kg.errors import KgrecError


def register(subparsers) -> None:
    parser = subparsers.add_parser("chat", help="start the chat page (Gradio) on localhost",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--graph", default=None, metavar="NAME|DIR",
                        help="an installed graph (kgrec kg list) or a graph folder (default: the shipped movie KG)")
    parser.add_argument("--share", action="store_true",
                        help="also open a public link (profiles always go by browser download/upload)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise KgrecError(f"--port {args.port}: expected a port number from 1 to 65535")
    from kgrec.kg.storage.registry import graph_folder

    graph_folder(args.graph)  # an unknown graph fails now, in one line, not at the first message
    from kgrec.ui.app import build_app, default_engine, launch  # gradio is heavy: import it only when chatting

    engine = default_engine(args.graph)
    demo = build_app(engine)
    local_url, share_url = launch(demo, host=args.host, port=args.port, share=args.share)
    # then load in the background: the page is served first (loading while gradio imports doubled the
    # time to the page on a busy CPU: 56 s vs 22 s) and its status line says how far loading is
    engine.start()
    print(f"kgrec chat: open {local_url}" + (f" (public link: {share_url})" if share_url else ""), flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        demo.block_thread()
    finally:
        demo.close()
    return 0
