"""A state change of a customer ticket is emailed to its customer after a delay, only when
they still have not seen it, with the workspace's label for customers in their language;
back-office tickets and customers without an address get nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import ContactFactory
from tickets import notifications, services
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_type(workspace):  # type: ignore[no-untyped-def]
    return TicketType.objects.create(workspace=workspace, category="customer", name="Request")


def open_ticket(workspace, kind, **contact):  # type: ignore[no-untyped-def]
    customer = ContactFactory(workspace=workspace, **contact) if contact else None
    return services.ticket_create(workspace=workspace, ticket_type=kind, contact=customer, title="Export <fails>")


def move(ticket, state, owner, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return services.ticket_set_state(ticket=ticket, state=state, actor=owner)


def test_the_customer_gets_the_customer_label_in_their_language(
    workspace, owner, request_type, eager_celery, django_capture_on_commit_callbacks
):
    services.state_label_set(workspace=workspace, state="waiting", internal_label="Blocked on them",
                             customer_label="お返事をお待ちしています")
    ticket = open_ticket(workspace, request_type, email="mei@example.com", language="ja")
    move(ticket, "waiting", owner, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["mei@example.com"] and f"#{ticket.number}" in sent.subject
    assert "お返事をお待ちしています" in sent.subject and "Blocked on them" not in sent.body
    html = sent.alternatives[0][0]
    assert "Export &lt;fails&gt;" in html and "<fails>" not in html
    assert "Export <fails>" in sent.body


def test_nothing_is_sent_once_the_customer_has_seen_it_or_for_internal_tickets(
    workspace, owner, request_type, eager_celery, django_capture_on_commit_callbacks
):
    ticket = open_ticket(workspace, request_type, email="mei@example.com", language="en")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.ticket_set_state(ticket=ticket, state="resolved", actor=owner)
    # Seen in the messenger before the delay ran out.
    Ticket.objects.for_workspace(workspace).filter(pk=ticket.pk).update(unread_by_customer=False)
    for callback in queued:
        callback()
    assert mail.outbox == []
    assert not notifications.state_email_send(workspace_id=workspace.pk, ticket_id=ticket.pk, state="resolved")
    # A later change superseded the queued one: only the latest state is mailed.
    assert not notifications.state_email_send(workspace_id=workspace.pk, ticket_id=ticket.pk, state="in_progress")

    office = TicketType.objects.create(workspace=workspace, category="back_office", name="Refund")
    internal = open_ticket(workspace, office, email="kai@example.com")
    tracker = open_ticket(workspace, TicketType.objects.create(workspace=workspace, category="tracker", name="Bug"))
    no_address = open_ticket(workspace, request_type, email="")
    for other in (internal, tracker, no_address):
        move(other, "in_progress", owner, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_rolled_back_change_mails_nobody(workspace, owner, request_type, eager_celery,
                                           django_capture_on_commit_callbacks):
    from django.db import transaction

    ticket = open_ticket(workspace, request_type, email="mei@example.com")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        try:
            with transaction.atomic():
                services.ticket_set_state(ticket=ticket, state="resolved", actor=owner)
                raise RuntimeError("the request failed after the change")
        except RuntimeError:
            pass
    assert queued == [] and mail.outbox == []
