"""Private help centers: only identified users, arriving with the signed link the messenger
hands them, may read; everyone else gets a 403 page, and crawlers nothing at all."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from articles import access, services
from articles.models import ArticleView
from tests.articles.test_public_pages import make_help_center, publish, url
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_center(workspace):  # type: ignore[no-untyped-def]
    return make_help_center(workspace)


@pytest.fixture
def private(workspace, help_center):  # type: ignore[no-untyped-def]
    services.help_center_update(help_center=help_center, private=True)
    collection = services.collection_create(workspace=workspace, titles={"en": "Internal"}, descriptions={},
                                            icon="lock")
    content = publish(workspace, "en", "Enterprise SSO setup", "<p>Use your identity provider.</p>",
                      collection=collection)
    return {"help_center": help_center, "collection": collection, "content": content}


def _pages(private) -> list[str]:  # type: ignore[no-untyped-def]
    slug = private["help_center"].slug
    return [f"/help/{slug}/", f"/help/{slug}/en/", f"/help/{slug}/en/collections/{private['collection'].pk}",
            url(private["content"], private["help_center"]), f"/help/{slug}/en/search?q=sso",
            f"/help/{slug}/sitemap.xml"]


def _token(help_center, contact) -> str:  # type: ignore[no-untyped-def]
    return access.access_token_for(help_center=help_center, contact=contact)


def test_without_access_every_page_is_a_403_that_says_why(client: Client, private) -> None:
    for page in _pages(private):
        response = client.get(page)
        assert response.status_code == 403, page
        html = response.content.decode()
        assert "This help center is private" in html and "messenger" in html
        assert "Enterprise SSO" not in html
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
        assert "/messenger/loader.js" not in html
    response = client.post(f"/help/{private['help_center'].slug}/en/articles/{private['content'].article.number}"
                           "/reactions", {"reaction": "happy"})
    assert response.status_code == 403


def test_a_signed_link_sets_the_cookie_and_opens_every_page(client: Client, workspace, private) -> None:
    help_center = private["help_center"]
    contact = ContactFactory(workspace=workspace, role="user")
    address = url(private["content"], help_center)
    response = client.get(address, {"access": _token(help_center, contact), "utm_source": "messenger"})
    assert response.status_code == 302
    assert response["Location"] == f"{address}?utm_source=messenger"  # the token is gone from the address
    cookie = response.cookies[access.cookie_name(help_center)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == f"/help/{help_center.slug}/"
    for page in _pages(private)[1:]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert b"Enterprise SSO setup" in client.get(address).content
    assert ArticleView.objects.for_workspace(workspace).filter(contact=contact).exists()
    # Crawlers get nothing, even from a reader's browser.
    sitemap = client.get(f"/help/{help_center.slug}/sitemap.xml").content.decode()
    assert "<url>" not in sitemap
    robots = client.get(f"/help/{help_center.slug}/robots.txt").content.decode()
    assert f"Disallow: /help/{help_center.slug}/" in robots and "Sitemap" not in robots


def _refused(client: Client, private, token: str) -> None:  # type: ignore[no-untyped-def]
    page = f"/help/{private['help_center'].slug}/en/"
    response = client.get(page, {"access": token})
    assert response.status_code == 403 and access.cookie_name(private["help_center"]) not in {
        name for name, morsel in response.cookies.items() if morsel.value}
    client.cookies[access.cookie_name(private["help_center"])] = token
    response = client.get(page)
    assert response.status_code == 403
    assert response.cookies[access.cookie_name(private["help_center"])].value == ""  # forgotten


def test_forged_expired_and_foreign_tokens_are_refused(client: Client, workspace, other_workspace, private,
                                                       monkeypatch) -> None:
    help_center = private["help_center"]
    contact = ContactFactory(workspace=workspace, role="user")
    genuine = _token(help_center, contact)
    _refused(Client(), private, genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB"))
    _refused(Client(), private, signing.dumps([help_center.pk, contact.pk], salt="another.salt", compress=True))
    _refused(Client(), private, "not-a-token")
    # Signed two days ago: past the one-day lifetime.
    two_days_ago = time.time() - 2 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: two_days_ago)
    expired = _token(help_center, contact)
    monkeypatch.undo()
    _refused(Client(), private, expired)
    # A token for another help center, even one whose contact id exists here.
    theirs = services.help_center_for(workspace=other_workspace)
    outsider = ContactFactory(workspace=other_workspace, role="user")
    _refused(Client(), private, _token(theirs, outsider))


def test_the_contact_must_still_exist_and_be_a_user(client: Client, workspace, private) -> None:
    help_center = private["help_center"]
    lead = ContactFactory(workspace=workspace, role="lead")
    _refused(Client(), private, _token(help_center, lead))
    gone = ContactFactory(workspace=workspace, role="user")
    token = _token(help_center, gone)
    gone.delete()
    _refused(Client(), private, token)


def test_a_public_help_center_ignores_a_bad_token_and_drops_it_from_the_address(client: Client, workspace,
                                                                                 help_center) -> None:
    response = client.get(f"/help/{help_center.slug}/en/", {"access": "forged"})
    assert response.status_code == 302 and response["Location"] == f"/help/{help_center.slug}/en/"
    assert not any(morsel.value for morsel in response.cookies.values())
    assert "X-Robots-Tag" not in client.get(f"/help/{help_center.slug}/en/")
