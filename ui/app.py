"""The Gradio page: chat, recommendation cards with feedback buttons, the understood panel, profiles.

``build_app(engine)`` only lays out components and wires them to ``kgrec.ui.handlers``; building it
loads nothing. ``kgrec chat`` loads the recommender first (``Engine.start``: ``kgrec.agent.warmup``) and
serves the page when it is ready, or after ``--wait`` seconds with loading going on behind it; then the
status line shows each step with a progress bar, and the input accepts a message when the status says
ready (``kgrec.ui.status``).
"""
from __future__ import annotations

import html
from collections.abc import Callable

import gradio as gr

from kgrec.kg.locations import data_dir
from kgrec.kg.schema import ITEM_TYPE
from kgrec.kg.sources.redial import TRAIN_FILE
from kgrec.ui import handlers, render, status as page_status
from kgrec.ui.handlers import ChatState, Engine, default_engine  # noqa: F401 (default_engine: the page's default)

#: Gradio queue shared by every event that calls the agent. Sessions run side by side (the graph
#: work is quick); the model inside serves them one call at a time, in arrival order, and a turn
#: that would wait too long for it goes on without it (``kgrec.agent.scheduler``, ``AgentConfig.model_wait_s``).
SESSIONS_AT_ONCE = 32
AGENT = {"concurrency_id": "agent", "concurrency_limit": SESSIONS_AT_ONCE}
MAX_UPLOAD = "1mb"  # a saved profile is a few kB (kgrec.agent.profile.MAX_BYTES)
CSS = """
.kg-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 8px 12px; }
.kg-card h3.kg-title { margin: 0 0 2px 0; font-size: 1.1em; }
.kg-people { color: var(--body-text-color-subdued); font-size: 0.9em; }
.kg-why { margin: 6px 0 2px 0; }
.kg-paths { font-size: 0.85em; margin: 0 0 4px 1em; color: var(--body-text-color-subdued); }
.kg-card-body { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: flex-start; }
.kg-text { flex: 1 1 300px; }
.kg-path { flex: 0 1 auto; max-width: min(100%, 420px); border-radius: 6px; background: white; }
.kg-status-line { display: flex; gap: 8px; align-items: center; }
.kg-status-line progress { width: 160px; }
.kg-badge { display: inline-block; font-size: 0.85em; padding: 1px 8px; border-radius: 8px;
            background: var(--color-accent-soft); margin: 2px 0; }
"""


#: the page's own words, in the catalog's nouns (``Engine.words``); the hint needs an ``example``
TEXTS = {"title": "kgrec: {noun} recommendations you can argue with",
         "intro": "## kgrec\nTell me {nouns} you loved (or hated); I answer with {nouns} from a "
                  "knowledge graph and show the facts behind each pick.",
         "empty": "Nothing yet. Tell me a {noun} you liked.",
         "hint": "e.g. I loved {example}"}


def texts(engine: Engine) -> dict[str, str]:
    """``TEXTS`` in the engine's nouns ("books", ...); the hint is generic while no example is known."""
    words = {"example": "<title of a {noun}>".format(**engine.words)} | engine.words
    return {name: text.format(**words) for name, text in TEXTS.items()}


def _openers() -> list[tuple[str, str]]:
    try:
        return handlers.redial_openers(data_dir() / TRAIN_FILE)
    except Exception:  # examples are a nicety: the chat works without them
        handlers.log.exception("could not read ReDial openers")
        return []


def build_app(engine: Engine | None = None, *, sessions_at_once: int = SESSIONS_AT_ONCE) -> gr.Blocks:
    """The page. Profiles go through the browser only (download and upload), never a server path;
    ``sessions_at_once`` events that call the agent run at the same time (more wait in Gradio's queue)."""
    engine = engine or default_engine()
    agent = dict(AGENT, concurrency_limit=sessions_at_once)  # a group takes its lowest limit
    page = texts(engine)
    with gr.Blocks(title=page["title"], analytics_enabled=False) as demo:
        state = gr.State(None)  # this browser session's ChatState, made on its first event
        cards = gr.State(())  # ((Card, clicked), ...): re-renders the cards when it changes
        prefs = gr.State(())  # (PrefRow, ...): re-renders the understood panel
        gr.Markdown(page["intro"])
        first = page_status.view(engine, page["hint"])
        status = gr.HTML(first.html, elem_id="kg-status")
        timer = gr.Timer(1.0, active=not first.ready)  # re-reads the status until it is ready
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=420, elem_id="kg-chat",
                                  feedback_options=None)
                with gr.Row():
                    box = gr.Textbox(placeholder=first.placeholder, show_label=False, interactive=first.accepts,
                                     scale=5, elem_id="kg-input", max_lines=6)
                    send_button = gr.Button("Send", variant="primary", scale=1, elem_id="kg-send",
                                            interactive=first.accepts)
                openers = _openers() if engine.words["noun"] == ITEM_TYPE else []  # ReDial's seekers talk movies
                if openers:
                    gr.Examples([[text] for text, _ in openers], inputs=[box],
                                label="Openers from real ReDial seekers ("
                                      + "; ".join(src for _, src in openers) + ", CC BY 4.0)")

                @gr.render(inputs=[cards])  # on page load and whenever it changes
                def show_cards(views):
                    _cards(engine, views, state, cards, prefs, chat)

            with gr.Column(scale=1, min_width=260):
                gr.Markdown("### What I understood")

                @gr.render(inputs=[prefs])
                def show_prefs(rows):
                    _prefs(engine, rows, state, cards, prefs, chat)

                new_button = gr.Button("New conversation", elem_id="kg-new")
                _profile_panel(engine, state, cards, prefs, chat)

        outputs = [box, chat, state, cards, prefs, status]

        def on_send(message, st):
            st = st or ChatState()
            yield "", gr.skip(), st, gr.skip(), gr.skip(), _status_line(engine)
            for st in handlers.send(engine, st, message):
                yield ("", st.history, st, handlers.card_views(st),
                       handlers.preference_views(engine, st), _status_line(engine))

        box.submit(on_send, [box, state], outputs, api_name="send", **agent)
        send_button.click(on_send, [box, state], outputs, api_visibility="private", **agent)
        new_button.click(_views(engine, handlers.new_conversation), [state], [chat, state, cards, prefs],
                         api_name="new_conversation")
        shown = [status, box, send_button, timer]
        timer.tick(_refresh(engine), None, shown, api_visibility="private", queue=False)
        demo.load(_refresh(engine, start=True), None, shown, api_visibility="private", queue=False)
    return demo


def _status_line(engine: Engine) -> str:
    return page_status.view(engine, "").html


def _refresh(engine: Engine, start: bool = False) -> Callable:
    """The status line, the input and the Send button as ``kgrec.ui.status.view`` says; the timer stops
    when the engine is ready. ``start``: begin loading now (a page opened: someone wants to chat)."""
    def refresh():
        if start:
            engine.start()
        now = page_status.view(engine, texts(engine)["hint"])
        return (now.html, gr.Textbox(interactive=now.accepts, placeholder=now.placeholder),
                gr.Button(interactive=now.accepts), gr.Timer(active=not now.ready))
    return refresh


def launch(demo: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = 7860,
           share: bool = False) -> tuple[str, str | None]:
    """Serve ``demo`` in the background; returns the local URL and the public one (``share``) or None."""
    demo.queue()
    _, local_url, share_url = demo.launch(server_name=host, server_port=port, share=share, quiet=True,
                                          prevent_thread_lock=True, css=CSS, footer_links=["api"],
                                          max_file_size=MAX_UPLOAD)
    return local_url, share_url


def _views(engine: Engine, handler: Callable, *args) -> Callable:
    """Wrap ``handler(engine, state, *args) -> state`` to return (chat, state, cards, prefs)."""
    def run(st):
        st = handler(engine, st or ChatState(), *args)
        return st.history, st, handlers.card_views(st), handlers.preference_views(engine, st)
    run.__name__ = handler.__name__
    return run


def _cards(engine: Engine, views, state, cards, prefs, chat) -> None:
    """The latest reply's cards, each with its three feedback buttons."""
    if not views:
        return
    gr.Markdown("### Recommendations")
    for card, clicked in views:
        with gr.Column(elem_classes=["kg-card"], key=f"card-{card.item}"):
            gr.HTML(render.card_html(card, clicked), elem_classes=["kg-card-html"])
            with gr.Row():
                for kind, (label, _) in render.FEEDBACK.items():
                    variant = "primary" if kind == clicked else "secondary"
                    button = gr.Button(label, size="sm", variant=variant,
                                       elem_classes=[f"kg-{kind}"])
                    button.click(_views(engine, handlers.feedback, card.item, kind), [state],
                                 [chat, state, cards, prefs], api_visibility="private", **AGENT)


def _prefs(engine: Engine, rows, state, cards, prefs, chat) -> None:
    """One line per understood preference, each with a button that makes the agent forget it."""
    if not rows:
        gr.HTML(f'<p class="kg-prefs-empty"><em>{html.escape(texts(engine)["empty"])}</em></p>')
        return
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            gr.Markdown(f"**{group}**")
        with gr.Row(equal_height=True):
            note = f' <em class="kg-wish">({render.WISH_NOTE})</em>' if row.wish else ""
            gr.HTML(f'<span class="kg-pref" data-group="{row.group}">{html.escape(row.label)}</span>{note}')
            button = gr.Button("✕", size="sm", scale=0, min_width=40, elem_classes=["kg-forget"])
            button.click(_views(engine, handlers.forget, row.node), [state],
                         [chat, state, cards, prefs], api_visibility="private", **AGENT)


def _profile_panel(engine: Engine, state, cards, prefs, chat) -> None:
    """Save the session's profile as a browser download; load one by uploading it."""
    with gr.Accordion("Your profile", open=False):
        save_button = gr.Button("Save my profile", size="sm", elem_id="kg-profile-save")
        download = gr.DownloadButton(f"Download {handlers.PROFILE_NAME}", visible=False, size="sm",
                                     elem_id="kg-profile-download")
        upload = gr.UploadButton("Load a saved profile", file_types=[".json"], size="sm",
                                 elem_id="kg-profile-upload")

    def save(st):
        st, saved = handlers.save_profile(engine, st or ChatState())
        return st.history, st, gr.DownloadButton(value=str(saved) if saved else None, visible=saved is not None)

    def load(st, uploaded):
        st = handlers.load_profile(engine, st or ChatState(), uploaded)
        return st.history, st, handlers.card_views(st), handlers.preference_views(engine, st)

    save_button.click(save, [state], [chat, state, download], api_visibility="private", **AGENT)
    upload.upload(load, [state, upload], [chat, state, cards, prefs], api_visibility="private", **AGENT)
