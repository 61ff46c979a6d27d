from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from inbox import services as inbox_services
from inbox.models import Attachment, Conversation, ConversationPart
from messenger.identity import user_hash
from tests.messenger.conftest import Messenger
from workspaces.models import Membership

pytestmark = pytest.mark.django_db


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _file(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def _media_files() -> set[str]:
    from django.conf import settings

    return {str(path) for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "screenshot.png"
    return buffer


def test_the_panel_page_can_be_framed_by_any_site_and_needs_a_known_app(client, demo_workspace):
    response = client.get("/messenger/panel/", {"app_id": demo_workspace.app_id})
    assert response.status_code == 200
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert client.get("/messenger/panel/", {"app_id": "unknown1"}).status_code == 404


def test_home_shows_greeting_team_and_availability(messenger, demo_workspace):
    messenger.boot(language="ja")
    page = messenger.get("/messenger/panel/home").content.decode()
    assert "メッセージを送る" in page  # in the browser's language
    assert "HS" in page  # the teammate's initials (Hana Support)


def test_away_outside_office_hours(messenger, demo_workspace):
    from workspaces.models import OfficeHoursInterval

    import datetime as dt

    now = dt.datetime.now(demo_workspace.tzinfo)
    other_day = (now.weekday() + 3) % 7
    OfficeHoursInterval.objects.create(workspace=demo_workspace, weekday=other_day, opens_at="09:00", closes_at="10:00")
    messenger.boot()
    page = messenger.get("/messenger/panel/home").content.decode()
    assert "We&#x27;re away right now." in page or "We're away right now." in page


def test_start_a_conversation_then_reply_and_see_history(messenger, demo_workspace):
    messenger.boot()
    started = messenger.start("Where is my invoice?")
    assert started.status_code == 200 and "Where is my invoice?" in started.content.decode()
    conversation = Conversation.objects.for_workspace(demo_workspace).get()
    follow = messenger.post(f"/messenger/panel/conversations/{conversation.number}/messages", {"body": "Order 42"})
    assert follow.status_code == 200
    again = Messenger(demo_workspace.app_id, browser_id=messenger.browser_id)  # a reload: new boot, same browser
    again.boot()
    listing = again.get("/messenger/panel/conversations").content.decode()
    assert "Order 42" in listing
    thread = again.get(f"/messenger/panel/conversations/{conversation.number}").content.decode()
    assert "Where is my invoice?" in thread and "Order 42" in thread


def test_a_teammate_reply_is_unread_until_opened_and_arrives_by_polling(messenger, demo_workspace):
    messenger.boot()
    messenger.start("Hi")
    conversation = Conversation.objects.for_workspace(demo_workspace).get()
    last = ConversationPart.objects.for_workspace(demo_workspace).get()
    assert messenger.get(f"/messenger/panel/conversations/{conversation.number}/poll", after=str(last.pk)).status_code == 204
    agent = Membership.objects.for_workspace(demo_workspace).get()
    inbox_services.teammate_reply_create(conversation=conversation, membership=agent, body="Happy to help!")
    assert messenger.get("/messenger/api/unread").json() == {"unread_count": 1}
    polled = messenger.get(f"/messenger/panel/conversations/{conversation.number}/poll", after=str(last.pk))
    assert polled.status_code == 200 and "Happy to help!" in polled.content.decode()
    assert 'hx-swap-oob="true"' in polled.content.decode()
    assert messenger.get("/messenger/api/unread").json() == {"unread_count": 0}


def test_notes_never_reach_the_customer(messenger, demo_workspace):
    messenger.boot()
    messenger.start("Hi")
    conversation = Conversation.objects.for_workspace(demo_workspace).get()
    agent = Membership.objects.for_workspace(demo_workspace).get()
    ConversationPart.objects.create(workspace=demo_workspace, conversation=conversation, kind="note",
                                    author_membership=agent, body="internal: refund?")
    thread = messenger.get(f"/messenger/panel/conversations/{conversation.number}").content.decode()
    assert "internal: refund?" not in thread


def test_html_in_messages_is_shown_as_text(messenger, demo_workspace):
    messenger.boot()
    page = messenger.start('<img src=x onerror=alert(1)><script>alert(2)</script>').content.decode()
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_bad_messages_are_refused_with_a_message_in_the_panel(messenger, demo_workspace):
    messenger.boot()
    empty = messenger.start("   ")
    assert empty.status_code == 400 and "Write a message" in empty.content.decode()
    long = messenger.start("x" * 5001)
    assert long.status_code == 400 and "too long" in long.content.decode()
    fake = _file(b"<html><script>alert(1)</script></html>", "cat.png")
    not_a_picture = messenger.post("/messenger/panel/conversations/start", {"body": "", "file": fake})
    assert not_a_picture.status_code == 400 and "markup files can" in not_a_picture.content.decode()
    assert not Conversation.objects.for_workspace(demo_workspace).exists()


def test_an_image_is_re_encoded_and_served_inline_through_a_signed_address(messenger, demo_workspace, client):
    messenger.boot()
    page = messenger.post("/messenger/panel/conversations/start", {"body": "See this", "file": _png()}).content.decode()
    src = re.search(r'src="(/messenger/attachments/[^"]+)"', page).group(1)
    served = client.get(src)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == 'inline; filename="screenshot.jpg"'
    assert client.get(src.replace("/attachments/", "/attachments/x")).status_code == 404


class TestFiles:
    def test_a_pdf_is_stored_under_a_random_name_and_downloads_as_an_attachment(self, messenger, demo_workspace, client):
        messenger.boot()
        page = messenger.post("/messenger/panel/conversations/start", {"body": "", "file": _file(PDF, "invoice 42.pdf")})
        assert page.status_code == 200
        stored = Attachment.objects.for_workspace(demo_workspace).get()
        assert (stored.content_type, stored.filename, stored.size, stored.width) == ("application/pdf", "invoice 42.pdf", len(PDF), None)
        assert "invoice" not in stored.file.name and stored.file.name.endswith(".pdf")
        assert Conversation.objects.for_workspace(demo_workspace).get().preview == "📎 invoice 42.pdf"
        html = page.content.decode()
        assert '<span class="panel-file__name">invoice 42.pdf</span>' in html
        assert f'<span class="panel-file__size">{len(PDF)}\xa0bytes</span>' in html
        served = client.get(re.search(r'href="(/messenger/attachments/[^"]+)"', html).group(1))
        assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
        assert served["Content-Disposition"] == 'attachment; filename="invoice 42.pdf"'
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert b"".join(served.streaming_content) == PDF

    def test_a_teammates_file_shows_as_a_download_link_and_a_notes_never(self, messenger, demo_workspace, client):
        from core.uploads import prepare_upload

        messenger.boot()
        messenger.start("Can I get the manual?")
        conversation = Conversation.objects.for_workspace(demo_workspace).get()
        agent = Membership.objects.for_workspace(demo_workspace).get()
        inbox_services.teammate_reply_create(conversation=conversation, membership=agent, body="Here it is",
                                             attachment=prepare_upload(data=PDF, filename="manual.pdf"))
        inbox_services.note_create(conversation=conversation, membership=agent, body="",
                                   attachment=prepare_upload(data=PDF, filename="internal-pricing.pdf"))
        thread = messenger.get(f"/messenger/panel/conversations/{conversation.number}").content.decode()
        href = re.search(r'<a class="panel-file" href="([^"]+)" download="manual.pdf">', thread).group(1)
        assert client.get(href)["Content-Disposition"] == 'attachment; filename="manual.pdf"'
        assert "internal-pricing" not in thread

    def test_a_name_in_japanese_is_sent_the_rfc_5987_way(self, messenger, demo_workspace, client):
        messenger.boot()
        page = messenger.post("/messenger/panel/conversations/start", {"body": "見積もりです", "file": _file(b"a,b\n1,2\n", "見積書.csv")})
        served = client.get(re.search(r'href="(/messenger/attachments/[^"]+)"', page.content.decode()).group(1))
        assert served["Content-Disposition"] == "attachment; filename*=utf-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.csv"
        assert served["Content-Type"] == "text/csv; charset=utf-8"

    def test_a_refused_file_keeps_the_text_and_writes_nothing(self, messenger, demo_workspace):
        messenger.boot()
        messenger.start("Hi")
        conversation = Conversation.objects.for_workspace(demo_workspace).get()
        parts_before = ConversationPart.objects.for_workspace(demo_workspace).count()
        files_before = _media_files()
        response = messenger.post(
            f"/messenger/panel/conversations/{conversation.number}/messages",
            {"body": "Here is the tool", "file": _file(b"MZ\x90\x00" + b"\x00" * 60, "tool.pdf")},
        )
        html = response.content.decode()
        assert response.status_code == 400 and "Programs and scripts can" in html
        assert ">Here is the tool</textarea>" in html
        assert ConversationPart.objects.for_workspace(demo_workspace).count() == parts_before
        assert not Attachment.objects.for_workspace(demo_workspace).exists() and _media_files() == files_before

    def test_a_file_too_large_is_refused_in_the_visitors_language(self, messenger, demo_workspace, settings):
        settings.ATTACHMENT_MAX_BYTES = 100
        messenger.boot(language="ja")
        response = messenger.post("/messenger/panel/conversations/start", {"body": "重い", "file": _file(PDF * 10, "big.pdf")})
        assert response.status_code == 400 and "ファイルが大きすぎます" in response.content.decode()
        assert not Conversation.objects.for_workspace(demo_workspace).exists()


class TestWhoSeesWhat:
    def test_another_visitor_cannot_open_my_conversation(self, messenger, demo_workspace):
        messenger.boot()
        messenger.start("Private")
        number = Conversation.objects.for_workspace(demo_workspace).get().number
        stranger = Messenger(demo_workspace.app_id)
        stranger.boot()
        assert stranger.get(f"/messenger/panel/conversations/{number}").status_code == 404
        assert stranger.post(f"/messenger/panel/conversations/{number}/messages", {"body": "hi"}).status_code == 404
        assert stranger.get(f"/messenger/panel/conversations/{number}/poll", after="0").status_code == 404
        assert "Private" not in stranger.get("/messenger/panel/conversations").content.decode()

    def test_a_forged_hash_shows_nothing_of_the_users_history(self, demo_workspace):
        proof = user_hash(secret=demo_workspace.identity_secret, subject="u-1")
        real = Messenger(demo_workspace.app_id)
        real.boot({"user_id": "u-1", "user_hash": proof})
        real.start("My contract renewal")
        number = Conversation.objects.for_workspace(demo_workspace).get().number
        attacker = Messenger(demo_workspace.app_id)
        attacker.boot({"user_id": "u-1", "user_hash": "0" * 64})
        assert "My contract renewal" not in attacker.get("/messenger/panel/conversations").content.decode()
        assert attacker.get(f"/messenger/panel/conversations/{number}").status_code == 404
        # The real user, from any browser with proof, still sees it.
        elsewhere = Messenger(demo_workspace.app_id)
        elsewhere.boot({"user_id": "u-1", "user_hash": proof})
        assert "My contract renewal" in elsewhere.get("/messenger/panel/conversations").content.decode()

    def test_a_session_of_another_workspace_sees_nothing_here(self, messenger, demo_workspace, other_workspace):
        messenger.boot()
        messenger.start("Hello")
        number = Conversation.objects.for_workspace(demo_workspace).get().number
        outsider = Messenger(other_workspace.app_id)
        outsider.boot()
        assert outsider.get(f"/messenger/panel/conversations/{number}").status_code == 404


def test_closing_asks_for_a_rating_once(messenger, demo_workspace):
    from inbox.services import conversation_close

    messenger.boot()
    messenger.start("Thanks in advance")
    conversation = Conversation.objects.for_workspace(demo_workspace).get()
    agent = Membership.objects.for_workspace(demo_workspace).get()
    conversation_close(conversation=conversation, actor=agent)
    thread = messenger.get(f"/messenger/panel/conversations/{conversation.number}").content.decode()
    assert "How would you rate the help you got?" in thread
    rated = messenger.post(f"/messenger/panel/conversations/{conversation.number}/rate", {"rating": "5", "remark": "Quick!"})
    assert rated.status_code == 200 and "Thank you for your rating!" in rated.content.decode()
    conversation.refresh_from_db()
    assert (conversation.csat_rating, conversation.csat_remark) == (5, "Quick!")
    again = messenger.post(f"/messenger/panel/conversations/{conversation.number}/rate", {"rating": "1"})
    assert again.status_code == 400 and "already been rated" in again.content.decode()
    bad = Messenger(demo_workspace.app_id)
    bad.boot()
    assert bad.post(f"/messenger/panel/conversations/{conversation.number}/rate", {"rating": "1"}).status_code == 404


def test_a_rating_outside_1_to_5_is_refused(messenger, demo_workspace):
    from inbox.services import conversation_close

    messenger.boot()
    messenger.start("Hi")
    conversation = Conversation.objects.for_workspace(demo_workspace).get()
    conversation_close(conversation=conversation, actor=Membership.objects.for_workspace(demo_workspace).get())
    response = messenger.post(f"/messenger/panel/conversations/{conversation.number}/rate", {"rating": "9"})
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.csat_rating is None
