"""Reactions on public articles: one per reader (an identified contact, or an anonymous
browser known by a hashed cookie), the latest choice wins, a 😞 offers a conversation, and
each address is throttled."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from articles import access, public_views, services
from articles.models import ArticleReaction, ArticleView
from core.throttle import Throttle
from tests.articles.test_public_pages import make_help_center, publish, url
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_center(workspace):  # type: ignore[no-untyped-def]
    return make_help_center(workspace)


@pytest.fixture
def content(workspace, help_center):  # type: ignore[no-untyped-def]
    return publish(workspace, "en", "Exporting your invoices", "<p>From Settings, Billing.</p>")


def _react_url(help_center, content, language: str = "en") -> str:  # type: ignore[no-untyped-def]
    return f"/help/{help_center.slug}/{language}/articles/{content.article.number}/reactions"


def _reactions(workspace):  # type: ignore[no-untyped-def]
    return list(ArticleReaction.objects.for_workspace(workspace).values_list("reader_key", "contact_id", "reaction"))


def test_an_anonymous_reader_reacts_once_and_can_change_their_mind(client: Client, workspace, help_center,
                                                                   content) -> None:
    response = client.post(_react_url(help_center, content), {"reaction": "happy"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    cookie = response.cookies["hc_reader"]
    assert cookie["httponly"] and cookie["path"] == "/help/"
    expected_key = "b:" + hashlib.sha256(cookie.value.encode()).hexdigest()[:32]
    assert _reactions(workspace) == [(expected_key, None, "happy")]
    assert cookie.value not in expected_key  # only a hash of the cookie is kept
    response = client.post(_react_url(help_center, content), {"reaction": "disappointed"},
                           headers={"HX-Request": "true"})
    assert "hc_reader" not in response.cookies  # the same browser, the same key
    assert _reactions(workspace) == [(expected_key, None, "disappointed")]
    # Another browser is another reader.
    Client().post(_react_url(help_center, content), {"reaction": "neutral"}, headers={"HX-Request": "true"})
    assert sorted(r[2] for r in _reactions(workspace)) == ["disappointed", "neutral"]


def test_a_sad_face_offers_a_conversation(client: Client, help_center, content) -> None:
    html = client.post(_react_url(help_center, content), {"reaction": "disappointed"},
                       headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<section id="reactions"')  # the fragment only
    assert "Start a conversation" in html and "data-hc-messenger" in html
    assert 'value="disappointed" class="hc-reaction is-chosen"' in html and 'aria-pressed="true"' in html
    html = client.post(_react_url(help_center, content), {"reaction": "happy"},
                       headers={"HX-Request": "true"}).content.decode()
    assert "Start a conversation" not in html and "Thanks for letting us know" in html


def test_without_javascript_the_form_posts_and_comes_back(client: Client, workspace, help_center, content) -> None:
    response = client.post(_react_url(help_center, content), {"reaction": "disappointed"})
    assert response.status_code == 303
    assert response["Location"] == f"{url(content, help_center)}?reacted=disappointed#reactions"
    html = client.get(response["Location"]).content.decode()
    assert "Start a conversation" in html
    # Coming back from the reaction is not a second view.
    assert not ArticleView.objects.for_workspace(workspace).exists()


def test_an_identified_reader_reacts_as_their_contact(workspace, help_center, content) -> None:
    contact = ContactFactory(workspace=workspace, role="user")
    client = Client()
    client.cookies[access.cookie_name(help_center)] = access.access_token_for(help_center=help_center,
                                                                              contact=contact)
    client.post(_react_url(help_center, content), {"reaction": "neutral"})
    client.post(_react_url(help_center, content), {"reaction": "happy"})
    assert _reactions(workspace) == [(f"c:{contact.pk}", contact.pk, "happy")]


def test_bad_reactions_and_unpublished_articles(client: Client, workspace, other_workspace, help_center,
                                                content) -> None:
    assert client.post(_react_url(help_center, content), {"reaction": "angry"}).status_code == 400
    assert client.post(_react_url(help_center, content), {}).status_code == 400
    assert client.post(_react_url(help_center, content, "ja"), {"reaction": "happy"}).status_code == 404
    draft = services.article_create(workspace=workspace, author=None, language="en", title="Draft")
    assert client.post(_react_url(help_center, draft), {"reaction": "happy"}).status_code == 404
    theirs = publish(other_workspace, "en", "Theirs")
    for _ in range(3):
        theirs = publish(other_workspace, "en", "Theirs again")
    assert client.post(_react_url(help_center, theirs), {"reaction": "happy"}).status_code == 404
    assert client.get(_react_url(help_center, content)).status_code == 405
    assert _reactions(workspace) == []


def test_csrf_is_required(workspace, help_center, content) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(_react_url(help_center, content), {"reaction": "happy"}).status_code == 403
    assert _reactions(workspace) == []


def test_reactions_are_throttled_per_address(client: Client, workspace, help_center, content, monkeypatch,
                                             throttle_clock) -> None:
    monkeypatch.setattr(public_views, "REACTIONS_BY_IP", Throttle("help-reactions-ip-test", 2, 60))
    for reaction in ("happy", "neutral"):
        assert client.post(_react_url(help_center, content), {"reaction": reaction}).status_code == 303
    response = Client().post(_react_url(help_center, content), {"reaction": "disappointed"})
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert [r[2] for r in _reactions(workspace)] == ["neutral"]
    # Another address is not held back.
    assert Client(REMOTE_ADDR="203.0.113.9").post(_react_url(help_center, content),
                                                  {"reaction": "happy"}).status_code == 303
