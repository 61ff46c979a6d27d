"""An agent turns a conversation into a customer ticket from the inbox, then moves it to
waiting on the customer and resolves it on the ticket page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_shell import sign_in
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory, conversation_create
from tickets.models import Ticket, TicketField, TicketType


def test_an_agent_turns_a_conversation_into_a_ticket_and_resolves_it(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme Support", slug="acme", default_language="en")
    MembershipFactory(workspace=workspace, role="agent", user__email="ken@example.com", user__name="Ken Support")
    kind = TicketType.objects.create(workspace=workspace, category="customer", name="Refund request", icon="💴")
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="order", label="Order number",
                               kind="text", required=True)
    customer = ContactFactory(workspace=workspace, role="user", name="Cleo Customer", email="cleo@example.com")
    conversation = conversation_create(workspace=workspace, contact=customer, body="Please refund my order")

    sign_in(page, live_server, "ken@example.com")
    page.goto(f"{live_server.url}/w/acme/inbox/c/{conversation.number}/")
    page.get_by_role("link", name="Create ticket").click()
    page.get_by_label("Type").select_option(label="💴 Refund request · Customer ticket")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Title").fill("Refund order 1042")
    page.get_by_role("button", name="Open ticket").click()
    expect(page.locator("[data-field='order'] .field__errors")).to_contain_text("This field is required.")

    page.get_by_label("Order number").fill("1042")
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refund order 1042")
    expect(page.locator("#ticket-state")).to_have_text("Submitted")
    expect(page.get_by_role("link", name=f"#{conversation.number}")).to_be_visible()

    page.locator("#ticket-state-select").select_option(label="Waiting on customer")
    page.get_by_role("button", name="Change state").click()
    expect(page.locator("#ticket-state")).to_have_text("Waiting on customer")
    expect(page.locator("#ticket-timeline")).to_contain_text("State changed from Submitted to Waiting on customer")

    page.locator("#ticket-state-select").select_option(label="Resolved")
    page.get_by_role("button", name="Change state").click()
    expect(page.locator("#ticket-state")).to_have_text("Resolved")

    ticket = Ticket.objects.for_workspace(workspace).get()
    assert (ticket.state, ticket.contact_id, ticket.conversation_id, ticket.values) == (
        "resolved", customer.pk, conversation.pk, {"order": "1042"})
    assert ticket.resolved_at is not None

    page.goto(f"{live_server.url}/w/acme/inbox/c/{conversation.number}/")
    expect(page.locator("#customer-tickets")).to_contain_text(f"#{ticket.number} Refund order 1042")
