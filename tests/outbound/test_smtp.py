"""An outbound email as a real SMTP server receives it (Django's SMTP backend against an
aiosmtpd server in the test): the sender's name encoded (Japanese too), the delivery's reply
address, a Message-ID that stays the same across a retry, RFC 8058 headers, text and HTML
alternatives with CSS inlined, placeholders filled or falling back, a Japanese subject
encoded per RFC 2047 and decoded back as written."""

from __future__ import annotations

import pytest
from django.db.models import F

from contacts.models import AttributeDefinition
from inbox.email_addresses import outbound_reply_address, recipient_parse
from outbound import audiences, sending, services, tracking
from outbound.models import Delivery, OutboundMessage
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory
from tests.outbound.sink import smtp_sink, use_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme 株式会社", slug="acme")
    sender = MembershipFactory(workspace=workspace, role="owner", user__name="田中 愛子")
    AttributeDefinition.objects.create(workspace=workspace, key="plan", type="text")
    ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
    ContactFactory(workspace=workspace, role="user", name="佐藤 花子", email="hanako@example.jp")
    ContactFactory(workspace=workspace, role="lead", name="", email="lead@example.com")
    message = services.message_create(
        workspace=workspace, actor=sender, title="Welcome", sender=sender, builtin_template="card",
        subject='{{first_name | fallback: "お客様"}}さん、ようこそ Parley へ',
        body='<p>Hello {{first_name | fallback: "there"}}, plan {{plan | fallback: "free"}}.</p>'
             '<p><a href="https://example.com/start">Start</a></p>',
    )
    services.message_set_live(message=message, actor=sender)
    audiences.audience_evaluate(message=message)
    return message


def send_all(message: OutboundMessage) -> None:
    message = OutboundMessage.objects.for_workspace(message.workspace_id).select_related(
        "workspace", "sender__user", "template").get(pk=message.pk)
    while sending.send_batch(message=message).claimed:
        pass


def test_the_email_as_received(acme, settings):  # type: ignore[no-untyped-def]
    with smtp_sink() as sink:
        use_sink(settings, sink)
        send_all(acme)
    assert sorted(sink.counts().items()) == [("aoi@example.com", 1), ("hanako@example.jp", 1), ("lead@example.com", 1)]
    delivery = Delivery.objects.for_workspace(acme.workspace_id).get(email="aoi@example.com")
    received = sink.to("aoi@example.com")[0]
    raw_headers = received.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers travel as ASCII
    message = received.message

    sender = message["From"].addresses[0]
    assert sender.display_name == "田中 愛子 (Acme 株式会社)"
    assert sender.addr_spec == "no-reply@localhost"
    assert "=?utf-8?" in raw_headers.split("From:", 1)[1].split("\r\n", 1)[0].lower()

    reply_to = message["Reply-To"].addresses[0].addr_spec
    assert reply_to == outbound_reply_address(workspace=acme.workspace, delivery_id=delivery.pk)
    assert recipient_parse(reply_to).delivery_id == delivery.pk
    assert message["Message-ID"] == delivery.email_message_id
    # (A long value is folded onto its own line, which RFC 5322 allows.)
    assert message["List-Unsubscribe"].strip() == f"<{tracking.unsubscribe_url(delivery)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message[sending.WORKSPACE_HEADER] == acme.workspace.app_id

    subject_line = raw_headers.split("\r\nSubject:", 1)[1].split("\r\n", 1)[0]
    assert subject_line.strip().lower().startswith("=?utf-8?")  # RFC 2047
    assert message["Subject"] == "Aoiさん、ようこそ Parley へ"
    assert sink.to("lead@example.com")[0].message["Subject"] == "お客様さん、ようこそ Parley へ"
    assert sink.to("hanako@example.jp")[0].message["Subject"] == "佐藤さん、ようこそ Parley へ"

    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Hello Aoi, plan free." in text and tracking.unsubscribe_url(delivery) in text
    assert "Hello there, plan free." in sink.to("lead@example.com")[0].message.get_body(("plain",)).get_content()
    assert "<style" not in html and 'style="' in html  # CSS inlined for mail clients
    assert "Hello Aoi, plan free." in html and "{{" not in html
    assert "/e/c/" in html and "/e/o/" in html


def test_a_retried_email_keeps_its_message_id(acme, settings):  # type: ignore[no-untyped-def]
    with smtp_sink(data={"aoi@example.com": ["451 4.3.0 Try again later"]}) as sink:
        use_sink(settings, sink)
        send_all(acme)
        delivery = Delivery.objects.for_workspace(acme.workspace_id).get(email="aoi@example.com")
        assert (delivery.status, delivery.attempts) == ("pending", 1) and "451" in delivery.error
        # The backoff has passed.
        Delivery.objects.for_workspace(acme.workspace_id).filter(pk=delivery.pk).update(
            locked_until=F("created_at"))
        send_all(acme)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
    first, = sink.refused_data
    second, = sink.to("aoi@example.com")
    assert first.message["Message-ID"] == second.message["Message-ID"] == delivery.email_message_id
