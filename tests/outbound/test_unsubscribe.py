"""RFC 8058 one-click unsubscribe and the preference page: a POST of
`List-Unsubscribe=One-Click` without cookies or CSRF unsubscribes in one request; a GET (a
link scanner) only shows the page, in the recipient's language; resubscribing lifts an
unsubscribe, never a bounce or a complaint; a token reaches its own address only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from outbound import tracking, tracking_services
from outbound.models import Delivery, DeliveryEvent, Suppression
from outbound.public_views import UNSUBSCRIBE_BY_IP
from tests.factories import ContactFactory
from tests.outbound.tracking_factories import sent_delivery

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def unsubscribe_path(delivery: Delivery) -> str:
    return urlsplit(tracking.unsubscribe_url(delivery)).path


def one_click(client: Client, delivery: Delivery, **extra):  # type: ignore[no-untyped-def]
    return client.post(unsubscribe_path(delivery), data=ONE_CLICK, content_type="application/x-www-form-urlencoded",
                       **extra)


def suppressions(workspace) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return list(Suppression.objects.for_workspace(workspace).values_list("email", "reason").order_by("email"))


def fresh(delivery: Delivery) -> Delivery:
    return Delivery.objects.for_workspace(delivery.workspace_id).get(pk=delivery.pk)


def test_one_click_post_without_cookies_or_csrf_unsubscribes_in_one_request(workspace):
    delivery = sent_delivery(workspace, email="Hana@Example.com")
    client = Client(enforce_csrf_checks=True)  # a mail client: no cookie jar, no token

    response = one_click(client, delivery)

    assert response.status_code == 200
    assert suppressions(workspace) == [("hana@example.com", "unsubscribed")]
    assert fresh(delivery).unsubscribed_at is not None
    assert DeliveryEvent.objects.for_workspace(workspace).filter(delivery=delivery, kind="unsubscribed").count() == 1
    assert not client.cookies


def test_a_mail_client_retrying_the_post_changes_nothing_more(client, workspace):
    delivery = sent_delivery(workspace)
    one_click(client, delivery)
    first = fresh(delivery).unsubscribed_at

    assert one_click(client, delivery).status_code == 200
    assert fresh(delivery).unsubscribed_at == first
    assert DeliveryEvent.objects.for_workspace(workspace).filter(kind="unsubscribed").count() == 1


def test_one_click_as_multipart_form_data_works_too(client, workspace):
    delivery = sent_delivery(workspace)

    client.post(unsubscribe_path(delivery), data={"List-Unsubscribe": "One-Click"})

    assert suppressions(workspace) == [("hana@example.com", "unsubscribed")]


def test_get_only_shows_the_page_and_changes_nothing(client, workspace):
    delivery = sent_delivery(workspace)

    response = client.get(unsubscribe_path(delivery))
    client.head(unsubscribe_path(delivery))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="robots" content="noindex' in page and response["X-Robots-Tag"].startswith("noindex")
    assert 'data-state="subscribed"' in page and "hana@example.com" in page and "Acme" in page
    assert 'value="unsubscribe"' in page and 'value="subscribe"' in page
    assert "outbound/public.css" in page and "css/app.css" not in page  # no agent chrome
    assert "<script" not in page and 'style="' not in page
    assert suppressions(workspace) == [] and fresh(delivery).unsubscribed_at is None
    assert not DeliveryEvent.objects.for_workspace(workspace).exists()


def test_the_preference_form_unsubscribes_then_subscribes_again(client, workspace):
    delivery = sent_delivery(workspace)

    unsubscribed = client.post(unsubscribe_path(delivery), {"choice": "unsubscribe"})
    page = client.get(unsubscribe_path(delivery)).content.decode()
    resubscribed = client.post(unsubscribe_path(delivery), {"choice": "subscribe"})

    assert 'data-saved="unsubscribe"' in unsubscribed.content.decode()
    assert 'data-state="unsubscribed"' in page
    assert 'data-saved="subscribe"' in resubscribed.content.decode()
    assert 'data-state="subscribed"' in resubscribed.content.decode()
    assert suppressions(workspace) == [] and fresh(delivery).unsubscribed_at is None


def test_unsubscribing_covers_every_email_of_the_workspace_and_no_other_workspace(client, workspace, other_workspace):
    delivery = sent_delivery(workspace, email="hana@example.com")
    elsewhere = sent_delivery(other_workspace, email="hana@example.com")

    one_click(client, delivery)

    assert suppressions(workspace) == [("hana@example.com", "unsubscribed")]
    assert suppressions(other_workspace) == [] and fresh(elsewhere).unsubscribed_at is None


@pytest.mark.parametrize("reason", ["bounced", "complained"])
def test_subscribing_again_never_lifts_a_bounce_or_a_complaint(client, workspace, reason):
    delivery = sent_delivery(workspace)
    Suppression.objects.create(workspace=workspace, email="hana@example.com", reason=reason)

    page = client.get(unsubscribe_path(delivery)).content.decode()
    client.post(unsubscribe_path(delivery), {"choice": "subscribe"})
    one_click(client, delivery)

    assert f'data-state="{reason}"' in page and 'name="choice"' not in page
    assert suppressions(workspace) == [("hana@example.com", reason)]


def test_a_bounce_after_an_unsubscribe_outranks_it(workspace):
    delivery = sent_delivery(workspace)
    tracking_services.delivery_unsubscribed(delivery=delivery)

    tracking_services.delivery_bounced(delivery=delivery, hard=True)
    tracking_services.delivery_resubscribe(delivery=delivery)

    assert suppressions(workspace) == [("hana@example.com", "bounced")]


def test_a_token_reaches_its_own_address_only(client, workspace, other_workspace):
    mine = sent_delivery(workspace, email="mine@example.com")
    neighbour = sent_delivery(workspace, email="neighbour@example.com", message=mine.message)
    foreign = sent_delivery(other_workspace, email="foreign@example.com")

    one_click(client, mine, data_neighbour=neighbour.token)
    client.post(unsubscribe_path(mine), {"choice": "unsubscribe", "email": "neighbour@example.com",
                                         "token": neighbour.token, "workspace": other_workspace.pk})

    assert suppressions(workspace) == [("mine@example.com", "unsubscribed")]
    assert suppressions(other_workspace) == []
    assert fresh(neighbour).unsubscribed_at is None and fresh(foreign).unsubscribed_at is None


@pytest.mark.parametrize("token", [
    "0" * 32, "not-a-token", "%0d%0aSet-Cookie:%20a=1", "a" * 31, "A" * 32,
])
def test_unknown_tokens_are_404_for_get_and_post(client, workspace, token):
    sent_delivery(workspace)

    assert client.get(f"/e/u/{token}/").status_code == 404
    response = client.post(f"/e/u/{token}/", data=ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 404 and "Set-Cookie" not in response
    assert suppressions(workspace) == []


def test_header_injection_in_the_form_is_harmless(client, workspace):
    delivery = sent_delivery(workspace)

    response = client.post(unsubscribe_path(delivery), {"choice": "unsubscribe\r\nSet-Cookie: a=1",
                                                        "List-Unsubscribe": "One-Click\r\nX-Injected: 1"})

    assert response.status_code == 400 and "X-Injected" not in response and "Set-Cookie" not in response
    assert suppressions(workspace) == []


def test_an_unknown_choice_changes_nothing(client, workspace):
    delivery = sent_delivery(workspace)

    assert client.post(unsubscribe_path(delivery), {"choice": "everything"}).status_code == 400
    assert suppressions(workspace) == []


def test_the_page_speaks_the_recipients_language_else_the_workspaces(client, workspace):
    japanese = ContactFactory(workspace=workspace, role="user", email="kana@example.com", language="ja-JP")
    english = ContactFactory(workspace=workspace, role="user", email="john@example.com", language="en-US")
    unknown = ContactFactory(workspace=workspace, role="user", email="who@example.com", language="")
    workspace.default_language = "ja"
    workspace.save()

    def page(contact) -> str:  # type: ignore[no-untyped-def]
        return client.get(unsubscribe_path(sent_delivery(workspace, contact=contact)),
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="ja">' in page(japanese) and "メールの配信設定" in page(japanese)
    assert '<html lang="en">' in page(english) and "Email preferences" in page(english)
    assert '<html lang="ja">' in page(unknown)


def test_posts_are_throttled_per_address_with_retry_after(client, workspace, throttle_clock):
    delivery = sent_delivery(workspace)
    for _ in range(UNSUBSCRIBE_BY_IP.limit):
        client.post(unsubscribe_path(delivery), {"choice": "everything"})

    response = one_click(client, delivery)

    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert suppressions(workspace) == []
