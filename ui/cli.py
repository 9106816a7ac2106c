"""``kgrec chat``: start the chat page on localhost and print its URL.

Usage:
    kgrec chat                      # http://127.0.0.1:7860
    kgrec chat --port 8000 --host 0.0.0.0
    kgrec chat --share              # also a public gradio.live link (off by default)
    kgrec chat --graph inspired     # an installed graph (kgrec kg list) or a graph folder

The graph and the model load first (``kgrec.agent.warmup``, from the caches ``kgrec prepare`` filled;
the console shows each step), so the page, once served, answers at once. A load that takes longer
than ``--wait`` seconds (an empty cache builds its index) goes on behind the page, whose status line
shows how far it is and whose input opens when it is done; ``--wait 0`` serves the page first.
"""
from __future__ import annotations

import argparse

from kgrec.kg.errors import KgrecError

#: how long the chat loads before serving its page: a warm cache loads in ~8 s on two idle cores
#: (~15 s on a busy pair), so the page then answers at once; an index being built goes on behind the page
WAIT_S = 30.0


def register(subparsers) -> None:
    parser = subparsers.add_parser("chat", help="start the chat page (Gradio) on localhost",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--graph", default=None, metavar="NAME|DIR",
                        help="an installed graph (kgrec kg list) or a graph folder (default: the shipped movie KG)")
    parser.add_argument("--share", action="store_true",
                        help="also open a public link (profiles always go by browser download/upload)")
    parser.add_argument("--wait", type=float, default=WAIT_S, metavar="S",
                        help=f"seconds to load before serving the page (default {WAIT_S:g}; 0: serve the page at "
                             "once and load behind it)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise KgrecError(f"--port {args.port}: expected a port number from 1 to 65535")
    from kgrec.kg.storage.registry import graph_folder

    if not 0 <= args.wait <= 86400:
        raise KgrecError(f"--wait {args.wait:g}: expected seconds from 0 to 86400")
    graph_folder(args.graph)  # an unknown graph fails now, in one line, not at the first message
    from kgrec.ui.handlers import default_engine

    engine = default_engine(args.graph)
    if args.wait:  # load first: gradio is imported after, not beside it (that doubled the time to the page)
        engine.start()
        if not engine.wait(args.wait) and not engine.failed:
            print(f"kgrec chat: still loading after {args.wait:g} s: serving the page, which shows how far it is",
                  flush=True)
    from kgrec.ui.app import build_app, launch  # gradio is heavy: import it only when chatting

    demo = build_app(engine)
    local_url, share_url = launch(demo, host=args.host, port=args.port, share=args.share)
    if not args.wait:
        engine.start()  # load now, behind the page and its status line (a failed load: the page says so and retries)
    print(f"kgrec chat: open {local_url}" + (f" (public link: {share_url})" if share_url else ""), flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        demo.block_thread()
    finally:
        demo.close()
    return 0
