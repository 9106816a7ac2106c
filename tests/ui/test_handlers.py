"""The page's handlers on a real Recommender (12-movie graph, scripted LM): what a user sees change."""
from __future__ import annotations

import json

from tests.agent.conftest import PA, agent_graph
from tests.ui.conftest import chat, tiny_recommender
from kgrec.ui import handlers
from kgrec.ui.handlers import APOLOGY, LOADING, MAX_MESSAGE_CHARS, ChatState, Engine


def titles(state: ChatState) -> list[str]:
    return [card.title for card in state.cards]


def assistant_texts(state: ChatState) -> list[str]:
    return [m["content"] for m in state.history if m["role"] == "assistant" and "metadata" not in m]


def test_a_liked_movie_gets_cards_with_kg_facts_and_a_remembered_like(engine, state):
    steps = chat(engine, state, "I loved Police Academy")
    assert steps[0][-1] == {"role": "assistant", "content": LOADING.format(step="starting")}  # while it loads
    assert state.history[0] == {"role": "user", "content": "I loved Police Academy"}
    assert assistant_texts(state)[-1] and not assistant_texts(state)[-1].startswith("Still loading")
    assert state.cards, "a liked movie should bring recommendations"
    catalog_titles = {d["title"] for _, d in agent_graph().nodes(data=True) if d.get("item")}
    assert set(titles(state)) <= catalog_titles
    assert "Police Academy (1984)" not in titles(state)  # never recommends what the user just named
    assert all(card.explanation and card.path_text for card in state.cards)
    rows = handlers.preference_views(engine, state)
    assert ("Likes", "Police Academy (1984)", PA) in [(r.group, r.label, r.node) for r in rows]


def test_the_reply_streams_in_pieces_and_the_model_loads_only_once(engine, state):
    first = chat(engine, state, "I loved Police Academy")
    assert len(first) >= 3  # loading notice, at least one streamed piece, the finished reply
    shown = [chat_[-1]["content"] for chat_ in first[1:-1] if "metadata" not in chat_[-1]]
    assert shown and all(len(a) <= len(b) for a, b in zip(shown, shown[1:]))  # the text grows
    assert engine.loaded and engine.status == "ready"
    again = chat(engine, state, "another one")
    assert "Still loading" not in str(again)


def test_the_turns_steps_show_as_they_come_above_the_reply(engine, state):
    shown = chat(engine, state, "I loved Police Academy")
    traces = [chat_[-2]["content"] for chat_ in shown if len(chat_) > 1 and "metadata" in chat_[-2]]
    assert traces[0] == "- linked Police Academy (1984)"  # before any text of the reply
    assert traces[-1].splitlines()[1].startswith("- retrieved ") and traces[-1].endswith("- explained 3")
    assert state.history[-2]["metadata"] == {"title": "How I got there", "status": "done"}
    assert "metadata" not in state.history[-1] and state.cards  # the reply stays the last message


def test_empty_and_blank_messages_are_ignored(engine, state):
    assert chat(engine, state, "") == []
    assert chat(engine, state, "   \n ") == []
    assert state.history == [] and not engine.loaded


def test_a_huge_paste_is_capped_with_a_notice(engine, state):
    chat(engine, state, "I loved Police Academy. " + "blah " * 5000)
    assert len(state.history[0]["content"]) == MAX_MESSAGE_CHARS
    notices = [text for text in assistant_texts(state) if f"first {MAX_MESSAGE_CHARS:,}" in text]
    assert len(notices) == 1 and "25,024 characters" in notices[0]  # cleaned and said once
    assert state.cards  # the capped message still counts


def test_a_lone_surrogate_or_control_characters_never_break_the_page(engine, state):
    chat(engine, state, "hi \ud800\x00\x1b[31m")
    chat(engine, state, "I loved Police Academy")
    assert state.cards and PA in state.session.preferences.liked
    json.dumps(state.history, ensure_ascii=False).encode("utf-8")  # what Gradio sends to the browser
    assert state.history[0]["content"] == "hi \ufffd[31m"


def test_not_for_me_marks_the_card_and_the_next_answer_leaves_it_out(engine, state):
    chat(engine, state, "I loved Police Academy")
    rejected = state.cards[0]
    handlers.feedback(engine, state, rejected.item, "disliked")
    assert dict(handlers.card_views(state))[rejected] == "disliked"
    assert rejected.title in [r.label for r in handlers.preference_views(engine, state) if r.group == "Dislikes"]
    chat(engine, state, "another one")
    assert state.cards and rejected.title not in titles(state)
    assert rejected.item not in [card.item for card, _ in handlers.card_views(state)]


def test_liked_and_seen_buttons_update_the_understood_panel(engine, state):
    chat(engine, state, "I loved Police Academy")
    liked, seen = state.cards[0], state.cards[1]
    handlers.feedback(engine, state, liked.item, "liked")
    handlers.feedback(engine, state, seen.item, "seen")
    rows = {(r.group, r.label) for r in handlers.preference_views(engine, state)}
    assert ("Likes", liked.title) in rows and ("Seen", seen.title) in rows


def test_the_panel_marks_what_an_earlier_message_asked_for_as_weighing_only(engine, state):
    from tests.agent.conftest import HANKS, HORROR

    chat(engine, state, "I want a horror movie")
    assert not any(r.wish for r in handlers.preference_views(engine, state))  # the last message's ask filters
    chat(engine, state, "something with Tom Hanks")
    rows = {r.node: r for r in handlers.preference_views(engine, state)}
    assert rows[HORROR].wish and not rows[HANKS].wish  # horror now only weighs: the reply says so, the panel too


def test_removing_a_preference_makes_the_agent_forget_it(engine, state):
    chat(engine, state, "I loved Police Academy, something from after 1990")
    rows = handlers.preference_views(engine, state)
    assert PA in [r.node for r in rows] and "year_min" in [r.node for r in rows]
    handlers.forget(engine, state, PA)
    handlers.forget(engine, state, "year_min")
    assert [r for r in handlers.preference_views(engine, state) if r.node in (PA, "year_min")] == []
    assert PA not in state.session.preferences.liked and state.session.preferences.year_min is None


def test_two_browser_sessions_never_share_preferences(engine):
    alice, bob = ChatState(), ChatState()
    chat(engine, alice, "I loved Police Academy")
    chat(engine, bob, "I loved The Shining")
    alice_likes = {r.label for r in handlers.preference_views(engine, alice)}
    bob_likes = {r.label for r in handlers.preference_views(engine, bob)}
    assert "Police Academy (1984)" in alice_likes and "Police Academy (1984)" not in bob_likes
    assert "The Shining (1980)" in bob_likes and "The Shining (1980)" not in alice_likes
    assert alice.session is not bob.session


def test_new_conversation_starts_empty(engine, state):
    chat(engine, state, "I loved Police Academy")
    fresh = handlers.new_conversation(engine, state)
    assert fresh.history == [] and fresh.cards == () and handlers.preference_views(engine, fresh) == ()


def test_an_agent_failure_apologises_and_the_session_keeps_working(state, caplog):
    attempts = []

    def flaky():  # the model fails to load once (e.g. a missing file), then loads
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("model file missing")
        return tiny_recommender()

    engine = Engine(flaky)
    chat(engine, state, "I loved Police Academy")
    assert assistant_texts(state)[-1] == APOLOGY and "model file missing" in caplog.text
    assert not engine.loaded and "failed" in engine.status
    chat(engine, state, "I loved Police Academy")
    assert state.cards and engine.status == "ready"


def test_a_profile_downloaded_and_uploaded_restores_the_preferences(engine, state, tmp_path):
    chat(engine, state, "I loved Police Academy")
    state, download = handlers.save_profile(engine, state)  # the file the browser downloads
    assert download.name == "kgrec-profile.json" and json.loads(download.read_text())["format"] == "kgrec-profile"
    assert str(download.parent) not in state.history[-1]["content"]  # the server's folder is not shown
    uploaded = tmp_path / "my old profile.json"  # what the browser uploads comes back as a server copy
    uploaded.write_bytes(download.read_bytes())
    back = handlers.load_profile(engine, ChatState(), str(uploaded))
    assert "Police Academy (1984)" in [r.label for r in handlers.preference_views(engine, back)]
    assert "my old profile.json" in back.history[-1]["content"]
    assert uploaded.read_bytes() == download.read_bytes()  # loading never rewrites the file


def test_what_an_uploaded_profile_asked_for_is_marked_a_wish_in_the_panel(engine, state, tmp_path):
    chat(engine, state, "I want a horror movie")
    assert not [r for r in handlers.preference_views(engine, state) if r.wish]  # this message asked for it
    _, download = handlers.save_profile(engine, state)
    back = handlers.load_profile(engine, ChatState(), str(download))
    rows = {r.label: r for r in handlers.preference_views(engine, back)}
    assert rows["horror"].wish  # the next turn weighs it and filters nothing, as the panel says


def test_two_sessions_get_their_own_download_and_nothing_is_saved_before_a_message(engine):
    alice, bob = ChatState(), ChatState()
    chat(engine, alice, "I loved Police Academy")
    chat(engine, bob, "I loved The Shining")
    _, a = handlers.save_profile(engine, alice)
    _, b = handlers.save_profile(engine, bob)
    assert a != b and json.loads(a.read_text()) != json.loads(b.read_text())
    state, nothing = handlers.save_profile(engine, ChatState())
    assert nothing is None and "Nothing to save yet" in state.history[-1]["content"]


def test_a_bad_uploaded_profile_is_one_line_and_nothing_changes(engine, state, tmp_path):
    chat(engine, state, "I loved Police Academy")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "kgrec-profile", "version": 1, "preferences": {"year_min": 2000, "year_max": 1990}}')
    same = handlers.load_profile(engine, state, bad)
    assert same is state and PA in same.session.preferences.liked
    said = same.history[-1]["content"]
    assert said.startswith("Sorry, I could not load bad.json: ") and "year_min" in said
    assert str(tmp_path) not in said and "\n" not in said


def test_the_page_has_no_server_path_box():
    from kgrec.ui.app import build_app

    demo = build_app(Engine(tiny_recommender))
    kinds = {type(block).__name__ for block in demo.blocks.values()}
    labels = " ".join(str(getattr(block, "label", "") or "") + str(getattr(block, "placeholder", "") or "")
                      for block in demo.blocks.values())
    assert {"UploadButton", "DownloadButton"} <= kinds
    assert "path" not in labels.lower() and "on this computer" not in labels


def test_openers_are_real_redial_seeker_messages_with_titles():
    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import TRAIN_FILE

    openers = handlers.redial_openers(data_dir() / TRAIN_FILE)
    assert len(openers) == 4
    for text, source in openers:
        assert "@" not in text and source.startswith("ReDial conversation ")
    assert openers[0][0].startswith("I love that scary movies. I love Annabelle (2014)")
