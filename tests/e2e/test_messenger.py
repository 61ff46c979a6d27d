"""The messenger as a customer meets it: Parley's demo site, loaded from another origin than
Parley itself (127.0.0.1 vs localhost), with the Intercom snippet pointing at Parley."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from contacts.models import Contact, PageView
from inbox.models import Conversation
from tests.factories import MembershipFactory, WorkspaceFactory


@pytest.fixture
def demo(live_server, settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url  # Parley at http://localhost:<port>
    workspace = WorkspaceFactory(name="Acme Support", slug="demo", default_language="en")
    MembershipFactory(workspace=workspace, role="owner", user__name="Hana Support")
    site = live_server.url.replace("localhost", "127.0.0.1")  # the customer's site: another origin
    assert site != live_server.url
    return workspace, site


def launcher(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#parley-messenger").get_by_role("button", name=re.compile("messenger", re.I))


def panel(page: Page):  # type: ignore[no-untyped-def]
    return page.frame_locator("#parley-messenger iframe")


def send(page: Page, text: str) -> None:
    composer = panel(page).locator("textarea[name=body]")
    composer.fill(text)
    composer.press("Enter")


def open_conversation_screen(page: Page) -> None:
    launcher(page).click()
    panel(page).get_by_role("button", name="Send us a message").first.click()


def test_a_visitor_starts_a_conversation_and_finds_it_after_a_reload(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    workspace, site = demo
    page.goto(f"{site}/demo/")
    expect(launcher(page)).to_be_visible()
    open_conversation_screen(page)
    send(page, "Hello from the demo site")
    expect(panel(page).get_by_text("Hello from the demo site")).to_be_visible()
    # The hostile host page styles (dashed red iframe borders) do not reach the messenger.
    border = page.evaluate(
        "() => getComputedStyle(document.querySelector('#parley-messenger').shadowRoot.querySelector('iframe')).borderStyle")
    assert border != "dashed"

    page.reload()
    launcher(page).click()
    panel(page).get_by_role("button", name="Messages").click()
    expect(panel(page).get_by_text("Hello from the demo site")).to_be_visible()
    contact = Contact.objects.for_workspace(workspace).get()
    assert contact.role == "lead" and Conversation.objects.for_workspace(workspace).filter(contact=contact).count() == 1


def test_a_teammate_reply_arrives_without_a_reload_with_an_unread_badge(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    from inbox.services import teammate_reply_create
    from workspaces.models import Membership

    workspace, site = demo
    page.goto(f"{site}/demo/")
    open_conversation_screen(page)
    send(page, "Is anyone there?")
    expect(panel(page).get_by_text("Is anyone there?")).to_be_visible()
    conversation = Conversation.objects.for_workspace(workspace).get()
    agent = Membership.objects.for_workspace(workspace).get()
    teammate_reply_create(conversation=conversation, membership=agent, body="Yes, Hana here!")
    expect(panel(page).get_by_text("Yes, Hana here!")).to_be_visible(timeout=10_000)  # polled in


def test_html_in_a_message_is_shown_as_text(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    _workspace, site = demo
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site}/demo/")
    open_conversation_screen(page)
    payload = "<img src=x onerror=alert(1)>"
    send(page, payload)
    expect(panel(page).get_by_text(payload)).to_be_visible()
    assert dialogs == []


def test_a_forged_user_hash_sees_nothing_of_that_user(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    workspace, site = demo
    page.goto(f"{site}/demo/?as=user")
    open_conversation_screen(page)
    send(page, "My invoice for March")
    expect(panel(page).get_by_text("My invoice for March")).to_be_visible()

    attacker = page.context.browser.new_context()
    try:
        other = attacker.new_page()
        other.goto(f"{site}/demo/?as=forged")
        launcher(other).click()
        panel(other).get_by_role("button", name="Messages").click()
        expect(panel(other).get_by_text("No conversations yet.")).to_be_visible()
        expect(panel(other).get_by_text("My invoice for March")).to_have_count(0)
    finally:
        attacker.close()


def test_a_single_page_update_records_a_page_view(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    workspace, site = demo
    page.goto(f"{site}/demo/")
    expect(launcher(page)).to_be_visible()
    page.get_by_role("button", name=re.compile("single-page")).click()
    expect(page).to_have_url(re.compile(r"/demo/pricing"))
    contact = Contact.objects.for_workspace(workspace).get()
    for _ in range(50):
        if PageView.objects.for_workspace(workspace).filter(contact=contact, url__contains="/demo/pricing").exists():
            break
        page.wait_for_timeout(100)
    assert PageView.objects.for_workspace(workspace).filter(contact=contact, url__contains="/demo/pricing").exists()
    contact.refresh_from_db()
    assert "/demo/pricing" in contact.last_page_url and contact.page_view_count == 2


def test_a_lead_who_logs_in_becomes_one_user_with_both_histories(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    workspace, site = demo
    # Yuki wrote once while logged in (another browser)...
    earlier = page.context.browser.new_context()
    try:
        other = earlier.new_page()
        other.goto(f"{site}/demo/?as=user")
        open_conversation_screen(other)
        send(other, "Logged-in question")
        expect(panel(other).get_by_text("Logged-in question")).to_be_visible()
    finally:
        earlier.close()
    # ...and now anonymously in this browser, before logging in here too.
    page.goto(f"{site}/demo/")
    open_conversation_screen(page)
    send(page, "Anonymous question")
    expect(panel(page).get_by_text("Anonymous question")).to_be_visible()
    page.goto(f"{site}/demo/?as=user")
    launcher(page).click()
    panel(page).get_by_role("button", name="Messages").click()
    expect(panel(page).get_by_text("Logged-in question")).to_be_visible()
    expect(panel(page).get_by_text("Anonymous question")).to_be_visible()
    assert Contact.objects.for_workspace(workspace).count() == 1
    assert Contact.objects.for_workspace(workspace).get().role == "user"


def test_malformed_settings_warn_in_the_console_and_break_nothing(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    _workspace, site = demo
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site}/demo/")
    expect(launcher(page)).to_be_visible()
    page.evaluate("() => { window.Intercom('update', 'not an object'); window.Intercom('boot', 42); window.Intercom('flyToTheMoon'); }")
    page.wait_for_timeout(300)
    assert any("[Parley]" in text for text in warnings)
    assert errors == []
    expect(page.get_by_role("heading", name="Welcome to Acme Cloud")).to_be_visible()


def test_the_javascript_api_callbacks_and_show_new_message(page: Page, demo) -> None:  # type: ignore[no-untyped-def]
    _workspace, site = demo
    page.goto(f"{site}/demo/")
    expect(launcher(page)).to_be_visible()
    page.evaluate("""() => {
        window.__events = [];
        Intercom('onShow', () => __events.push('show'));
        Intercom('onHide', () => __events.push('hide'));
    }""")
    visitor = page.evaluate("() => Intercom('getVisitorId')")
    assert re.fullmatch(r"[0-9a-f]{32}", visitor)
    assert page.evaluate("() => localStorage.getItem(Object.keys(localStorage).find(k => k.endsWith(':visitor')))") == visitor
    page.evaluate("() => Intercom('showNewMessage', 'I need help with billing')")
    expect(panel(page).locator("textarea[name=body]")).to_have_value("I need help with billing")
    page.evaluate("() => Intercom('hide')")
    assert page.evaluate("() => window.__events") == ["show", "hide"]
    page.evaluate("() => Intercom('shutdown')")
    expect(page.locator("#parley-messenger")).to_have_count(0)
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.endsWith(':visitor')).length") == 0


def test_a_reply_is_pushed_over_the_stream_with_polling_switched_off(page: Page, demo, settings) -> None:  # type: ignore[no-untyped-def]
    """With timed polling effectively off, only the stream (uvicorn + Redis) can bring the
    reply in; the panel then fetches it through the normal authorized endpoint."""
    from inbox.services import teammate_reply_create
    from tests.servers import uvicorn_server
    from workspaces.models import Membership

    workspace, site = demo
    settings.MESSENGER_POLL_SECONDS = 3600
    with uvicorn_server() as streams:
        settings.STREAMS_URL = streams
        page.goto(f"{site}/demo/")
        open_conversation_screen(page)
        send(page, "Pushed, not polled?")
        expect(panel(page).get_by_text("Pushed, not polled?")).to_be_visible()
        conversation = Conversation.objects.for_workspace(workspace).get()
        agent = Membership.objects.for_workspace(workspace).get()
        expect(panel(page).locator("body[data-stream=connected]")).to_have_count(1)
        teammate_reply_create(conversation=conversation, membership=agent, body="Yes, pushed.")
        expect(panel(page).get_by_text("Yes, pushed.")).to_be_visible(timeout=10_000)
