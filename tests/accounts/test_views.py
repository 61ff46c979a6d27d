from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SIGN_IN = "/accounts/sign-in/"


class TestSignIn:
    def test_signs_in_with_email_in_any_case_and_rotates_the_session(self, client, owner):
        client.get(SIGN_IN)
        client.cookies["sessionid"] = "planted-by-an-attacker"
        response = client.post(SIGN_IN, {"email": owner.user.email.upper(), "password": TEST_PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.cookies["sessionid"].value != "planted-by-an-attacker"
        assert client.get("/")["Location"] == "/w/acme/inbox/"

    def test_wrong_password_re_renders_with_a_message(self, client, owner):
        response = client.post(SIGN_IN, {"email": owner.user.email, "password": "wrong"})
        assert response.status_code == 400
        assert b"do not match an account" in response.content
        assert owner.user.email.encode() in response.content  # what was typed stays

    def test_the_stored_hash_is_not_a_password(self, client, owner):
        owner.user.refresh_from_db()
        response = client.post(SIGN_IN, {"email": owner.user.email, "password": owner.user.password})
        assert response.status_code == 400

    def test_unknown_and_known_addresses_get_the_same_answer(self, client, owner):
        known = client.post(SIGN_IN, {"email": owner.user.email, "password": "wrong"})
        unknown = client.post(SIGN_IN, {"email": "nobody@example.com", "password": "wrong"})
        assert known.status_code == unknown.status_code
        assert b"do not match an account" in unknown.content

    def test_repeated_failures_are_throttled_even_with_the_right_password(self, client, owner, throttle_clock):
        for _ in range(5):
            client.post(SIGN_IN, {"email": owner.user.email, "password": "wrong"})
        response = client.post(SIGN_IN, {"email": owner.user.email, "password": TEST_PASSWORD})
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert b"Too many attempts" in response.content
        assert "_auth_user_id" not in client.session

    def test_throttling_one_address_leaves_others_alone(self, client, owner, agent):
        for _ in range(5):
            client.post(SIGN_IN, {"email": owner.user.email, "password": "wrong"})
        response = client.post(SIGN_IN, {"email": agent.user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302

    def test_next_is_followed_only_on_this_site(self, client, owner):
        ok = client.post(SIGN_IN + "?next=/w/acme/contacts/", {"email": owner.user.email, "password": TEST_PASSWORD})
        assert ok["Location"] == "/w/acme/contacts/"
        other = Client()
        evil = other.post(SIGN_IN + "?next=https://evil.example/", {"email": owner.user.email, "password": TEST_PASSWORD})
        assert evil["Location"] == "/"

    def test_sign_out_is_post_only(self, client_owner):
        assert client_owner.get("/accounts/sign-out/").status_code == 405
        assert client_owner.get("/w/acme/inbox/").status_code == 200
        client_owner.post("/accounts/sign-out/")
        assert client_owner.get("/w/acme/inbox/").status_code == 302

    def test_csrf_is_enforced(self, owner):
        client = Client(enforce_csrf_checks=True)
        response = client.post(SIGN_IN, {"email": owner.user.email, "password": TEST_PASSWORD})
        assert response.status_code == 403


class TestPasswordReset:
    def test_the_whole_reset_flow_and_the_link_works_once(self, client, owner):
        response = client.post("/accounts/password-reset/", {"email": owner.user.email})
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert len(mail.outbox) == 1
        link = re.search(r"https?://[^/]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
        form_page = client.get(link, follow=True)
        assert b"Choose a new password" in form_page.content
        set_url = form_page.redirect_chain[-1][0]
        done = client.post(set_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
        assert done["Location"] == reverse("accounts:password_reset_complete")
        assert Client().post(SIGN_IN, {"email": owner.user.email, "password": "a-brand-new-passphrase"}).status_code == 302
        again = Client().get(link, follow=True)
        assert b"no longer works" in again.content

    def test_unknown_addresses_look_the_same_and_get_no_mail(self, client):
        response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
        assert response["Location"] == reverse("accounts:password_reset_done")
        assert mail.outbox == []

    def test_reset_requests_are_throttled(self, client, owner, throttle_clock):
        for _ in range(3):
            client.post("/accounts/password-reset/", {"email": owner.user.email})
        response = client.post("/accounts/password-reset/", {"email": owner.user.email})
        assert response.status_code == 429 and "Retry-After" in response
        assert len(mail.outbox) == 3


def _png(width: int = 300, height: int = 200) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "me.png"
    return buffer


class TestProfile:
    def test_updates_name_language_away_and_avatar(self, client_agent, agent):
        response = client_agent.post(
            "/accounts/profile/", {"name": "Aiko Sato", "language": "ja", "is_away": "on", "avatar": _png()}
        )
        assert response.status_code == 302
        agent.user.refresh_from_db()
        assert (agent.user.name, agent.user.language, agent.user.is_away) == ("Aiko Sato", "ja", True)
        served = client_agent.get(agent.user.avatar.url)
        assert served.status_code == 200
        image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        assert image.size == (256, 256) and image.format == "PNG"

    def test_a_non_image_is_refused(self, client_agent, agent):
        fake = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
        fake.name = "evil.png"
        response = client_agent.post("/accounts/profile/", {"name": "Aiko", "language": "en", "avatar": fake})
        assert response.status_code == 400 and b"valid image" in response.content
        agent.user.refresh_from_db()
        assert not agent.user.avatar

    def test_mass_assignment_is_ignored(self, client_agent, agent):
        client_agent.post("/accounts/profile/", {
            "name": "Aiko", "language": "en", "email": "boss@example.com", "is_staff": "on",
            "is_superuser": "on", "password": "x", "role": "owner",
        })
        agent.user.refresh_from_db()
        agent.refresh_from_db()
        assert agent.user.email != "boss@example.com"
        assert not agent.user.is_staff and not agent.user.is_superuser and agent.role == "agent"

    def test_an_unknown_language_is_refused(self, client_agent):
        assert client_agent.post("/accounts/profile/", {"name": "A", "language": "xx"}).status_code == 400


class TestLanguage:
    def test_the_browser_language_is_used_before_sign_in(self, client):
        response = client.get(SIGN_IN, HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")
        assert response["Content-Language"] == "ja"
        assert '<html lang="ja">' in response.content.decode()

    def test_a_teammate_sees_their_own_language_whatever_the_browser_says(self, client, workspace):
        from tests.factories import MembershipFactory

        membership = MembershipFactory(workspace=workspace, user__language="ja")
        client.force_login(membership.user)
        response = client.get("/w/acme/inbox/", HTTP_ACCEPT_LANGUAGE="en")
        assert response["Content-Language"] == "ja"
        english = Client()
        english.force_login(UserFactory(language="en"))
        assert english.get("/workspaces/new/", HTTP_ACCEPT_LANGUAGE="ja")["Content-Language"] == "en"
