"""The contact profile lists the messages a person received with what became of each
(sent, opened, clicked, replied, unsubscribed, bounced, failed), in constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outbound.models import Delivery
from tests.factories import ContactFactory
from tests.outbound.tracking_factories import message_for, sent_delivery

pytestmark = pytest.mark.django_db


def profile_url(contact) -> str:  # type: ignore[no-untyped-def]
    return reverse("contacts:contact", kwargs={"workspace_slug": contact.workspace.slug, "contact_id": contact.pk})


def test_each_message_with_its_status(client_agent, workspace, other_workspace):
    contact = ContactFactory(workspace=workspace, role="user", email="hana@example.com")
    now = timezone.now()
    cases = {
        "Plain": {}, "Opened": {"opened_at": now}, "Clicked": {"opened_at": now, "clicked_at": now},
        "Replied": {"opened_at": now, "replied_at": now}, "Unsubscribed": {"unsubscribed_at": now},
        "Bounced": {"bounced_at": now}, "Failed": {"status": Delivery.Status.FAILED},
        "Machine only": {"machine_opened_at": now},
    }
    for title, fields in cases.items():
        sent_delivery(workspace, contact=contact, message=message_for(workspace, title=f"Mail {title}"), **fields)
    Delivery.objects.create(workspace=workspace, message=message_for(workspace, title="Mail Waiting"), contact=contact,
                            email=contact.email, token="1" * 32, status=Delivery.Status.PENDING)
    sent_delivery(other_workspace, message=message_for(other_workspace, title="Mail Elsewhere"))

    response = client_agent.get(profile_url(contact))

    shown = {item.title: item.status for item in response.context["messages_received"]}
    assert shown == {"Mail Plain": "sent", "Mail Opened": "opened", "Mail Clicked": "clicked",
                     "Mail Replied": "replied", "Mail Unsubscribed": "unsubscribed", "Mail Bounced": "bounced",
                     "Mail Failed": "failed", "Mail Machine only": "sent"}
    page = response.content.decode()
    assert 'data-status="clicked"' in page and "Mail Elsewhere" not in page and "Mail Waiting" not in page


def test_nothing_sent_yet_says_so(client_agent, workspace):
    contact = ContactFactory(workspace=workspace, role="user")

    response = client_agent.get(profile_url(contact))

    assert response.context["messages_received"] == [] and 'id="contact-messages"' not in response.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_20_messages(client_agent, workspace, django_assert_num_queries):
    few, many = (ContactFactory(workspace=workspace, role="user") for _ in range(2))
    for contact, count in ((few, 3), (many, 20)):
        for n in range(count):
            sent_delivery(workspace, contact=contact, message=message_for(workspace, title=f"Mail {n}"),
                          opened_at=timezone.now())
    client_agent.get(profile_url(few))  # the navigation's counts are cached after the first page
    with CaptureQueriesContext(connection) as baseline:
        assert client_agent.get(profile_url(few)).status_code == 200
    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client_agent.get(profile_url(many))
    assert len(response.context["messages_received"]) == 20
