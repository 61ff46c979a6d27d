"""An agent in the inbox and a customer on the demo site, side by side in two browsers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_messenger import open_conversation_screen, panel, send
from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory


@pytest.fixture
def desk(live_server, settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    workspace = WorkspaceFactory(name="Acme Support", slug="demo", default_language="en")
    MembershipFactory(workspace=workspace, role="owner", user__email="hana@example.com", user__name="Hana Support")
    MembershipFactory(workspace=workspace, role="agent", user__email="ken@example.com", user__name="Ken Support")
    return workspace, live_server.url.replace("localhost", "127.0.0.1")


def test_customer_and_agent_talk_without_reloading(page: Page, browser, live_server, desk) -> None:  # type: ignore[no-untyped-def]
    workspace, site = desk
    page.goto(f"{site}/demo/")
    open_conversation_screen(page)
    send(page, "My export is stuck")
    expect(panel(page).get_by_text("My export is stuck")).to_be_visible()

    agent_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    try:
        agent = agent_context.new_page()
        sign_in(agent, live_server, "hana@example.com")
        agent.get_by_role("link", name="Unassigned").click()
        agent.get_by_text("My export is stuck").click()
        expect(agent.get_by_role("heading", level=1)).to_contain_text("#1")
        agent.get_by_role("button", name="Assign to me").click()
        expect(agent.locator(".thread-event").last).to_contain_text("assigned this to Hana Support")

        agent.locator("#composer-body").fill("Looking into it now.")
        agent.get_by_role("button", name="Send").click()
        expect(panel(page).get_by_text("Looking into it now.")).to_be_visible(timeout=10_000)  # no reload

        agent.locator("#composer-body").fill("Hang tight ")
        agent.locator(".composer-emoji summary").click()
        agent.locator(".composer-emoji [data-emoji='🙏']").click()
        expect(agent.locator("#composer-body")).to_have_value("Hang tight 🙏")
        agent.get_by_role("button", name="Send").click()
        expect(panel(page).get_by_text("Hang tight 🙏")).to_be_visible(timeout=10_000)

        agent.get_by_role("radio", name=re.compile("Note")).check()
        agent.locator("#composer-body").fill("Export worker is down")
        agent.locator("#composer-body").press("Control+Enter")
        expect(agent.get_by_text("Export worker is down")).to_be_visible()

        send(page, "Thank you!")
        expect(agent.get_by_text("Thank you!")).to_be_visible(timeout=10_000)  # polled into the open thread
        expect(panel(page).get_by_text("Export worker is down")).to_have_count(0)  # notes stay inside

        agent.get_by_role("button", name="Close").click()
        expect(agent.get_by_text("closed the conversation")).to_be_visible()

        # The customer is asked for a rating without reloading, and the agent sees it.
        panel(page).locator("textarea[name=remark]").fill("Fast and kind")
        panel(page).get_by_role("button", name="Amazing").click()
        expect(panel(page).get_by_text("Thank you for your rating!")).to_be_visible()
        agent.reload()
        expect(agent.get_by_text("rated the conversation 5/5")).to_be_visible()
    finally:
        agent_context.close()


def test_the_inbox_hears_new_conversations_and_messages_over_its_stream(page: Page, browser, live_server, desk, settings) -> None:  # type: ignore[no-untyped-def]
    """While the stream is connected the timed refreshes stand down, so what appears here
    came through the stream (uvicorn + Redis), then the normal views."""
    from tests.servers import uvicorn_server

    workspace, site = desk
    with uvicorn_server() as streams:
        # Same host as the app (cookies are per host), another port: the ASGI process.
        settings.STREAMS_URL = streams.replace("127.0.0.1", "localhost")
        agent_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
        try:
            agent = agent_context.new_page()
            sign_in(agent, live_server, "hana@example.com")
            expect(agent.locator("body[data-inbox-stream=connected]")).to_have_count(1)
            expect(agent.get_by_text("No conversations here.")).to_be_visible()

            page.goto(f"{site}/demo/")
            open_conversation_screen(page)
            send(page, "Hello, is this live?")
            expect(agent.get_by_text("Hello, is this live?")).to_be_visible(timeout=10_000)
            expect(agent.locator("#inbox-views-nav")).to_contain_text("1")

            # Notifications switched on, tab in the background: a customer's message raises a
            # desktop notification (the Notification API is observed, not shown).
            agent.evaluate("""() => {
                window.__notified = [];
                window.Notification = class {
                    constructor(title, options) { window.__notified.push(options.body); }
                    static get permission() { return "granted"; }
                };
                Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
            }""")
            agent.locator("[data-notify-toggle]").click()
            expect(agent.locator("[data-notify-toggle]")).to_have_text("Notifications: on")
            send(page, "Anyone there?")
            agent.wait_for_function("() => window.__notified.length > 0")
            assert "conversation #1" in agent.evaluate("() => window.__notified[0]")
            agent.evaluate("() => Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true})")
            expect(agent.locator("body[data-inbox-stream=connected]")).to_have_count(1)  # still pushed


            agent.locator("#conversation-1").click()
            expect(agent.locator("body[data-inbox-stream=connected]")).to_have_count(1)
            send(page, "Second message")
            expect(agent.get_by_text("Second message")).to_be_visible(timeout=10_000)
            expect(agent.locator("body[data-inbox-stream=connected]")).to_have_count(1)  # pushed, not polled

            # Typing shows on the other side while it happens.
            expect(panel(page).locator("body[data-stream=connected]")).to_have_count(1)
            agent.locator("#composer-body").press_sequentially("On it")
            expect(panel(page).locator("#panel-typing")).to_contain_text("Hana is typing")
            panel(page).locator("textarea[name=body]").press_sequentially("ok")
            expect(agent.locator("#thread-typing")).to_contain_text("is typing")

            # A second agent with the same conversation open sees the first agent's reply and
            # note arrive over their own stream, while the customer sees only the reply.
            colleague_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
            colleague = colleague_context.new_page()
            sign_in(colleague, live_server, "ken@example.com")
            colleague.locator("#conversation-1").click()
            expect(colleague.locator("body[data-inbox-stream=connected]")).to_have_count(1)
            agent.locator("#composer-body").fill("A fix ships tonight.")
            agent.get_by_role("button", name="Send").click()
            expect(colleague.get_by_text("A fix ships tonight.")).to_be_visible(timeout=10_000)
            expect(panel(page).get_by_text("A fix ships tonight.")).to_be_visible(timeout=10_000)
            agent.get_by_role("radio", name=re.compile("Note")).check()
            agent.locator("#composer-body").fill("Ken, can you check the logs?")
            agent.get_by_role("button", name="Send").click()
            expect(colleague.get_by_text("Ken, can you check the logs?")).to_be_visible(timeout=10_000)
            expect(colleague.locator("body[data-inbox-stream=connected]")).to_have_count(1)  # pushed, not polled
            expect(panel(page).get_by_text("Ken, can you check the logs?")).to_have_count(0)
            colleague_context.close()

        finally:
            agent_context.close()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_files_go_both_ways_as_download_links(page: Page, browser, live_server, desk) -> None:  # type: ignore[no-untyped-def]
    workspace, site = desk
    page.goto(f"{site}/demo/")
    open_conversation_screen(page)
    panel(page).locator("input[name=file]").set_input_files(
        files=[{"name": "invoice-0042.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(panel(page).locator("[data-attach-name]")).to_have_text("invoice-0042.pdf")
    send(page, "The invoice is attached")
    expect(panel(page).get_by_role("link", name=re.compile("invoice-0042.pdf"))).to_be_visible()

    # A file the panel refuses: the reason is shown and the text stays in the composer.
    panel(page).locator("input[name=file]").set_input_files(
        files=[{"name": "page.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>alert(1)</script>"}])
    send(page, "And this page")
    expect(panel(page).get_by_role("alert")).to_contain_text("markup files can't be sent")
    expect(panel(page).locator("textarea[name=body]")).to_have_value("And this page")

    agent_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900}, accept_downloads=True)
    try:
        agent = agent_context.new_page()
        sign_in(agent, live_server, "hana@example.com")
        agent.get_by_role("link", name="Unassigned").click()
        agent.get_by_text("The invoice is attached").click()
        link = agent.locator(".thread-file", has_text="invoice-0042.pdf")
        expect(link).to_contain_text(f"{len(PDF)}\xa0bytes")
        with agent.expect_download() as downloading:
            link.click()
        download = downloading.value
        assert download.suggested_filename == "invoice-0042.pdf"
        with open(download.path(), "rb") as saved:
            assert saved.read() == PDF

        # And back: the agent's CSV reaches the customer without a reload.
        agent.locator("input[name=file]").set_input_files(
            files=[{"name": "steps.csv", "mimeType": "text/csv", "buffer": b"step,done\n1,yes\n"}])
        agent.locator("#composer-body").fill("Here are the steps")
        agent.get_by_role("button", name="Send").click()
        expect(agent.locator(".thread-file", has_text="steps.csv")).to_be_visible()
        expect(panel(page).get_by_role("link", name=re.compile("steps.csv"))).to_be_visible(timeout=10_000)
    finally:
        agent_context.close()


def test_html_from_either_side_stays_text_in_the_inbox_and_the_messenger(page: Page, browser, live_server, desk) -> None:  # type: ignore[no-untyped-def]
    _workspace, site = desk
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site}/demo/")
    open_conversation_screen(page)
    send(page, payload)

    agent_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    try:
        agent = agent_context.new_page()
        agent.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        sign_in(agent, live_server, "hana@example.com")
        agent.get_by_role("link", name="Unassigned").click()
        expect(agent.locator("#conversation-1")).to_contain_text(payload)  # the list's preview, as text
        agent.locator("#conversation-1").click()
        expect(agent.locator(".thread-part__body").first).to_have_text(payload)
        assert agent.locator(".thread-part img[src=x], .thread script").count() == 0

        agent.locator("#composer-body").fill("Reply " + payload)
        agent.get_by_role("button", name="Send").click()
        expect(panel(page).get_by_text("Reply " + payload)).to_be_visible(timeout=10_000)
        assert panel(page).locator("img[src=x]").count() == 0
    finally:
        agent_context.close()
    assert dialogs == []
