"""The real page in Debian's Chromium (Playwright) and through ``gradio_client``, on the real KG and model.

Slow: the first message loads the embedded model and the movie KG. Chromium comes from
``make browser`` (``apt-get install chromium``); Playwright never downloads a browser here.
"""
from __future__ import annotations

import json
import shutil
import socket
import threading

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REPLY_MS = 300_000  # the page may still be loading the model and the graph (a cold cache builds the index)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    from kgrec.ui.app import build_app, default_engine, launch

    demo = build_app(default_engine())
    url, _ = launch(demo, port=free_port())
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def text_of(content) -> str:
    """A chat message's text, whether Gradio sends it as a string or as a list of parts."""
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def send(page, message: str) -> None:
    page.locator("#kg-status [data-state=ready]").wait_for(timeout=REPLY_MS)  # the input opens only then
    box = page.locator("#kg-input textarea")
    box.fill(message)
    box.press("Enter")


@pytest.mark.slow
def test_a_person_steers_the_recommendations_in_a_real_browser(app_url, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    send(page, "I loved Police Academy")
    page.locator(".kg-card").first.wait_for(timeout=REPLY_MS)
    first = page.locator(".kg-card").first
    rejected = first.locator(".kg-title").inner_text()
    assert first.locator(".kg-people").inner_text() or first.locator(".kg-why").inner_text()
    assert page.locator(".kg-pref[data-group=Likes]", has_text="Police Academy").count() == 1  # understood
    page.screenshot(path=str(tmp_path / "first-reply.png"), full_page=True)

    first.get_by_role("button", name="not for me").click()
    page.locator(".kg-badge", has_text="not for you").wait_for(timeout=60_000)
    page.locator(".kg-pref[data-group=Dislikes]", has_text=rejected).wait_for(timeout=60_000)

    send(page, "another one")
    page.wait_for_function("document.querySelectorAll('.kg-badge').length === 0"
                           " && document.querySelectorAll('.kg-card').length > 0", timeout=REPLY_MS)
    page.screenshot(path=str(tmp_path / "after-not-for-me.png"), full_page=True)
    assert rejected not in page.locator(".kg-title").all_inner_texts()
    assert page.locator("#kg-chat [data-testid='user']").count() == 2

    other = browser.new_context().new_page()  # someone else opens the page meanwhile
    other.goto(app_url)
    other.locator("#kg-input textarea").wait_for()
    other.locator(".kg-prefs-empty").wait_for(timeout=60_000)  # the panel renders after the page loads
    assert other.locator(".kg-card").count() == 0 and other.locator(".kg-pref").count() == 0
    assert other.locator("#kg-chat [data-testid='user']").count() == 0

    page.locator("#kg-new").click()  # the first person starts over: chat, cards and panel empty
    page.locator(".kg-prefs-empty").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.kg-card').length === 0", timeout=60_000)
    assert page.locator("#kg-chat [data-testid='user']").count() == 0
    send(page, "I loved The Shining")
    page.locator(".kg-pref[data-group=Likes]", has_text="The Shining").wait_for(timeout=REPLY_MS)
    assert page.locator(".kg-pref[data-group=Dislikes]").count() == 0  # the old "not for me" is gone
    context.close()


@pytest.mark.slow
def test_the_page_shows_loading_with_progress_and_opens_the_input_only_when_ready(browser):
    from tests.ui.conftest import gated_engine
    from kgrec.ui.app import build_app, launch

    gate = threading.Event()
    engine = gated_engine(gate, [])  # a real tiny recommender whose load stops at step 3 until the gate opens
    demo = build_app(engine)
    url, _ = launch(demo, port=free_port())
    try:
        page = browser.new_context().new_page()
        page.goto(url)  # opening the page starts the load (Engine.start)
        page.locator("#kg-status [data-state=loading]", has_text="step 3/6").wait_for(timeout=60_000)
        assert page.locator("#kg-status progress").get_attribute("value") == "37"
        box = page.locator("#kg-input textarea")
        assert box.is_disabled() and "says ready" in box.get_attribute("placeholder")
        assert page.locator("#kg-send").is_disabled()
        gate.set()
        page.locator("#kg-status [data-state=ready]", has_text="Ready").wait_for(timeout=60_000)
        assert box.is_enabled() and page.locator("#kg-send").is_enabled()
        send(page, "I loved Police Academy")
        page.locator(".kg-card").first.wait_for(timeout=60_000)  # "ready" meant it: answered now
        page.context.close()
    finally:
        demo.close()


@pytest.mark.slow
def test_a_profile_goes_by_browser_download_and_upload_never_by_server_path(app_url, browser, tmp_path):
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(app_url)
    send(page, "I loved Police Academy")
    page.locator(".kg-pref[data-group=Likes]", has_text="Police Academy").wait_for(timeout=REPLY_MS)
    page.get_by_text("Your profile").click()
    assert page.locator("#kg-profile-path").count() == 0 and page.get_by_label("Profile file on this computer").count() == 0
    page.locator("#kg-profile-save").click()
    page.locator("#kg-profile-download").wait_for(state="visible", timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        page.locator("#kg-profile-download").click()
    saved = tmp_path / "downloaded.json"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "kgrec-profile.json"
    assert json.loads(saved.read_text())["preferences"]["liked"]

    other = browser.new_context().new_page()  # later, in another browser: upload it
    other.goto(app_url)
    other.locator(".kg-prefs-empty").wait_for(timeout=60_000)
    other.get_by_text("Your profile").click()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "kgrec-profile", "version": 1, "preferences": {"liked": [' + "9" * 5000 + "]}}")
    for path in (bad, saved):
        with other.expect_file_chooser() as chooser:
            other.locator("#kg-profile-upload").click()
        chooser.value.set_files(str(path))
        if path == bad:
            other.locator("#kg-chat", has_text="could not load bad.json").wait_for(timeout=60_000)
    other.locator(".kg-pref[data-group=Likes]", has_text="Police Academy").wait_for(timeout=60_000)
    assert json.loads(saved.read_text())["preferences"]["liked"]  # the uploaded file is unchanged
    other.context.close()
    page.context.close()


@pytest.mark.slow
def test_two_gradio_clients_at_once_get_independent_answers(app_url):
    from gradio_client import Client

    openers = {"alice": "I loved Police Academy", "bob": "I loved The Shining"}
    histories: dict[str, list] = {}
    errors: list[BaseException] = []

    def converse(who: str) -> None:
        try:
            client = Client(app_url, verbose=False)
            client.predict(openers[who], api_name="/send")
            _, history, _ = client.predict("another one", api_name="/send")
            histories[who] = history
        except BaseException as e:  # reported below, from the test's thread
            errors.append(e)

    threads = [threading.Thread(target=converse, args=(who,)) for who in openers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=REPLY_MS / 1000)
    assert not errors, errors
    assert not [t for t in threads if t.is_alive()], "a conversation hung (a session lock never released?)"
    for who, other in (("alice", "bob"), ("bob", "alice")):
        said = [text_of(m["content"]) for m in histories[who] if m["role"] == "user"]
        assert said == [openers[who], "another one"]
        assert openers[other] not in " ".join(text_of(m["content"]) for m in histories[who])
