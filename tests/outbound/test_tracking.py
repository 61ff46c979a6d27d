"""The open pixel and the click tracker: the first open and click recorded on the delivery,
every one as an event, machines (Apple's preloading, scanners, proxies fetching on arrival)
kept out of the people's counts; signed targets only (no open redirect), nothing another
token can change, the same answer for unknown tokens."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from outbound import tracking, tracking_services
from outbound.models import Delivery, DeliveryEvent
from outbound.public_views import PIXEL, TRACK_BY_TOKEN
from tests.outbound.tracking_factories import sent_delivery

pytestmark = pytest.mark.django_db

PERSON = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)"
APPLE_PRIVACY = "Mozilla/5.0"


def path_of(url: str) -> str:
    return urlsplit(url).path


def fresh(delivery: Delivery) -> Delivery:
    return Delivery.objects.for_workspace(delivery.workspace_id).get(pk=delivery.pk)


def events(delivery: Delivery, kind: str) -> list[DeliveryEvent]:
    return list(DeliveryEvent.objects.for_workspace(delivery.workspace_id).filter(delivery=delivery, kind=kind)
                .order_by("id"))


class TestOpenPixel:
    def test_the_first_open_is_kept_and_every_open_is_an_event(self, client, workspace):
        delivery = sent_delivery(workspace)
        url = path_of(tracking.open_pixel_url(delivery))

        first = client.get(url, HTTP_USER_AGENT=PERSON)
        opened_at = fresh(delivery).opened_at
        client.get(url, HTTP_USER_AGENT=PERSON)

        assert first.status_code == 200 and first.content == PIXEL and first["Content-Type"] == "image/gif"
        assert "no-store" in first["Cache-Control"]
        assert opened_at is not None and fresh(delivery).opened_at == opened_at  # the first time only
        assert [e.machine for e in events(delivery, "opened")] == [False, False]

    @pytest.mark.parametrize("agent", [
        APPLE_PRIVACY, "", "Mozilla/5.0 (compatible; Barracuda Sentinel)", "python-requests/2.32", "curl/8.5.0",
    ])
    def test_machines_are_flagged_and_not_counted_as_opens(self, client, workspace, agent):
        delivery = sent_delivery(workspace)

        client.get(path_of(tracking.open_pixel_url(delivery)), HTTP_USER_AGENT=agent)

        delivery = fresh(delivery)
        assert delivery.opened_at is None and delivery.machine_opened_at is not None
        assert [e.machine for e in events(delivery, "opened")] == [True]

    def test_an_open_moments_after_sending_is_a_proxy_fetching_on_arrival(self, client, workspace):
        delivery = sent_delivery(workspace, sent_ago=dt.timedelta(seconds=3))

        client.get(path_of(tracking.open_pixel_url(delivery)), HTTP_USER_AGENT=PERSON)

        delivery = fresh(delivery)
        assert delivery.opened_at is None and delivery.machine_opened_at is not None

    def test_gmail_image_proxy_fetches_when_the_reader_opens_so_it_counts(self, client, workspace):
        delivery = sent_delivery(workspace)

        client.get(path_of(tracking.open_pixel_url(delivery)),
                   HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)")

        assert fresh(delivery).opened_at is not None

    def test_unknown_tokens_get_the_same_picture_and_change_nothing(self, client, workspace):
        delivery = sent_delivery(workspace)
        known = client.get(path_of(tracking.open_pixel_url(delivery)), HTTP_USER_AGENT=PERSON)

        answers = [client.get(f"/e/o/{token}.gif", HTTP_USER_AGENT=PERSON)
                   for token in ("0" * 32, "f" * 32, "x", delivery.token.upper(), "%0d%0aSet-Cookie:%20a=1")]

        for answer in answers:
            assert (answer.status_code, answer.content, answer["Content-Type"]) == (
                known.status_code, known.content, known["Content-Type"])
            assert "Set-Cookie" not in answer
        assert DeliveryEvent.objects.for_workspace(workspace).count() == 1

    def test_tracking_off_still_answers_the_pixel_of_an_earlier_email_and_records_nothing(self, client, workspace):
        delivery = sent_delivery(workspace)
        workspace.email_tracking_enabled = False
        workspace.save()

        response = client.get(path_of(tracking.open_pixel_url(delivery)), HTTP_USER_AGENT=PERSON)

        assert response.status_code == 200 and response.content == PIXEL
        assert fresh(delivery).opened_at is None and not events(delivery, "opened")

    def test_one_token_fetched_in_a_loop_stops_being_recorded(self, client, workspace, throttle_clock):
        delivery = sent_delivery(workspace)
        url = path_of(tracking.open_pixel_url(delivery))

        answers = [client.get(url, HTTP_USER_AGENT=PERSON) for _ in range(TRACK_BY_TOKEN.limit + 5)]

        assert {a.status_code for a in answers} == {200}
        assert len(events(delivery, "opened")) == TRACK_BY_TOKEN.limit


class TestClick:
    def test_a_click_goes_to_the_signed_target_and_proves_an_open(self, client, workspace):
        delivery = sent_delivery(workspace)
        url = path_of(tracking.click_url(delivery, "https://example.com/pricing?plan=pro&ref=mail"))

        response = client.get(url, HTTP_USER_AGENT=PERSON)
        clicked = fresh(delivery)
        client.get(url, HTTP_USER_AGENT=PERSON)

        assert response.status_code == 302 and response["Location"] == "https://example.com/pricing?plan=pro&ref=mail"
        assert response["Referrer-Policy"] == "no-referrer"
        assert clicked.clicked_at is not None and clicked.opened_at == clicked.clicked_at
        assert fresh(delivery).clicked_at == clicked.clicked_at
        assert [e.url for e in events(delivery, "clicked")] == ["https://example.com/pricing?plan=pro&ref=mail"] * 2

    def test_a_scanner_following_links_on_arrival_counts_for_nothing_but_is_sent_on(self, client, workspace):
        delivery = sent_delivery(workspace, sent_ago=dt.timedelta(seconds=2))

        response = client.get(path_of(tracking.click_url(delivery, "https://example.com/")), HTTP_USER_AGENT=PERSON)

        assert response.status_code == 302
        delivery = fresh(delivery)
        assert delivery.clicked_at is None and delivery.opened_at is None
        assert [e.machine for e in events(delivery, "clicked")] == [True]

    def test_a_link_checker_head_request_is_answered_without_recording(self, client, workspace):
        delivery = sent_delivery(workspace)

        response = client.head(path_of(tracking.click_url(delivery, "https://example.com/")), HTTP_USER_AGENT=PERSON)

        assert response.status_code == 302 and not events(delivery, "clicked")

    def test_a_forged_or_foreign_signature_is_404(self, client, workspace):
        delivery = sent_delivery(workspace)
        signed = path_of(tracking.click_url(delivery, "https://example.com/")).split("/")[3]
        payload = [delivery.token, "https://evil.example/"]
        foreign = signing.dumps(payload, key="another installation's secret key", salt=tracking.CLICK_SALT)
        other_salt = signing.dumps(payload, salt="parley.something.else")
        unsigned = signing.b64_encode(b'["%s","https://evil.example/"]' % delivery.token.encode()).decode()
        tampered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")

        for bad in (tampered, foreign, other_salt, unsigned, "x", "https:%2F%2Fevil.example"):
            assert client.get(f"/e/c/{bad}/", HTTP_USER_AGENT=PERSON).status_code == 404, bad
        assert not events(delivery, "clicked")

    @pytest.mark.parametrize("target", [
        "javascript:alert(1)", "//evil.example/", "/relative", "data:text/html,<script>alert(1)</script>",
        "https:/\\evil.example", "https://example.com/\r\nSet-Cookie: session=stolen", "ftp://example.com/file",
        "https://", "mailto:a@example.com",
    ])
    def test_a_signed_target_that_is_not_an_absolute_web_address_is_404(self, client, workspace, target):
        delivery = sent_delivery(workspace)

        response = client.get(path_of(tracking.click_url(delivery, target)), HTTP_USER_AGENT=PERSON)

        assert response.status_code == 404 and "Set-Cookie" not in response and "Location" not in response
        assert fresh(delivery).clicked_at is None

    def test_a_signature_over_anything_but_a_token_and_a_target_is_404(self, client, workspace):
        for payload in (["only-one"], {"token": "t", "url": "https://example.com"}, [1, "https://example.com"],
                        "https://example.com"):
            signed = signing.dumps(payload, salt=tracking.CLICK_SALT, compress=True)
            assert client.get(f"/e/c/{signed}/").status_code == 404

    def test_another_deliverys_click_changes_only_its_own_delivery(self, client, workspace, other_workspace):
        mine = sent_delivery(workspace, email="mine@example.com")
        theirs = sent_delivery(other_workspace, email="theirs@example.com")

        client.get(path_of(tracking.click_url(theirs, "https://example.com/")), HTTP_USER_AGENT=PERSON)

        assert fresh(mine).clicked_at is None and fresh(theirs).clicked_at is not None
        assert DeliveryEvent.objects.for_workspace(workspace).count() == 0

    def test_the_redirect_still_works_when_tracking_was_turned_off(self, client, workspace):
        delivery = sent_delivery(workspace)
        url = path_of(tracking.click_url(delivery, "https://example.com/a"))
        workspace.email_tracking_enabled = False
        workspace.save()

        response = client.get(url, HTTP_USER_AGENT=PERSON)

        assert response.status_code == 302 and response["Location"] == "https://example.com/a"
        assert not events(delivery, "clicked")

    def test_non_ascii_targets_are_sent_on_encoded(self, client, workspace):
        delivery = sent_delivery(workspace)

        response = client.get(path_of(tracking.click_url(delivery, "https://example.jp/ヘルプ?q=料金 表")),
                              HTTP_USER_AGENT=PERSON)

        assert response.status_code == 302
        assert response["Location"] == "https://example.jp/%E3%83%98%E3%83%AB%E3%83%97?q=%E6%96%99%E9%87%91%20%E8%A1%A8"


class TestServices:
    def test_concurrent_first_opens_cannot_overwrite_each_other(self, workspace):
        delivery = sent_delivery(workspace)
        early = delivery.sent_at + dt.timedelta(minutes=5)

        tracking_services.delivery_opened(delivery=delivery, user_agent=PERSON, at=early)
        tracking_services.delivery_opened(delivery=delivery, user_agent=PERSON, at=early + dt.timedelta(minutes=1))

        assert fresh(delivery).opened_at == early

    def test_a_replayed_event_id_changes_nothing(self, workspace):
        delivery = sent_delivery(workspace)
        at = delivery.sent_at + dt.timedelta(minutes=5)

        first = tracking_services.delivery_clicked(delivery=delivery, url="https://example.com/", user_agent=PERSON,
                                                   at=at, event_id="esp:1")
        again = tracking_services.delivery_clicked(delivery=delivery, url="https://example.com/", user_agent=PERSON,
                                                   at=at + dt.timedelta(hours=1), event_id="esp:1")

        assert first.new and not again.new
        assert len(events(delivery, "clicked")) == 1 and fresh(delivery).clicked_at == at


def test_pixel_and_tracker_need_no_session_or_csrf(workspace):
    delivery = sent_delivery(workspace)
    client = Client(enforce_csrf_checks=True)

    assert client.get(path_of(tracking.open_pixel_url(delivery)), HTTP_USER_AGENT=PERSON).status_code == 200
    assert client.get(path_of(tracking.click_url(delivery, "https://example.com/")),
                      HTTP_USER_AGENT=PERSON).status_code == 302
    assert not client.cookies
