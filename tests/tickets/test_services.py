"""Ticket services: numbers per workspace, field values checked against the type (the
customer fills only their fields), states with the team's clock (waiting on the customer
left out), trackers moving their customer tickets, and nothing across workspaces."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import RealtimeEvent
from tests.factories import ContactFactory, MembershipFactory
from tickets import services
from tickets.models import Ticket, TicketField, TicketPart, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def bug_report(workspace):  # type: ignore[no-untyped-def]
    kind = TicketType.objects.create(workspace=workspace, category="customer", name="Bug report",
                                     default_title="Something is broken")
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="steps", label="Steps", kind="long_text",
                               required=True, customer_fills=True)
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="browser", label="Browser", kind="list",
                               options=["Chrome", "Safari"], customer_fills=True)
    TicketField.objects.create(workspace=workspace, ticket_type=kind, key="severity", label="Severity", kind="number",
                               required=True, customer_visible=False)
    return kind


@pytest.fixture
def tracker_type(workspace):  # type: ignore[no-untyped-def]
    return TicketType.objects.create(workspace=workspace, category="tracker", name="Outage")


def test_numbers_count_per_workspace(workspace, other_workspace, owner, bug_report):
    customer = ContactFactory(workspace=workspace, role="user")
    first = services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer, created_by=owner,
                                   values={"steps": "Click save", "severity": "2"})
    second = services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer, created_by=owner,
                                    values={"steps": "Again", "severity": 3})
    elsewhere_type = TicketType.objects.create(workspace=other_workspace, category="back_office", name="Refund")
    elsewhere = services.ticket_create(workspace=other_workspace, ticket_type=elsewhere_type)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.title == "Something is broken" and first.values == {"steps": "Click save", "severity": 2}
    assert TicketPart.objects.for_workspace(workspace).filter(ticket=first, event="created").exists()


def test_the_customer_fills_only_their_fields_and_required_ones_are_enforced(workspace, bug_report):
    customer = ContactFactory(workspace=workspace, role="user")
    with pytest.raises(services.TicketValuesInvalid) as refused:
        services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer, by_customer=True,
                               values={"browser": "Netscape"})
    assert set(refused.value.errors) == {"steps", "browser"}
    ticket = services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer, by_customer=True,
                                    values={"steps": "Open it", "browser": "Safari", "severity": 1})
    # Severity is the team's: what the customer sent for it is dropped, and not required of them.
    assert ticket.values == {"steps": "Open it", "browser": "Safari"} and ticket.created_by is None


@pytest.mark.parametrize(("kind", "raw", "stored"), [
    ("text", "  one line ", "one line"), ("number", "3.5", 3.5), ("number", "4", 4), ("boolean", "on", True),
    ("boolean", False, False), ("date", "2026-12-24", "2026-12-24"),
])
def test_values_are_stored_by_type(workspace, kind, raw, stored):
    kind_row = TicketType.objects.create(workspace=workspace, category="back_office", name=f"T {kind} {raw}")
    TicketField.objects.create(workspace=workspace, ticket_type=kind_row, key="v", label="V", kind=kind)
    assert services.values_clean(ticket_type=kind_row, raw={"v": raw}, by_customer=False) == {"v": stored}


@pytest.mark.parametrize(("kind", "raw"), [
    ("text", "two\nlines"), ("number", "NaN"), ("number", "12abc"), ("boolean", "maybe"), ("date", "24/12/2026"),
    ("text", "x" * 501),
])
def test_bad_values_are_refused_with_a_reason(workspace, kind, raw):
    kind_row = TicketType.objects.create(workspace=workspace, category="back_office", name=f"T {kind}")
    TicketField.objects.create(workspace=workspace, ticket_type=kind_row, key="v", label="V", kind=kind)
    with pytest.raises(services.TicketValuesInvalid) as refused:
        services.values_clean(ticket_type=kind_row, raw={"v": raw}, by_customer=False)
    assert refused.value.errors["v"]


def test_time_waiting_on_the_customer_is_off_the_teams_clock(workspace, owner, bug_report):
    customer = ContactFactory(workspace=workspace, role="user")
    start = timezone.now()
    ticket = services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer,
                                    values={"steps": "x", "severity": 1})
    Ticket.objects.for_workspace(workspace).filter(pk=ticket.pk).update(state_changed_at=start)
    services.ticket_set_state(ticket=ticket, state="in_progress", actor=owner, now=start + dt.timedelta(minutes=10))
    services.ticket_set_state(ticket=ticket, state="waiting", actor=owner, now=start + dt.timedelta(minutes=30))
    services.ticket_set_state(ticket=ticket, state="in_progress", actor=owner, now=start + dt.timedelta(hours=5))
    ticket = services.ticket_set_state(ticket=ticket, state="resolved", actor=owner,
                                       now=start + dt.timedelta(hours=5, minutes=15))
    assert ticket.team_seconds == (10 + 20 + 15) * 60
    assert ticket.waiting_seconds == (5 * 60 - 30) * 60
    assert ticket.resolved_at == start + dt.timedelta(hours=5, minutes=15) and ticket.unread_by_customer
    moves = [p.event_data["to"] for p in TicketPart.objects.for_workspace(workspace).filter(ticket=ticket,
                                                                                          event="state_changed")]
    assert moves == ["in_progress", "waiting", "in_progress", "resolved"]


def test_a_tracker_moves_its_customer_tickets_and_tells_each_customer(workspace, owner, bug_report, tracker_type):
    outage = services.ticket_create(workspace=workspace, ticket_type=tracker_type, title="Login down", created_by=owner)
    customers = [ContactFactory(workspace=workspace, role="user") for _ in range(2)]
    linked = [services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=c, tracker=outage,
                                     values={"steps": "x", "severity": 1}) for c in customers]
    services.ticket_set_state(ticket=outage, state="resolved", actor=owner, update_linked=True)
    assert {t.state for t in Ticket.objects.for_workspace(workspace).filter(pk__in=[t.pk for t in linked])} == {"resolved"}
    for customer in customers:
        assert RealtimeEvent.objects.for_workspace(workspace).filter(channel=f"contact:{customer.pk}").exists()


def test_refusals_and_other_workspaces(workspace, other_workspace, owner, outsider, bug_report, tracker_type):
    customer = ContactFactory(workspace=workspace, role="user")
    foreign_customer = ContactFactory(workspace=other_workspace, role="user")
    with pytest.raises(ApplicationError):
        services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=foreign_customer,
                               values={"steps": "x", "severity": 1})
    with pytest.raises(ApplicationError):
        services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer, assignee=outsider,
                               values={"steps": "x", "severity": 1})
    with pytest.raises(ApplicationError):
        services.ticket_create(workspace=workspace, ticket_type=tracker_type, contact=customer)
    with pytest.raises(ApplicationError):
        services.ticket_create(workspace=workspace, ticket_type=bug_report, values={"steps": "x", "severity": 1})
    ticket = services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer,
                                    values={"steps": "x", "severity": 1})
    with pytest.raises(ApplicationError):
        services.ticket_customer_message(ticket=ticket, contact=ContactFactory(workspace=workspace), body="mine?")
    with pytest.raises(ApplicationError):
        services.ticket_assign(ticket=ticket, assignee=MembershipFactory(workspace=other_workspace), team=None,
                               actor=owner)


def test_notes_stay_with_the_team(workspace, owner, bug_report):
    customer = ContactFactory(workspace=workspace, role="user")
    ticket = services.ticket_create(workspace=workspace, ticket_type=bug_report, contact=customer,
                                    values={"steps": "x", "severity": 1})
    RealtimeEvent.objects.for_workspace(workspace).all().delete()
    note = services.ticket_note(ticket=ticket, actor=owner, body="Customer is on the old plan")
    reply = services.ticket_reply(ticket=ticket, actor=owner, body="We are on it")
    assert not note.is_visible_to_customer and reply.is_visible_to_customer
    channels = list(RealtimeEvent.objects.for_workspace(workspace).values_list("channel", flat=True))
    assert channels.count(f"contact:{customer.pk}") == 1  # the reply only


def test_state_labels_are_the_workspaces_words(workspace):
    services.state_label_set(workspace=workspace, state="waiting", internal_label="Blocked on customer",
                             customer_label="We need your answer")
    from django.utils import translation

    with translation.override("en"):
        labels = services.state_labels(workspace=workspace)
    assert labels["waiting"] == ("Blocked on customer", "We need your answer")
    assert labels["resolved"] == ("Resolved", "Resolved")
    with translation.override("ja"):  # states the workspace did not word speak the reader's language
        assert services.state_labels(workspace=workspace)["resolved"] == ("解決済み", "解決済み")
