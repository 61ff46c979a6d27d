"""Tickets from the customer's side, on the demo site: a customer opens a ticket from the
messenger's Tickets tab, the team's state change arrives over the live stream (timed polling
switched off) worded with the label for customers, and the customer replies on the ticket."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_messenger import demo, launcher, panel  # noqa: F401  (demo is a fixture)
from tickets import services
from tickets.models import Ticket, TicketField, TicketPart, TicketType
from workspaces.models import Membership


def test_a_customer_opens_a_ticket_follows_its_state_and_replies(page: Page, demo, settings) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from tests.servers import uvicorn_server

    workspace, site = demo
    kind = TicketType.objects.create(workspace=workspace, category="customer", name="Bug report",
                                     description="Tell us what went wrong.")
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="steps", label="Steps to reproduce",
                               kind="long_text", required=True, customer_fills=True)
    services.state_label_set(workspace=workspace, state="in_progress", internal_label="Triage",
                             customer_label="Looking into it")
    settings.MESSENGER_POLL_SECONDS = 3600
    with uvicorn_server() as streams:
        settings.STREAMS_URL = streams
        page.goto(f"{site}/demo/")
        launcher(page).click()
        messenger = panel(page)
        messenger.locator(".panel-tab[hx-get='/messenger/panel/tickets']").click()
        expect(messenger.get_by_text("No tickets yet.")).to_be_visible()
        messenger.locator("[data-ticket-new]").click()

        # A required field left empty comes back with its reason; nothing is created.
        messenger.locator("input[name=title]").fill("Export button does nothing")
        messenger.get_by_role("button", name="Submit").click()
        expect(messenger.locator("[data-ticket-field=steps] .panel-field__error")).to_have_text(
            "This field is required.")
        assert not Ticket.objects.for_workspace(workspace).exists()
        messenger.locator("textarea[name=field-steps]").fill("Open Reports, press Export")
        messenger.get_by_role("button", name="Submit").click()
        expect(messenger.locator(".panel-header__title")).to_contain_text("#1 Export button does nothing")
        expect(messenger.locator("[data-ticket-state]")).to_have_text("Submitted")
        expect(messenger.get_by_text("Open Reports, press Export")).to_be_visible()

        # The team moves it: the panel hears it over the stream and shows the customer's label.
        expect(messenger.locator("body[data-stream=connected]")).to_have_count(1)
        ticket = Ticket.objects.for_workspace(workspace).get()
        agent = Membership.objects.for_workspace(workspace).get()
        services.ticket_set_state(ticket=ticket, state="in_progress", actor=agent)
        expect(messenger.locator(".panel-ticket__state [data-ticket-state]")).to_have_text(
            "Looking into it", timeout=10_000)
        expect(messenger.get_by_text("Triage")).to_have_count(0)

        composer = messenger.locator("textarea[name=body]")
        composer.fill("It happens in Safari too")
        composer.press("Enter")
        expect(messenger.get_by_text("It happens in Safari too")).to_be_visible()
        assert TicketPart.objects.for_workspace(workspace).filter(
            ticket=ticket, kind="customer", body="It happens in Safari too").exists()
        assert not Ticket.objects.for_workspace(workspace).get().unread_by_customer
