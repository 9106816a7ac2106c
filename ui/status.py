"""What the page says about the recommender while it loads, as plain values (no Gradio here).

``view(engine)`` is read by the page every second until the engine is ready: the status line (a
progress bar and the step, ``kgrec.agent.warmup.Progress``), and whether the input accepts a message
and what its placeholder says. "Ready" is shown only when a message will be answered now.
"""
from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    """The status line's HTML, and the input's state."""

    html: str
    ready: bool  # a message sent now is answered now
    accepts: bool  # the input and the Send button take a message
    placeholder: str


def view(engine, hint: str) -> View:
    """The page's status for ``engine`` (``kgrec.ui.handlers.Engine``); ``hint`` is the ready input's placeholder."""
    if engine.loaded:
        return View(_line("ready", "Ready: send a message."), True, True, hint)
    if engine.failed:
        text = f"Loading failed: {engine.failed}. Send a message or reload the page to retry."
        return View(_line("failed", text), False, True, hint)
    progress = engine.progress
    if progress is None:
        return View(_line("loading", "Starting: loading the knowledge graph and the model…"), False, False,
                    "Loading… you can type here when the status line says ready.")
    percent = round(100 * progress.fraction)
    text = f"Loading ({percent}%, {engine.loading_s:.0f} s so far), {progress}. The input opens when this is done."
    bar = f'<progress class="kg-progress" max="100" value="{percent}">{percent}%</progress> '
    return View(_line("loading", text, bar), False, False,
                f"Loading ({percent}%)… you can type here when the status line says ready.")


def _line(state: str, text: str, bar: str = "") -> str:
    return f'<div class="kg-status-line" data-state="{state}">{bar}<span>{html.escape(text)}</span></div>'
