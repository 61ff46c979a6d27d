"""The messenger's Tickets tab: a session sees only its contact's customer tickets (only
those its browser opened unless its identity is proven), reads the customer-facing
timeline, replies with a file and opens tickets whose fields are checked on the way in."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from messenger.identity import user_hash
from messenger.selectors import session_for_token
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory
from tests.messenger.conftest import Messenger
from tickets import services
from tickets.models import Ticket, TicketAttachment, TicketField, TicketPart, TicketType

pytestmark = pytest.mark.django_db

TICKETS = "/messenger/panel/tickets"


@pytest.fixture
def bug_report(demo_workspace):  # type: ignore[no-untyped-def]
    kind = TicketType.objects.create(workspace=demo_workspace, category="customer", name="Bug report",
                                     default_title="Something is broken")
    TicketField.objects.create(workspace=demo_workspace, ticket_type=kind, key="steps", label="Steps",
                               kind="long_text", required=True, customer_fills=True)
    TicketField.objects.create(workspace=demo_workspace, ticket_type=kind, key="copies", label="Copies",
                               kind="number", customer_fills=True)
    TicketField.objects.create(workspace=demo_workspace, ticket_type=kind, key="severity", label="Severity score",
                               kind="number", customer_visible=False)
    return kind


@pytest.fixture
def teammate(demo_workspace):  # type: ignore[no-untyped-def]
    return MembershipFactory(workspace=demo_workspace, role="admin", user__name="Ken Team")


def contact_of(messenger: Messenger):  # type: ignore[no-untyped-def]
    return session_for_token(token=messenger.session).contact


def create(messenger: Messenger, kind: TicketType, **fields: str):  # type: ignore[no-untyped-def]
    data = {"type": kind.pk, "title": fields.pop("title", "Export fails"), "description": "It spins"}
    data.update({f"field-{key}": value for key, value in fields.items()})
    return messenger.post(f"{TICKETS}/create", data)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


class TestVisibility:
    def test_the_list_shows_only_the_sessions_customer_tickets(self, messenger, demo_workspace, bug_report, teammate):
        messenger.boot()
        assert create(messenger, bug_report, steps="Click export").status_code == 200
        contact = contact_of(messenger)
        office = TicketType.objects.create(workspace=demo_workspace, category="back_office", name="Refund check")
        tracker = TicketType.objects.create(workspace=demo_workspace, category="tracker", name="Outage")
        hidden = [
            services.ticket_create(workspace=demo_workspace, ticket_type=office, contact=contact, title="Refund memo"),
            services.ticket_create(workspace=demo_workspace, ticket_type=tracker, title="Export outage"),
            services.ticket_create(workspace=demo_workspace, ticket_type=bug_report, title="Other person's bug",
                                   contact=ContactFactory(workspace=demo_workspace), values={"steps": "x"}),
        ]
        elsewhere = WorkspaceFactory(name="Elsewhere", slug="elsewhere")
        other_type = TicketType.objects.create(workspace=elsewhere, category="customer", name="Bug")
        services.ticket_create(workspace=elsewhere, ticket_type=other_type, title="Elsewhere bug",
                               contact=ContactFactory(workspace=elsewhere))
        page = messenger.get(TICKETS).content.decode()
        assert "#1 Export fails" in page and "Submitted" in page
        for text in ("Refund memo", "Export outage", "Other person", "Elsewhere bug"):
            assert text not in page
        for ticket in hidden:
            assert messenger.get(f"{TICKETS}/{ticket.number}").status_code == 404
            assert messenger.get(f"{TICKETS}/{ticket.number}/live").status_code == 404
            assert messenger.post(f"{TICKETS}/{ticket.number}/messages", {"body": "hi"}).status_code == 404
        assert TicketPart.objects.for_workspace(demo_workspace).filter(kind="customer").count() == 0

    def test_an_unproven_session_sees_only_what_its_browser_opened(self, demo_workspace, bug_report):
        settings = {"user_id": "u-7", "email": "mei@example.com"}
        first = Messenger(demo_workspace.app_id)
        first.boot(settings)
        create(first, bug_report, steps="One", title="From browser one")
        second = Messenger(demo_workspace.app_id)
        second.boot(settings)
        assert contact_of(second).pk == contact_of(first).pk
        assert "From browser one" not in second.get(TICKETS).content.decode()
        assert second.get(f"{TICKETS}/1").status_code == 404
        proven = Messenger(demo_workspace.app_id)
        proven.boot({**settings, "user_hash": user_hash(secret=demo_workspace.identity_secret, subject="u-7")})
        assert "From browser one" in proven.get(TICKETS).content.decode()
        assert proven.get(f"{TICKETS}/1").status_code == 200

    def test_the_ticket_shows_the_customers_side_only_and_clears_unread(
        self, messenger, demo_workspace, bug_report, teammate
    ):
        messenger.boot()
        create(messenger, bug_report, steps="Click export")
        ticket = Ticket.objects.for_workspace(demo_workspace).get(number=1)
        services.state_label_set(workspace=demo_workspace, state="in_progress", internal_label="Triage",
                                 customer_label="Looking into it")
        Ticket.objects.for_workspace(demo_workspace).filter(pk=ticket.pk).update(values={
            **ticket.values, "severity": 9000})
        services.ticket_note(ticket=ticket, actor=teammate, body="Secret <b>note</b>")
        services.ticket_reply(ticket=ticket, actor=teammate, body="We <script>are</script> on it")
        services.ticket_set_state(ticket=ticket, state="in_progress", actor=teammate)
        assert Ticket.objects.for_workspace(demo_workspace).get(pk=ticket.pk).unread_by_customer
        rows = messenger.get(TICKETS, rows="1").content.decode()
        assert "is-unread" in rows and "Looking into it" in rows and "Triage" not in rows
        page = messenger.get(f"{TICKETS}/1").content.decode()
        assert "Looking into it" in page and "Triage" not in page
        assert "Secret" not in page and "Severity score" not in page and "9000" not in page
        assert "Click export" in page and "&lt;script&gt;" in page and "<script>are" not in page
        assert not Ticket.objects.for_workspace(demo_workspace).get(pk=ticket.pk).unread_by_customer


class TestCreating:
    def test_required_and_typed_fields_are_checked_per_field(self, messenger, demo_workspace, bug_report):
        messenger.boot()
        form = messenger.get(f"{TICKETS}/new").content.decode()  # one type: straight to its form
        assert 'name="field-steps"' in form and "field-severity" not in form
        response = create(messenger, bug_report, steps="", copies="many")
        page = response.content.decode()
        assert response.status_code == 400
        assert "This field is required." in page and "Enter a number." in page and 'value="many"' in page
        assert not Ticket.objects.for_workspace(demo_workspace).exists()
        response = create(messenger, bug_report, steps="Open it", copies="3", severity="1")
        assert response.status_code == 200
        ticket = Ticket.objects.for_workspace(demo_workspace).get()
        assert ticket.values == {"steps": "Open it", "copies": 3}  # the team's field is never the customer's
        assert ticket.contact_id == contact_of(messenger).pk and ticket.created_by is None

    def test_archived_back_office_and_foreign_types_cannot_be_chosen(self, messenger, demo_workspace, bug_report):
        messenger.boot()
        office = TicketType.objects.create(workspace=demo_workspace, category="back_office", name="Refund check")
        from django.utils import timezone
        archived = TicketType.objects.create(workspace=demo_workspace, category="customer", name="Old form",
                                             archived_at=timezone.now())
        foreign = TicketType.objects.create(workspace=WorkspaceFactory(slug="far"), category="customer", name="Far")
        for kind in (office, archived, foreign):
            assert messenger.post(f"{TICKETS}/create", {"type": kind.pk, "title": "x"}).status_code == 404
        assert not Ticket.objects.for_workspace(demo_workspace).exists()


class TestReplying:
    def test_a_reply_with_a_picture_is_kept_and_served_signed(self, messenger, demo_workspace, bug_report):
        messenger.boot()
        create(messenger, bug_report, steps="x")
        upload = SimpleUploadedFile("shot.png", png(), content_type="image/png")
        response = messenger.client.post(f"{TICKETS}/1/messages", {"body": "Here", "file": upload},
                                         **messenger.headers())
        assert response.status_code == 200
        stored = TicketAttachment.objects.for_workspace(demo_workspace).get()
        assert stored.part.kind == "customer" and stored.part.body == "Here"
        url = re.search(r'src="(/messenger/ticket-files/[^"]+)"', response.content.decode()).group(1)
        served = messenger.client.get(url)
        assert served.status_code == 200 and served["Content-Type"] == stored.content_type == "image/jpeg"
        assert messenger.client.get(url.replace("ticket-files/", "ticket-files/x")).status_code == 404

    def test_refused_files_write_nothing(self, messenger, demo_workspace, bug_report, settings):
        messenger.boot()
        create(messenger, bug_report, steps="x")
        program = SimpleUploadedFile("run.exe", b"MZ" + b"\0" * 100, content_type="application/octet-stream")
        response = messenger.client.post(f"{TICKETS}/1/messages", {"body": "see", "file": program},
                                         **messenger.headers())
        assert response.status_code == 400 and "panel-error" in response.content.decode()
        settings.ATTACHMENT_MAX_BYTES = 10
        big = SimpleUploadedFile("a.txt", b"x" * 100, content_type="text/plain")
        response = messenger.client.post(f"{TICKETS}/1/messages", {"body": "", "file": big}, **messenger.headers())
        assert response.status_code == 400
        assert not TicketPart.objects.for_workspace(demo_workspace).filter(kind="customer").exists()
        assert not TicketAttachment.objects.for_workspace(demo_workspace).exists()


class TestUnreadAndBudget:
    def test_the_tab_shows_a_dot_until_the_ticket_is_opened(self, messenger, demo_workspace, bug_report, teammate):
        messenger.boot()
        create(messenger, bug_report, steps="x")
        assert messenger.get(f"{TICKETS}/unread").json() == {"unread": False}
        ticket = Ticket.objects.for_workspace(demo_workspace).get()
        services.ticket_reply(ticket=ticket, actor=teammate, body="Fixed?")
        assert messenger.get(f"{TICKETS}/unread").json() == {"unread": True}
        home = messenger.get("/messenger/panel/home").content.decode()
        assert re.search(r'data-tickets-dot aria-label="[^"]+">', home)  # shown, not hidden
        messenger.get(f"{TICKETS}/1")
        assert messenger.get(f"{TICKETS}/unread").json() == {"unread": False}
        assert re.search(r'data-tickets-dot aria-label="[^"]+" hidden>', messenger.get(TICKETS).content.decode())

    def test_the_list_and_the_ticket_cost_the_same_queries_however_many(
        self, messenger, demo_workspace, bug_report, teammate, django_assert_max_num_queries
    ):
        messenger.boot()
        contact = contact_of(messenger)
        for index in range(12):
            ticket = services.ticket_create(workspace=demo_workspace, ticket_type=bug_report, contact=contact,
                                            title=f"Bug {index}", values={"steps": "x"}, by_customer=True,
                                            browser_id=messenger.browser_id)
            services.ticket_reply(ticket=ticket, actor=teammate, body="On it")
            services.ticket_set_state(ticket=ticket, state="in_progress", actor=teammate)
        with django_assert_max_num_queries(12):
            page = messenger.get(TICKETS).content.decode()
        assert page.count("data-ticket-row=") == 12
        with django_assert_max_num_queries(12):
            assert messenger.get(f"{TICKETS}/{ticket.number}").status_code == 200


def test_a_ticket_made_from_this_browsers_conversation_is_shown_and_no_other(demo_workspace, bug_report, teammate):
    from inbox.models import Conversation

    mine, theirs = Messenger(demo_workspace.app_id), Messenger(demo_workspace.app_id)
    settings = {"user_id": "u-9", "email": "rin@example.com"}  # claimed, not proven: one contact, two browsers
    mine.boot(settings)
    theirs.boot(settings)
    mine.start("Export is broken")
    theirs.start("Billing question")
    contact = contact_of(mine)
    for conversation in Conversation.objects.for_workspace(demo_workspace).order_by("id"):
        services.ticket_create(workspace=demo_workspace, ticket_type=bug_report, contact=contact,
                               conversation=conversation, created_by=teammate, title=f"From: {conversation.preview}",
                               values={"steps": "x", "severity": 1})
    page = mine.get(TICKETS).content.decode()
    assert "From: Export is broken" in page and "Billing question" not in page
    assert mine.get(f"{TICKETS}/2").status_code == 404 and theirs.get(f"{TICKETS}/2").status_code == 200
