"""Email conversations: unread teammate replies are emailed, answers thread back through
the anymail inbound webhook (Postmark's format, Basic auth), and new conversations start
from mail to the workspace's address. Poisonous mail is quarantined, never blocking."""

from __future__ import annotations

import base64
import email
import io
import json
from email import policy

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from inbox import services
from inbox.email_addresses import (
    conversation_id_verified,
    conversation_reply_address,
    formatted_address,
    workspace_address,
)
from inbox.email_text import html_to_text, reply_text
from inbox.inbound_email import inbound_email_process, inbound_emails_sweep
from inbox.models import Conversation, ConversationPart, InboundEmail, ReplyEmail
from inbox.reply_emails import reply_email_deliver, reply_emails_sweep
from tests.factories import ContactFactory, conversation_create
from tests.servers import free_port

pytestmark = pytest.mark.django_db

WEBHOOK = "/anymail/postmark/inbound/"
AUTH = "Basic " + base64.b64encode(b"hook:test-secret").decode()


def postmark_payload(
    *, to: str, sender: str = "kana@example.com", subject: str = "Help", text: str = "Hello",
    html: str = "", message_id: str = "<m1@example.com>", headers: list[dict] | None = None,
    attachments: list[dict] | None = None, name: str = "Kana Sato",
) -> dict:
    return {
        "FromFull": {"Email": sender, "Name": name},
        "ToFull": [{"Email": to, "Name": ""}],
        "Subject": subject,
        "TextBody": text,
        "HtmlBody": html,
        "MessageID": f"pm-{message_id}",
        "OriginalRecipient": to,
        "Headers": [{"Name": "Message-ID", "Value": message_id}, *(headers or [])],
        "Attachments": attachments or [],
    }


def post(client: Client, payload: dict, auth: str | None = AUTH):  # type: ignore[no-untyped-def]
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(WEBHOOK, data=json.dumps(payload), content_type="application/json", **extra)


def teammate_reply(conversation, membership, body="Try restarting it."):  # type: ignore[no-untyped-def]
    return services.teammate_reply_create(conversation=conversation, membership=membership, body=body)


class TestText:
    def test_html_becomes_text_without_markup_or_scripts(self):
        html = (
            "<style>p{color:red}</style><p>Hi <b>there</b></p><script>alert(1)</script>"
            "<img src=x onerror=alert(1)><div>Line&nbsp;two &amp; more</div>"
            '<div class="gmail_quote"><p>old message</p></div>'
        )
        assert html_to_text(html) == "Hi there\n\nLine two & more"

    @pytest.mark.parametrize("quote_header", [
        "On Tue, Dec 1, 2026 at 10:00 AM Acme <support@acme.test> wrote:",
        "2026年12月1日(火) 10:00 Acme <support@acme.test>:",
        "-----Original Message-----",
        "From: Acme Support <support@acme.test>",
    ])
    def test_the_quoted_history_is_cut_off(self, quote_header):
        body = f"Thanks, that fixed it!\n\n{quote_header}\n> Try restarting it.\n"
        assert reply_text(body) == "Thanks, that fixed it!"

    def test_a_signature_is_cut_and_inline_answers_are_kept(self):
        assert reply_text("Yes please\n-- \nKana Sato\nAcme Corp") == "Yes please"
        inline = "> Which plan?\nThe Pro plan\n> Since when?\nMonday"
        assert reply_text(inline) == inline


class TestAddresses:
    def test_reply_addresses_are_signed_per_workspace(self, workspace, other_workspace):
        address = conversation_reply_address(workspace=workspace, conversation_id=42)
        assert address.startswith(workspace.app_id + "+42-") and address.endswith("@mail.parley.test")
        assert conversation_id_verified(address=address, workspace=workspace) == 42
        assert conversation_id_verified(address=address, workspace=other_workspace) is None
        assert conversation_id_verified(address=address.replace("+42-", "+43-"), workspace=workspace) is None

    def test_a_display_name_cannot_add_headers(self):
        formatted = formatted_address(name="Eve\r\nBcc: victim@example.com", address="eve@example.com")
        assert "\n" not in formatted and "\r" not in formatted
        assert formatted.endswith("<eve@example.com>")


class TestReplyEmails:
    def test_an_unread_reply_is_emailed_once_with_a_reply_address(self, workspace, agent, mailoutbox, eager_celery,
                                                                   django_capture_on_commit_callbacks):
        conversation = conversation_create(workspace=workspace, contact=ContactFactory(workspace=workspace, name="Kana"))
        with django_capture_on_commit_callbacks(execute=True):
            part = teammate_reply(conversation, agent)
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [f"Kana <{conversation.contact.email}>"]
        assert message.reply_to == [conversation_reply_address(workspace=workspace, conversation_id=conversation.pk)]
        assert "Try restarting it." in message.body
        assert "Aiko Agent" in message.from_email and "Acme" in message.from_email
        email_row = ReplyEmail.objects.for_workspace(workspace).get()
        assert email_row.status == "sent" and message.extra_headers["Message-ID"] == email_row.message_id
        # A duplicated or retried task finds the row sent and sends nothing more.
        assert reply_email_deliver(workspace_id=workspace.pk, part_id=part.pk) == "sent"
        assert len(mailoutbox) == 1

    def test_a_reply_the_customer_read_is_not_emailed(self, workspace, agent, mailoutbox):
        conversation = conversation_create(workspace=workspace)
        part = teammate_reply(conversation, agent)
        conversation.refresh_from_db()
        services.conversation_read_by_customer(conversation=conversation)
        assert reply_email_deliver(workspace_id=workspace.pk, part_id=part.pk) == "skipped"
        assert mailoutbox == [] and not ReplyEmail.objects.for_workspace(workspace).exists()

    def test_replies_waiting_together_go_in_one_email(self, workspace, agent, mailoutbox):
        conversation = conversation_create(workspace=workspace)
        first = teammate_reply(conversation, agent, body="First answer")
        second = teammate_reply(conversation, agent, body="Second answer")
        assert reply_email_deliver(workspace_id=workspace.pk, part_id=first.pk) == "sent"
        assert reply_email_deliver(workspace_id=workspace.pk, part_id=second.pk) == "sent"
        assert len(mailoutbox) == 1
        assert "First answer" in mailoutbox[0].body and "Second answer" in mailoutbox[0].body

    def test_no_address_no_email(self, workspace, agent, mailoutbox):
        conversation = conversation_create(workspace=workspace, contact=ContactFactory(workspace=workspace, email=""))
        part = teammate_reply(conversation, agent)
        assert reply_email_deliver(workspace_id=workspace.pk, part_id=part.pk) == "skipped"
        assert mailoutbox == []

    def test_a_mail_server_that_is_down_is_retried_then_marked_failed_visibly(self, workspace, agent, settings,
                                                                            client_agent):
        from inbox.reply_emails import TransientSendError

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
        conversation = conversation_create(workspace=workspace)
        part = teammate_reply(conversation, agent)
        with pytest.raises(TransientSendError):
            reply_email_deliver(workspace_id=workspace.pk, part_id=part.pk)
        row = ReplyEmail.objects.for_workspace(workspace).get()
        assert (row.status, row.attempts, row.locked_until) == ("pending", 1, None)
        assert reply_email_deliver(workspace_id=workspace.pk, part_id=part.pk, final_attempt=True) == "failed"
        row.refresh_from_db()
        assert row.status == "failed" and row.error
        page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
        assert f"Could not email {conversation.contact.email}" in page
        assert "is-failed" in page

    def test_the_sweep_picks_up_a_send_whose_worker_died(self, workspace, agent, mailoutbox, eager_celery):
        from inbox.reply_emails import reply_email_prepare

        conversation = conversation_create(workspace=workspace)
        part = teammate_reply(conversation, agent)
        row = reply_email_prepare(workspace_id=workspace.pk, part_id=part.pk)
        # As if a worker claimed it and was killed: the lease has run out, nothing was sent.
        ReplyEmail.objects.for_workspace(workspace).filter(pk=row.pk).update(
            attempts=1, locked_until=timezone.now() - timezone.timedelta(seconds=1),
            created_at=timezone.now() - timezone.timedelta(minutes=10),
        )
        assert reply_emails_sweep() == 1
        row.refresh_from_db()
        assert row.status == "sent" and len(mailoutbox) == 1


class TestInbound:
    def test_an_email_to_the_workspace_starts_a_conversation_with_a_new_lead(self, workspace, client, eager_celery,
                                                                           django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, postmark_payload(to=workspace_address(workspace), subject="Invoice missing",
                                                     text="Where is my invoice?\n\nOn Mon, Kana wrote:\n> old"))
        assert response.status_code == 200
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        assert receipt.status == "started" and receipt.provider == "postmark"
        conversation = receipt.conversation
        assert (conversation.source, conversation.subject) == ("email", "Invoice missing")
        assert conversation.contact.email == "kana@example.com" and conversation.contact.role == "lead"
        assert conversation.contact.name == "Kana Sato"
        part = ConversationPart.objects.for_workspace(workspace).get(conversation=conversation)
        assert part.body == "Where is my invoice?" and part.inbound_email_id == receipt.pk

    def test_an_answer_to_our_email_threads_into_the_conversation(self, workspace, agent, client, mailoutbox,
                                                                eager_celery, django_capture_on_commit_callbacks):
        contact = ContactFactory(workspace=workspace, email="kana@example.com")
        conversation = conversation_create(workspace=workspace, contact=contact)
        with django_capture_on_commit_callbacks(execute=True):
            teammate_reply(conversation, agent)
        reply_to = mailoutbox[0].reply_to[0]
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(to=reply_to, sender="KANA@example.com", text="It works now, thanks",
                                          message_id="<answer@example.com>"))
        conversation.refresh_from_db()
        last = ConversationPart.objects.for_workspace(workspace).filter(conversation=conversation).last()
        assert (last.kind, last.body) == ("customer", "It works now, thanks")
        assert InboundEmail.objects.for_workspace(workspace).get().status == "threaded"
        assert Conversation.objects.for_workspace(workspace).count() == 1

    def test_in_reply_to_threads_when_the_reply_address_was_lost(self, workspace, agent, client, mailoutbox,
                                                               eager_celery, django_capture_on_commit_callbacks):
        conversation = conversation_create(workspace=workspace, contact=ContactFactory(workspace=workspace, email="kana@example.com"))
        with django_capture_on_commit_callbacks(execute=True):
            teammate_reply(conversation, agent)
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(
                to=workspace_address(workspace), text="Answer", message_id="<a2@example.com>",
                headers=[{"Name": "In-Reply-To", "Value": mailoutbox[0].extra_headers["Message-ID"]}],
            ))
        assert InboundEmail.objects.for_workspace(workspace).get().conversation_id == conversation.pk

    def test_someone_else_using_the_reply_address_starts_their_own_conversation(
        self, workspace, agent, client, mailoutbox, eager_celery, django_capture_on_commit_callbacks
    ):
        conversation = conversation_create(workspace=workspace, contact=ContactFactory(workspace=workspace, email="kana@example.com"))
        with django_capture_on_commit_callbacks(execute=True):
            teammate_reply(conversation, agent)
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(to=mailoutbox[0].reply_to[0], sender="mallory@example.com", text="Let me in"))
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        assert receipt.status == "started" and receipt.conversation_id != conversation.pk
        assert not ConversationPart.objects.for_workspace(workspace).filter(conversation=conversation, body="Let me in").exists()

    def test_another_workspaces_reply_address_does_not_thread_here(self, workspace, other_workspace, client,
                                                                   eager_celery, django_capture_on_commit_callbacks):
        theirs = conversation_create(workspace=other_workspace, contact=ContactFactory(workspace=other_workspace, email="kana@example.com"))
        forged = conversation_reply_address(workspace=other_workspace, conversation_id=theirs.pk).replace(
            other_workspace.app_id, workspace.app_id
        )
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(to=forged, text="Hello"))
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        assert receipt.status == "started" and receipt.conversation.workspace_id == workspace.pk
        assert ConversationPart.objects.for_workspace(other_workspace).filter(conversation=theirs).count() == 1

    def test_a_replayed_delivery_changes_nothing(self, workspace, client, eager_celery, django_capture_on_commit_callbacks):
        payload = postmark_payload(to=workspace_address(workspace))
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(5):
                assert post(client, payload).status_code == 200
        assert InboundEmail.objects.for_workspace(workspace).count() == 1
        assert ConversationPart.objects.for_workspace(workspace).count() == 1

    def test_without_the_webhook_secret_nothing_is_received(self, workspace, client):
        payload = postmark_payload(to=workspace_address(workspace))
        assert post(client, payload, auth=None).status_code == 400
        assert post(client, payload, auth="Basic " + base64.b64encode(b"hook:wrong").decode()).status_code == 400
        assert not InboundEmail.objects.for_workspace(workspace).exists()

    def test_mail_for_no_workspace_is_accepted_and_dropped(self, workspace, client):
        assert post(client, postmark_payload(to="nobody@mail.parley.test")).status_code == 200
        assert post(client, postmark_payload(to="someone@elsewhere.test")).status_code == 200
        assert not InboundEmail.objects.for_workspace(workspace).exists()

    def test_html_mail_is_stored_as_harmless_text(self, workspace, client, client_agent, eager_celery,
                                                  django_capture_on_commit_callbacks):
        html = '<p>Broken <img src=x onerror=alert(1)><script>alert(2)</script><a href="javascript:alert(3)">link</a></p>'
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(to=workspace_address(workspace), text="", html=html))
        part = ConversationPart.objects.for_workspace(workspace).get()
        assert part.body == "Broken link"
        page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{part.conversation.number}/").content.decode()
        assert "onerror" not in page and "javascript:alert" not in page

    def test_automatic_replies_are_ignored(self, workspace, client, eager_celery, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(to=workspace_address(workspace), text="I am on holiday",
                                          headers=[{"Name": "Auto-Submitted", "Value": "auto-replied"}]))
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        assert receipt.status == "ignored" and receipt.conversation is None
        assert not Conversation.objects.for_workspace(workspace).exists()

    def test_a_poisonous_message_is_quarantined_and_later_mail_keeps_flowing(
        self, workspace, client, eager_celery, django_capture_on_commit_callbacks, settings
    ):
        settings.INBOUND_EMAIL_MAX_ATTACHMENTS = 20
        many = [{"Name": f"f{i}.txt", "ContentType": "text/plain", "Content": base64.b64encode(b"x").decode()}
                for i in range(200)]
        with django_capture_on_commit_callbacks(execute=True):
            post(client, postmark_payload(to=workspace_address(workspace), attachments=many, message_id="<bomb@x>"))
            post(client, postmark_payload(to=workspace_address(workspace), text="A normal question", message_id="<ok@x>"))
        statuses = dict(InboundEmail.objects.for_workspace(workspace).values_list("message_id", "status"))
        assert statuses == {"<bomb@x>": "quarantined", "<ok@x>": "started"}
        assert ConversationPart.objects.for_workspace(workspace).get().body == "A normal question"

    def test_an_oversized_message_is_quarantined_without_keeping_it(self, workspace, settings):
        settings.INBOUND_EMAIL_MAX_BYTES = 2000
        raw = f"From: kana@example.com\r\nTo: {workspace_address(workspace)}\r\nSubject: big\r\n\r\n" + "x" * 5000
        call_command("inbound_email", stdin=io.BytesIO(raw.encode()), stdout=io.StringIO())
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        assert receipt.status == "quarantined" and receipt.raw in (b"", memoryview(b"")) and receipt.size > 2000

    def test_a_mail_server_can_pipe_raw_messages_in(self, workspace, capsys):
        raw = (
            f"From: Kana <kana@example.com>\r\nTo: {workspace_address(workspace)}\r\nSubject: =?utf-8?b?"
            f"{base64.b64encode('請求書について'.encode()).decode()}?=\r\nMessage-ID: <jp@example.com>\r\n"
            "Content-Type: text/plain; charset=iso-2022-jp\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        ).encode() + "請求書が届きません。".encode("iso-2022-jp") + b"\r\n"
        call_command("inbound_email", stdin=io.BytesIO(raw), stdout=io.StringIO())
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        assert receipt.subject == "請求書について"
        assert inbound_email_process(workspace_id=workspace.pk, inbound_id=receipt.pk) == "started"
        assert ConversationPart.objects.for_workspace(workspace).get().body == "請求書が届きません。"
        # Processing again is harmless.
        assert inbound_email_process(workspace_id=workspace.pk, inbound_id=receipt.pk) == "started"
        assert ConversationPart.objects.for_workspace(workspace).count() == 1

    def test_malformed_mime_does_not_stop_the_queue(self, workspace):
        raw = (f"From: kana@example.com\r\nTo: {workspace_address(workspace)}\r\nMessage-ID: <bad@x>\r\n"
               "Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain; charset=no-such\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%\r\n").encode()
        call_command("inbound_email", stdin=io.BytesIO(raw), stdout=io.StringIO())
        receipt = InboundEmail.objects.for_workspace(workspace).get()
        status = inbound_email_process(workspace_id=workspace.pk, inbound_id=receipt.pk)
        assert status in ("quarantined", "ignored", "started")
        receipt.refresh_from_db()
        assert receipt.status != "received" and receipt.processed_at is not None

    def test_the_sweep_processes_receipts_whose_task_was_lost(self, workspace, eager_celery):
        raw = f"From: kana@example.com\r\nTo: {workspace_address(workspace)}\r\nSubject: hi\r\n\r\nLost task\r\n"
        call_command("inbound_email", stdin=io.BytesIO(raw.encode()), stdout=io.StringIO())  # on_commit never runs here
        InboundEmail.objects.for_workspace(workspace).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
        assert inbound_emails_sweep() == 1
        assert InboundEmail.objects.for_workspace(workspace).get().status == "started"


class TestEmailLog:
    def test_members_see_the_address_and_what_arrived(self, workspace, client_agent, client):
        raw = f"From: kana@example.com\r\nTo: {workspace_address(workspace)}\r\nSubject: Where is it\r\n\r\nHi\r\n"
        call_command("inbound_email", stdin=io.BytesIO(raw.encode()), stdout=io.StringIO())
        page = client_agent.get(f"/w/{workspace.slug}/inbox/email/").content.decode()
        assert workspace_address(workspace) in page and "Where is it" in page

    def test_outsiders_get_404(self, workspace, client_outsider):
        assert client_outsider.get(f"/w/{workspace.slug}/inbox/email/").status_code == 404


def test_the_reply_email_is_a_well_formed_message(workspace, agent, mailoutbox, db):
    conversation = conversation_create(workspace=workspace, contact=ContactFactory(workspace=workspace, name="佐藤\r\nBcc: x@y"))
    part = teammate_reply(conversation, agent)
    reply_email_deliver(workspace_id=workspace.pk, part_id=part.pk)
    parsed = email.message_from_bytes(mailoutbox[0].message().as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"] == ReplyEmail.objects.for_workspace(workspace).get().message_id
    assert parsed["Reply-To"].endswith("@mail.parley.test")


def test_email_attachments_are_kept_or_named_as_refused(workspace, client, eager_celery, django_capture_on_commit_callbacks):
    from PIL import Image

    def png() -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
        return buffer.getvalue()

    def attachment(name: str, content_type: str, data: bytes) -> dict:
        return {"Name": name, "ContentType": content_type, "Content": base64.b64encode(data).decode()}

    files = [
        attachment("invoice.pdf", "application/pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        attachment("screen.png", "image/png", png()),
        attachment("setup.exe", "application/octet-stream", b"MZ\x90\x00" + b"\x00" * 60),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, postmark_payload(to=workspace_address(workspace), text="See attached", attachments=files))
    part = ConversationPart.objects.for_workspace(workspace).get()
    assert "screen" not in part.body, part.body
    assert sorted(part.attachments.values_list("content_type", flat=True)) == ["application/pdf", "image/jpeg"]  # pictures are redrawn
    assert "setup.exe" in part.body and part.body.startswith("See attached"), part.body
