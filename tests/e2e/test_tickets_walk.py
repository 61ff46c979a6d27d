"""The issue's walk, in two browsers and without reloads on the customer's side: an agent turns
a customer's conversation into a ticket; the customer sees it in the messenger; the agent
moves it to waiting on the customer; the customer reads the customer-facing label and
answers; the agent resolves it, and the customer sees it resolved."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from inbox.models import Conversation
from tests.e2e.test_messenger import demo, open_conversation_screen, panel, send  # noqa: F401  (demo: a fixture)
from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory
from tickets import services
from tickets.models import Ticket, TicketPart, TicketType


def test_a_conversation_becomes_a_ticket_the_customer_follows_to_resolved(
    page: Page, browser, live_server, demo, settings,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    from tests.servers import uvicorn_server

    workspace, site = demo
    MembershipFactory(workspace=workspace, role="agent", user__email="ken@example.com", user__name="Ken Support")
    TicketType.objects.create(workspace=workspace, category="customer", name="Refund request", icon="💴")
    services.state_label_set(workspace=workspace, state="waiting", internal_label="Waiting on customer",
                             customer_label="We need your answer")
    settings.MESSENGER_POLL_SECONDS = 3600  # the customer's panel hears changes over the stream only
    with uvicorn_server() as streams:
        settings.STREAMS_URL = streams
        # The customer writes from the customer's site.
        page.goto(f"{site}/demo/")
        open_conversation_screen(page)
        send(page, "Please refund order 1042")
        messenger = panel(page)
        expect(messenger.get_by_text("Please refund order 1042")).to_be_visible()
        conversation = Conversation.objects.for_workspace(workspace).get()

        agent_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
        try:
            agent = agent_context.new_page()
            sign_in(agent, live_server, "ken@example.com")
            agent.goto(f"{live_server.url}/w/demo/inbox/c/{conversation.number}/")
            agent.get_by_role("link", name="Create ticket").click()
            agent.get_by_label("Type").select_option(label="💴 Refund request · Customer ticket")
            agent.get_by_role("button", name="Continue").click()
            agent.get_by_label("Title").fill("Refund order 1042")
            agent.get_by_role("button", name="Open ticket").click()
            expect(agent.get_by_role("heading", level=1)).to_have_text("Refund order 1042")
            ticket = Ticket.objects.for_workspace(workspace).get()

            # The customer finds it in the Tickets tab (back from the conversation to the tabs).
            messenger.locator(".panel-header .panel-icon-button").first.click()
            messenger.locator(".panel-tab[hx-get='/messenger/panel/tickets']").click()
            row = messenger.get_by_text("Refund order 1042")
            expect(row).to_be_visible()
            row.click()
            expect(messenger.locator(".panel-ticket__state [data-ticket-state]")).to_have_text("Submitted")
            expect(messenger.locator("body[data-stream=connected]")).to_have_count(1)

            # Waiting on the customer: the customer reads the label meant for them, live.
            agent.locator("#ticket-state-select").select_option(label="Waiting on customer")
            agent.get_by_role("button", name="Change state").click()
            expect(agent.locator("#ticket-state")).to_have_text("Waiting on customer")
            expect(messenger.locator(".panel-ticket__state [data-ticket-state]")).to_have_text(
                "We need your answer", timeout=10_000)

            composer = messenger.locator("textarea[name=body]")
            composer.fill("It was order 1042, paid by card")
            composer.press("Enter")
            expect(messenger.get_by_text("It was order 1042, paid by card")).to_be_visible()
            assert TicketPart.objects.for_workspace(workspace).filter(
                ticket=ticket, kind="customer", body="It was order 1042, paid by card").exists()
            agent.reload()
            expect(agent.locator("#ticket-timeline")).to_contain_text("It was order 1042, paid by card")

            # Resolved: the customer sees it without a reload.
            agent.locator("#ticket-state-select").select_option(label="Resolved")
            agent.get_by_role("button", name="Change state").click()
            expect(agent.locator("#ticket-state")).to_have_text("Resolved")
            expect(messenger.locator(".panel-ticket__state [data-ticket-state]")).to_have_text(
                "Resolved", timeout=10_000)
        finally:
            agent_context.close()
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and ticket.conversation_id == conversation.pk and ticket.waiting_seconds >= 0
