"""The sending pipeline in process: the audience written down once per contact, emails
rendered with placeholders and fallbacks, the headers a mailbox provider expects, suppression
honoured, pause and stop obeyed. (A real worker, a real SMTP server and a killed worker are
tested in test_worker_sending.py.)"""

from __future__ import annotations

import pytest
from django.core import mail

from contacts.models import Company
from outbound import audiences, sending, services
from outbound.models import Delivery, OutboundMessage, Suppression
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(workspace):  # type: ignore[no-untyped-def]
    acme = Company.objects.create(workspace=workspace, company_id="c-1", name="Acme KK")
    aoi = ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
    aoi.companies.add(acme)
    ContactFactory(workspace=workspace, role="lead", name="", email="lead@example.com")
    ContactFactory(workspace=workspace, role="user", name="No Mail", email="")
    ContactFactory(workspace=workspace, role="visitor", name="Visitor", email="visitor@example.com")
    ContactFactory(workspace=workspace, role="user", name="Gone", email="Gone@Example.com")
    Suppression.objects.create(workspace=workspace, email="gone@example.com", reason="unsubscribed")
    return aoi


@pytest.fixture
def message(workspace, owner):  # type: ignore[no-untyped-def]
    return services.message_create(
        workspace=workspace, actor=owner, title="Welcome", sender=owner, subject="Hi {{first_name | fallback: \"there\"}}",
        body='<p>Hello {{first_name | fallback: "there"}} from {{company.name | fallback: "your team"}}.</p>'
             '<p><a href="https://example.com/start?a=1&amp;b=2">Start</a></p>',
    )


def _send_all(message):  # type: ignore[no-untyped-def]
    message.refresh_from_db()
    while sending.send_batch(message=OutboundMessage.objects.for_workspace(message.workspace_id)
                             .select_related("workspace", "sender__user").get(pk=message.pk)).claimed:
        pass


def test_each_eligible_contact_gets_one_email_with_placeholders_filled(workspace, owner, people, message):
    services.message_set_live(message=message, actor=owner)
    assert audiences.audience_evaluate(message=message) == 2  # the user and the lead with addresses
    assert audiences.audience_evaluate(message=message) == 0  # evaluated again: nobody twice
    _send_all(message)
    assert sorted(m.to[0] for m in mail.outbox) == ["aoi@example.com", "lead@example.com"]
    by_to = {m.to[0]: m for m in mail.outbox}
    aoi = by_to["aoi@example.com"]
    assert aoi.subject == "Hi Aoi"
    assert by_to["lead@example.com"].subject == "Hi there"
    html = aoi.alternatives[0][0]
    assert "Hello Aoi from Acme KK." in html and "Hello there from your team." in by_to["lead@example.com"].alternatives[0][0]
    assert "Hello Aoi from Acme KK." in aoi.body  # the plain-text alternative
    assert 'style="' in html  # CSS inlined for mail clients
    assert "https://example.com/start" not in html and "/e/c/" in html  # links through the tracker
    assert "/e/o/" in html  # the open pixel
    headers = aoi.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http") and "/e/u/" in headers["List-Unsubscribe"]
    assert headers["Message-ID"].startswith("<") and aoi.reply_to and "+m" in aoi.reply_to[0]
    assert Delivery.objects.for_workspace(workspace).filter(status="sent").count() == 2
    assert set(Delivery.objects.for_workspace(workspace).values_list("status", flat=True)) == {"sent"}


def test_an_address_suppressed_after_the_audience_was_written_is_not_sent_to(workspace, owner, people, message):
    services.message_set_live(message=message, actor=owner)
    audiences.audience_evaluate(message=message)
    Suppression.objects.create(workspace=workspace, email="aoi@example.com", reason="unsubscribed")
    _send_all(message)
    assert [m.to[0] for m in mail.outbox] == ["lead@example.com"]
    assert Delivery.objects.for_workspace(workspace).get(email="aoi@example.com").status == "suppressed"


def test_pause_stops_further_sends_and_stop_skips_the_rest(workspace, owner, people, message):
    services.message_set_live(message=message, actor=owner)
    audiences.audience_evaluate(message=message)
    services.message_pause(message=message)
    _send_all(message)
    assert mail.outbox == []
    services.message_stop(message=message)
    assert set(Delivery.objects.for_workspace(workspace).values_list("status", flat=True)) == {"skipped"}


def test_tracking_off_sends_plain_links(workspace, owner, people, message):
    workspace.email_tracking_enabled = False
    workspace.save()
    services.message_set_live(message=message, actor=owner)
    audiences.audience_evaluate(message=message)
    _send_all(message)
    html = mail.outbox[0].alternatives[0][0]
    assert "https://example.com/start?a=1&amp;b=2" in html and "/e/o/" not in html and "/e/c/" not in html


def test_refusals(workspace, owner, outsider):  # type: ignore[no-untyped-def]
    from core.exceptions import ApplicationError

    with pytest.raises(ApplicationError, match="Unknown placeholders: frist_name"):
        services.message_create(workspace=workspace, actor=owner, title="x", subject="Hi {{frist_name}}")
    with pytest.raises(ApplicationError):
        services.message_create(workspace=workspace, actor=owner, title="x", subject="Hi\r\nBcc: x@example.com")
    with pytest.raises(ApplicationError):
        services.message_create(workspace=workspace, actor=owner, title="x", sender=outsider)
    draft = services.message_create(workspace=workspace, actor=owner, title="x", sender=owner)
    with pytest.raises(ApplicationError, match="subject and a body"):
        services.message_set_live(message=draft, actor=owner)



def test_a_start_that_passed_long_ago_waits_for_a_confirmation(workspace, owner, people, message):
    """After a restore or a clock jump, a campaign is not sent by itself (QUALITY item 20)."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    services.message_update(message=message, starts_at=now + dt.timedelta(hours=1))
    services.message_set_live(message=message, actor=owner)
    message.refresh_from_db()
    assert message.state == "scheduled"
    assert services.scheduled_start(now=now + dt.timedelta(hours=3)) == []  # two hours late: not by itself
    message.refresh_from_db()
    assert message.state == "scheduled"
    assert [m.pk for m in services.scheduled_start(now=now + dt.timedelta(minutes=61))] == [message.pk]
    message.refresh_from_db()
    assert message.state == "live"


def test_a_late_scheduled_message_is_confirmed_by_setting_it_live(workspace, owner, people, message):
    import datetime as dt

    from django.utils import timezone

    services.message_update(message=message, starts_at=timezone.now() - dt.timedelta(days=2))
    OutboundMessage.objects.for_workspace(workspace).filter(pk=message.pk).update(state="scheduled")
    message.refresh_from_db()
    services.message_set_live(message=message, actor=owner)
    message.refresh_from_db()
    assert message.state == "live"
