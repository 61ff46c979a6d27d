"""Providers' delivery and tracking webhooks through anymail (Postmark's format, Basic auth):
delivered, bounced (hard → suppressed, soft → recorded), complained, opened, clicked,
unsubscribed, each mapped to its delivery and recorded once however often it is posted; a
bad or missing secret changes nothing; an address suppressed by a bounce mid-campaign is
skipped for the rest of it and left out of later ones."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading

import pytest
from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from outbound import audiences, sending, services, webhooks
from outbound.models import Delivery, DeliveryEvent, OutboundMessage, Suppression
from tests.factories import ContactFactory
from tests.outbound.tracking_factories import sent_delivery

pytestmark = pytest.mark.django_db

WEBHOOK = "/anymail/postmark/tracking/"
AUTH = "Basic " + base64.b64encode(b"hook:test-secret").decode()
PERSON = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"


def post(client: Client, payload: dict, auth: str | None = AUTH):  # type: ignore[no-untyped-def]
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(WEBHOOK, data=json.dumps(payload), content_type="application/json", **extra)


def at(delivery: Delivery, minutes: int = 10) -> str:
    return (delivery.sent_at + dt.timedelta(minutes=minutes)).isoformat()


def bounce(delivery: Delivery, *, kind: str = "HardBounce", event_id: int = 4242, details: str = "") -> dict:
    return {"RecordType": "Bounce", "ID": event_id, "Type": kind, "TypeCode": 1, "MessageID": delivery.provider_message_id,
            "Email": delivery.email, "BouncedAt": at(delivery), "Details": details, "Description": "bounced"}


def fresh(delivery: Delivery) -> Delivery:
    return Delivery.objects.for_workspace(delivery.workspace_id).get(pk=delivery.pk)


def kinds(delivery: Delivery) -> list[str]:
    return list(DeliveryEvent.objects.for_workspace(delivery.workspace_id).filter(delivery=delivery)
                .order_by("id").values_list("kind", flat=True))


def suppressions(workspace) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return list(Suppression.objects.for_workspace(workspace).values_list("email", "reason").order_by("email"))


class TestEvents:
    def test_delivered_is_recorded_once_even_without_a_provider_event_id(self, client, workspace):
        delivery = sent_delivery(workspace)
        payload = {"RecordType": "Delivery", "MessageID": delivery.provider_message_id, "Recipient": delivery.email,
                   "DeliveredAt": at(delivery, 1), "Details": "250 OK"}

        assert post(client, payload).status_code == 200
        assert post(client, payload).status_code == 200  # Postmark retried

        assert fresh(delivery).delivered_at.isoformat() == at(delivery, 1)
        assert kinds(delivery) == ["delivered"]

    def test_a_hard_bounce_suppresses_the_address(self, client, workspace):
        delivery = sent_delivery(workspace, email="Gone@Example.com")

        post(client, bounce(delivery))

        assert fresh(delivery).bounced_at is not None
        assert suppressions(workspace) == [("gone@example.com", "bounced")]
        assert kinds(delivery) == ["bounced"]

    @pytest.mark.parametrize("kind,details", [("SoftBounce", ""), ("Transient", ""), ("DnsError", ""),
                                              ("HardBounce", "452 4.2.2 Mailbox full")])
    def test_a_soft_bounce_is_only_recorded(self, client, workspace, kind, details):
        delivery = sent_delivery(workspace)

        post(client, bounce(delivery, kind=kind, details=details))

        assert fresh(delivery).bounced_at is None and suppressions(workspace) == []
        assert kinds(delivery) in (["bounced"], [])  # Postmark's Transient/DnsError are deferrals

    def test_a_complaint_suppresses_the_address(self, client, workspace):
        delivery = sent_delivery(workspace)

        post(client, {"RecordType": "SpamComplaint", "ID": 77, "Type": "SpamComplaint", "MessageID":
                      delivery.provider_message_id, "Email": delivery.email, "BouncedAt": at(delivery)})

        assert fresh(delivery).complained_at is not None
        assert suppressions(workspace) == [("hana@example.com", "complained")]

    def test_opens_and_clicks_count_like_our_own_tracker(self, client, workspace):
        delivery = sent_delivery(workspace)
        base = {"MessageID": delivery.provider_message_id, "Recipient": delivery.email}

        post(client, {**base, "RecordType": "Open", "ReceivedAt": at(delivery, 5), "UserAgent": "Mozilla/5.0"})
        post(client, {**base, "RecordType": "Click", "ReceivedAt": at(delivery, 7), "UserAgent": PERSON,
                      "OriginalLink": "https://example.com/pricing"})

        delivery = fresh(delivery)
        assert delivery.machine_opened_at is not None  # Apple's preloading
        assert delivery.clicked_at.isoformat() == at(delivery, 7) == delivery.opened_at.isoformat()
        assert kinds(delivery) == ["opened", "clicked"]

    def test_an_unsubscribe_at_the_provider_suppresses_the_address(self, client, workspace):
        delivery = sent_delivery(workspace)

        post(client, {"RecordType": "SubscriptionChange", "MessageID": delivery.provider_message_id,
                      "Recipient": delivery.email, "SuppressSending": True, "SuppressionReason": "ManualSuppression",
                      "ChangedAt": at(delivery)})

        assert suppressions(workspace) == [("hana@example.com", "unsubscribed")]
        assert fresh(delivery).unsubscribed_at is not None

    def test_tracking_off_ignores_the_providers_opens_and_clicks(self, client, workspace):
        delivery = sent_delivery(workspace)
        workspace.email_tracking_enabled = False
        workspace.save()

        post(client, {"RecordType": "Open", "MessageID": delivery.provider_message_id, "Recipient": delivery.email,
                      "ReceivedAt": at(delivery), "UserAgent": PERSON})

        assert fresh(delivery).opened_at is None and kinds(delivery) == []

    def test_unknown_messages_and_mismatched_recipients_change_nothing(self, client, workspace):
        delivery = sent_delivery(workspace)

        assert post(client, {**bounce(delivery), "MessageID": "no-such-message"}).status_code == 200
        assert post(client, {**bounce(delivery, event_id=1), "Email": "someone-else@example.com"}).status_code == 200
        assert post(client, {**bounce(delivery, event_id=2), "MessageID": ""}).status_code == 200

        assert suppressions(workspace) == [] and kinds(delivery) == []

    def test_an_event_is_found_by_our_message_id_too(self, workspace):
        delivery = sent_delivery(workspace, provider_message_id="")
        event = AnymailTrackingEvent(event_type=EventType.BOUNCED, reject_reason=RejectReason.BOUNCED,
                                     message_id=delivery.email_message_id.strip("<>"), recipient=delivery.email,
                                     timestamp=timezone.now(), event_id="mg-1", esp_event={"severity": "permanent"})

        assert webhooks.tracking_event_record(event=event, esp_name="Mailgun").new
        assert suppressions(workspace) == [("hana@example.com", "bounced")]

    def test_the_same_event_id_in_two_workspaces_is_two_events(self, client, workspace, other_workspace):
        mine = sent_delivery(workspace)
        theirs = sent_delivery(other_workspace)

        post(client, bounce(mine, event_id=9))
        post(client, bounce(theirs, event_id=9))

        assert suppressions(workspace) == suppressions(other_workspace) == [("hana@example.com", "bounced")]


class TestSecret:
    @pytest.mark.parametrize("auth", [None, "Basic " + base64.b64encode(b"hook:wrong").decode(), "Bearer test-secret",
                                      "Basic !!!"])
    def test_a_bad_or_missing_secret_is_refused_and_changes_nothing(self, client, workspace, auth):
        delivery = sent_delivery(workspace)

        response = post(client, bounce(delivery), auth=auth)

        assert response.status_code in (400, 403)
        assert suppressions(workspace) == [] and kinds(delivery) == [] and fresh(delivery).bounced_at is None


def test_a_replayed_event_answers_200_and_changes_nothing_more(client, workspace):
    delivery = sent_delivery(workspace)
    post(client, bounce(delivery))
    Suppression.objects.for_workspace(workspace).delete()  # e.g. an admin lifted it meanwhile

    response = post(client, bounce(delivery))

    assert response.status_code == 200
    assert suppressions(workspace) == [] and kinds(delivery) == ["bounced"]


@pytest.mark.django_db(transaction=True)
def test_a_thousand_concurrent_deliveries_of_one_event_make_one_state_change(workspace):
    delivery = sent_delivery(workspace)
    payload = bounce(delivery, event_id=1000)
    answers: list[int] = []
    lock = threading.Lock()

    def deliver(times: int) -> None:
        client = Client()
        try:
            for _ in range(times):
                status = post(client, payload).status_code
                with lock:
                    answers.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(125,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 1000 and set(answers) == {200}
    assert kinds(delivery) == ["bounced"]
    assert Suppression.objects.for_workspace(workspace).count() == 1


class TestSuppressedMidCampaign:
    @pytest.fixture
    def campaign(self, workspace, owner, settings):  # type: ignore[no-untyped-def]
        settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
        # Rows are sent in contact order: Ann and Ben come before Gone, whose address an
        # earlier campaign reached and bounces while this one is sending.
        for name in ("ann", "ben"):
            ContactFactory(workspace=workspace, role="user", email=f"{name}@example.com")
        earlier = sent_delivery(workspace, email="gone@example.com", provider_message_id="pm-earlier")
        message = services.message_create(workspace=workspace, actor=owner, title="Launch", sender=owner,
                                          subject="News", body="<p>News</p>")
        services.message_set_live(message=message, actor=owner)
        audiences.audience_evaluate(message=message)
        return earlier, message

    @staticmethod
    def _batch(message: OutboundMessage, limit: int) -> int:
        loaded = OutboundMessage.objects.for_workspace(message.workspace_id).select_related(
            "workspace", "sender__user").get(pk=message.pk)
        return sending.send_batch(message=loaded, limit=limit).claimed

    def test_a_bounce_mid_campaign_stops_the_rest_of_it_and_later_ones(self, client, workspace, owner, campaign):
        earlier, message = campaign
        rows = list(Delivery.objects.for_workspace(workspace).filter(message=message).order_by("id")
                    .values_list("email", flat=True))
        first = rows[0]
        assert "gone@example.com" in rows[1:]  # still waiting when the bounce comes

        self._batch(message, 1)
        post(client, bounce(earlier))
        while self._batch(message, 1):
            pass

        sent_to = [m.to[0] for m in mail.outbox]
        assert first in sent_to and "gone@example.com" not in sent_to
        assert Delivery.objects.for_workspace(workspace).get(message=message, email="gone@example.com").status == \
            "suppressed"
        later = services.message_create(workspace=workspace, actor=owner, title="Later", sender=owner,
                                        subject="More", body="<p>More</p>")
        services.message_set_live(message=later, actor=owner)
        audiences.audience_evaluate(message=later)
        assert not Delivery.objects.for_workspace(workspace).filter(message=later, email="gone@example.com").exists()
        assert Delivery.objects.for_workspace(workspace).filter(message=later).count() == 2
