from __future__ import annotations

import datetime as dt
import time

import jwt
import pytest

from contacts.models import AttributeDefinition, Company, Contact, ContactEventSummary, PageView
from inbox.models import Conversation
from messenger.identity import user_hash
from messenger.models import MessengerSession
from tests.messenger.conftest import Messenger

pytestmark = pytest.mark.django_db


def contacts(workspace):  # type: ignore[no-untyped-def]
    return Contact.objects.for_workspace(workspace)


class TestBoot:
    def test_an_anonymous_visitor_gets_a_stable_generated_name_in_their_language(self, messenger, demo_workspace):
        first = messenger.boot(language="ja-JP").json()
        assert first["contact"]["role"] == "visitor"
        assert "の" in first["contact"]["name"]  # 「東京の青いやかん」
        again = messenger.boot(language="ja-JP").json()
        assert again["contact"]["name"] == first["contact"]["name"]
        assert contacts(demo_workspace).count() == 1
        assert again["messenger"]["language"] == "ja"
        english = Messenger(demo_workspace.app_id).boot(language="en-GB").json()
        assert " from " in english["contact"]["name"]

    def test_language_override_wins_over_the_browser(self, messenger):
        assert messenger.boot({"language_override": "ja"}, language="en-US").json()["messenger"]["language"] == "ja"

    def test_tracks_the_visit(self, messenger, demo_workspace):
        messenger.boot(page={"url": "https://shop.example/plans", "title": "Plans", "referrer": "https://search.example/"},
                       HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                                       "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
        contact = contacts(demo_workspace).get()
        assert (contact.last_page_url, contact.last_page_title) == ("https://shop.example/plans", "Plans")
        assert contact.referrer == "https://search.example/"
        assert (contact.browser, contact.os, contact.device_type) == ("Mobile Safari", "iOS", "mobile")
        assert (contact.country, contact.city, contact.timezone) == ("Japan", "Tokyo", "Asia/Tokyo")
        assert contact.session_count == 1 and contact.page_view_count == 1 and contact.first_seen_at
        assert PageView.objects.for_workspace(demo_workspace).count() == 1

    def test_a_new_web_session_starts_after_thirty_idle_minutes(self, messenger, demo_workspace):
        messenger.boot()
        contacts(demo_workspace).update(last_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10))
        messenger.boot()
        assert contacts(demo_workspace).get().session_count == 1
        contacts(demo_workspace).update(last_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31))
        messenger.boot()
        assert contacts(demo_workspace).get().session_count == 2

    def test_custom_attributes_are_typed_on_first_sight(self, messenger, demo_workspace):
        response = messenger.boot({
            "plan": "Pro", "seats": 12, "trial": True, "renewal_at": 1767225600, "nested": {"no": 1},
            "company": {"company_id": "acme", "name": "Acme", "plan": "Gold", "employees": 40},
        }).json()
        contact = contacts(demo_workspace).get()
        assert contact.attributes == {"plan": "Pro", "seats": 12, "trial": True, "renewal_at": "2026-01-01T00:00:00+00:00"}
        types = dict(AttributeDefinition.objects.for_workspace(demo_workspace).filter(target="contact").values_list("key", "type"))
        assert types == {"plan": "string", "seats": "number", "trial": "boolean", "renewal_at": "date"}
        assert any("nested" in warning for warning in response["warnings"])
        company = Company.objects.for_workspace(demo_workspace).get()
        assert (company.name, company.plan, company.attributes) == ("Acme", "Gold", {"employees": 40})
        assert list(contact.companies.all()) == [company]
        # A value of another type later is dropped rather than coerced.
        messenger.boot({"seats": "many"})
        assert contacts(demo_workspace).get().attributes["seats"] == 12

    @pytest.mark.parametrize("settings", [None, "oops", 12, ["a"], {"email": "not-an-email", "created_at": "soon"}])
    def test_malformed_settings_boot_anyway_with_warnings(self, messenger, settings):
        body = messenger.boot(settings).json()
        assert body["session"]
        if settings is not None and settings != {}:
            assert body["warnings"]

    def test_unknown_app_id_and_bad_browser_id_are_refused(self, demo_workspace):
        Messenger("nope1234").boot(status=404)
        Messenger(demo_workspace.app_id, browser_id="../../etc").boot(status=400)

    def test_html_in_a_name_stays_text(self, messenger, demo_workspace):
        messenger.boot({"name": "<img src=x onerror=alert(1)>"})
        assert contacts(demo_workspace).get().name == "<img src=x onerror=alert(1)>"


class TestIdentity:
    def test_user_with_a_valid_hash(self, messenger, demo_workspace):
        proof = user_hash(secret=demo_workspace.identity_secret, subject="u-1")
        body = messenger.boot({"user_id": "u-1", "email": "Yuki@Example.com", "user_hash": proof, "name": "Yuki"}).json()
        contact = contacts(demo_workspace).get()
        assert (contact.role, contact.external_id, contact.email, contact.name) == ("user", "u-1", "yuki@example.com", "Yuki")
        assert body["contact"]["role"] == "user"
        assert MessengerSession.objects.for_workspace(demo_workspace).get().verified is True

    def test_hash_of_email_when_there_is_no_user_id(self, messenger, demo_workspace):
        proof = user_hash(secret=demo_workspace.identity_secret, subject="a@example.com")
        messenger.boot({"email": "a@example.com", "user_hash": proof})
        assert MessengerSession.objects.for_workspace(demo_workspace).get().verified is True

    @pytest.mark.parametrize("forged", ["", "0" * 64, "abc", "f" * 63, None])
    def test_a_missing_or_forged_hash_is_never_verified(self, messenger, demo_workspace, forged):
        settings = {"user_id": "u-1"}
        if forged is not None:
            settings["user_hash"] = forged
        messenger.boot(settings)
        assert MessengerSession.objects.for_workspace(demo_workspace).get().verified is False

    def test_when_required_an_unproven_identity_is_ignored(self, messenger, demo_workspace):
        demo_workspace.identity_verification_required = True
        demo_workspace.save()
        body = messenger.boot({"user_id": "u-1", "email": "victim@example.com", "user_hash": "0" * 64}).json()
        assert body["contact"]["role"] == "visitor"
        assert not contacts(demo_workspace).filter(external_id="u-1").exists()
        assert any("did not verify" in w for w in body["warnings"])

    def _jwt(self, workspace, **claims):  # type: ignore[no-untyped-def]
        payload = {"user_id": "u-9", "email": "jwt@example.com", "exp": int(time.time()) + 300, **claims}
        return jwt.encode(payload, workspace.identity_secret, algorithm="HS256")

    def test_a_valid_jwt_proves_and_its_signed_claims_win(self, messenger, demo_workspace):
        token = self._jwt(demo_workspace)
        messenger.boot({"intercom_user_jwt": token, "user_id": "someone-else", "email": "other@example.com"})
        session = MessengerSession.objects.for_workspace(demo_workspace).get()
        assert session.verified and session.contact.external_id == "u-9" and session.contact.email == "jwt@example.com"

    @pytest.mark.parametrize("kind", ["expired", "no-exp", "none-alg", "wrong-key", "hs512", "garbage"])
    def test_bad_jwts_are_refused(self, messenger, demo_workspace, kind):
        demo_workspace.identity_verification_required = True
        demo_workspace.save()
        secret = demo_workspace.identity_secret
        tokens = {
            "expired": self._jwt(demo_workspace, exp=int(time.time()) - 3600),
            "no-exp": jwt.encode({"user_id": "u-9"}, secret, algorithm="HS256"),
            "none-alg": jwt.encode({"user_id": "u-9", "exp": int(time.time()) + 300}, None, algorithm="none"),
            "wrong-key": jwt.encode({"user_id": "u-9", "exp": int(time.time()) + 300}, "x" * 40, algorithm="HS256"),
            "hs512": jwt.encode({"user_id": "u-9", "exp": int(time.time()) + 300}, secret, algorithm="HS512"),
            "garbage": "a.b.c",
        }
        body = messenger.boot({"intercom_user_jwt": tokens[kind], "user_id": "u-9"}).json()
        assert body["contact"]["role"] == "visitor"
        assert not contacts(demo_workspace).filter(external_id="u-9").exists()


class TestLifecycle:
    def test_starting_a_conversation_makes_a_visitor_a_lead(self, messenger, demo_workspace):
        messenger.boot()
        assert messenger.start("Hello?").status_code == 200
        assert contacts(demo_workspace).get().role == "lead"

    def test_leaving_an_email_makes_a_lead(self, messenger, demo_workspace):
        messenger.boot()
        messenger.post_json("/messenger/api/ping", {"settings": {"email": "lead@example.com"}, "page": {}})
        contact = contacts(demo_workspace).get()
        assert (contact.role, contact.email) == ("lead", "lead@example.com")

    def test_a_lead_who_logs_in_is_merged_into_the_user_with_both_histories(self, messenger, demo_workspace):
        proof = user_hash(secret=demo_workspace.identity_secret, subject="u-1")
        # The user already talked to the team from another browser.
        other = Messenger(demo_workspace.app_id)
        other.boot({"user_id": "u-1", "user_hash": proof})
        other.start("Earlier question")
        # Now, anonymously in this browser, then logging in.
        messenger.boot({"plan": "Free"})
        messenger.start("Question as a lead")
        messenger.post_json("/messenger/api/events", {"name": "viewed-pricing"})
        messenger.boot({"user_id": "u-1", "user_hash": proof})
        user = contacts(demo_workspace).get()  # exactly one contact remains
        assert user.role == "user" and user.attributes["plan"] == "Free"
        assert Conversation.objects.for_workspace(demo_workspace).filter(contact=user).count() == 2
        assert ContactEventSummary.objects.for_workspace(demo_workspace).get(contact=user).count == 1
        listing = messenger.get("/messenger/panel/conversations").content.decode()
        assert "Earlier question" in listing and "Question as a lead" in listing


class TestPingAndEvents:
    def test_a_single_page_update_records_a_page_view(self, messenger, demo_workspace):
        messenger.boot()
        response = messenger.post_json("/messenger/api/ping", {"page": {"url": "https://shop.example/pricing", "title": "Pricing"}})
        assert response.status_code == 200 and response.json()["unread_count"] == 0
        contact = contacts(demo_workspace).get()
        assert contact.page_view_count == 2 and contact.last_page_url == "https://shop.example/pricing"
        assert PageView.objects.for_workspace(demo_workspace).count() == 2

    def test_page_views_count_web_sessions_like_boot_does(self, messenger, demo_workspace):
        messenger.boot()
        contacts(demo_workspace).update(last_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31))
        messenger.post_json("/messenger/api/ping", {"page": {"url": "https://shop.example/a", "title": "A"}})
        messenger.post_json("/messenger/api/ping", {"page": {"url": "https://shop.example/b", "title": "B"}})
        contact = contacts(demo_workspace).get()
        assert (contact.session_count, contact.page_view_count, contact.last_page_title) == (2, 3, "B")

    def test_an_expired_session_must_boot_again(self, messenger, demo_workspace):
        messenger.boot()
        MessengerSession.objects.for_workspace(demo_workspace).update(
            expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
        assert messenger.post_json("/messenger/api/ping", {"page": {"url": "https://shop.example/"}}).status_code == 401
        assert messenger.get("/messenger/panel/home").status_code == 401

    def test_ping_with_attributes_updates_the_contact(self, messenger, demo_workspace):
        messenger.boot()
        body = messenger.post_json("/messenger/api/ping", {"settings": {"name": "Kenji", "tier": 3}, "page": {}}).json()
        assert body["contact"]["name"] == "Kenji"
        assert contacts(demo_workspace).get().attributes == {"tier": 3}

    def test_events_are_counted_with_first_and_last_time(self, messenger, demo_workspace):
        messenger.boot()
        for _ in range(3):
            assert messenger.post_json("/messenger/api/events", {"name": "exported", "metadata": {"rows": 10}}).status_code == 202
        summary = ContactEventSummary.objects.for_workspace(demo_workspace).get()
        assert summary.count == 3 and summary.first_at <= summary.last_at
        assert messenger.post_json("/messenger/api/events", {"name": ""}).status_code == 400

    def test_without_a_session_the_api_answers_401(self, messenger):
        assert messenger.post_json("/messenger/api/ping", {}).status_code == 401
        messenger.session = "forged-token"
        assert messenger.get("/messenger/api/unread").status_code == 401

    def test_bad_json_is_a_400(self, messenger):
        messenger.boot()
        response = messenger.client.post("/messenger/api/ping", "{not json", content_type="application/json", **messenger.headers())
        assert response.status_code == 400


class TestHttp:
    def test_cors_preflight_and_headers(self, messenger):
        preflight = messenger.client.options("/messenger/api/boot", HTTP_ORIGIN="https://shop.example",
                                             HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
        assert preflight.status_code == 204
        assert preflight["Access-Control-Allow-Origin"] == "*"
        assert "X-Parley-Session" in preflight["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in preflight

    def test_throttled_with_retry_after_and_no_database_write(self, messenger, demo_workspace, monkeypatch):
        from core.throttle import Throttle
        from messenger import http

        # A small limit and a long window, so the test neither sends 240 requests nor
        # straddles a window boundary.
        monkeypatch.setattr(http, "BY_SESSION", Throttle("messenger-session-test", 5, 3600))
        messenger.boot()
        for _ in range(5):
            assert messenger.get("/messenger/api/unread").status_code == 200
        views = PageView.objects.for_workspace(demo_workspace).count()
        over = messenger.post_json("/messenger/api/ping", {"page": {"url": "https://shop.example/x"}})
        assert over.status_code == 429 and int(over["Retry-After"]) >= 1
        assert PageView.objects.for_workspace(demo_workspace).count() == views

    def test_agent_cookies_are_ignored_on_messenger_paths(self, client_owner, demo_workspace):
        messenger = Messenger(demo_workspace.app_id, client=client_owner)
        response = messenger.boot()
        assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
        assert messenger.post_json("/messenger/api/ping", {}).status_code == 200  # token, not cookie

    def test_the_loader_is_served_at_intercoms_path_shape(self, client, demo_workspace):
        response = client.get(f"/widget/{demo_workspace.app_id}")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
        assert b"Intercom" in response.content
