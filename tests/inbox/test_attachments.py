"""Files from the inbox composer: a teammate's PDF reaches the customer as a download, a
customer's PDF shows in the thread, and a refused file changes nothing."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import prepare_upload
from inbox import services
from inbox.models import Attachment, ConversationPart
from messenger.views import ATTACHMENT_SALT
from tests.factories import conversation_create

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def url(workspace, conversation, action=""):  # type: ignore[no-untyped-def]
    return f"/w/{workspace.slug}/inbox/c/{conversation.number}/{action}"


def download_href(html: str, name: str) -> str:
    match = re.search(r'<a class="(?:thread|panel)-file" href="([^"]+)" download="%s">' % re.escape(name), html)
    assert match, f"no download link for {name}"
    return match.group(1)


def test_a_teammates_pdf_reaches_the_customer_as_a_download(client_owner, client, workspace):
    conversation = conversation_create(workspace=workspace)
    response = client_owner.post(url(workspace, conversation, "reply/"), {
        "kind": "reply", "body": "", "file": SimpleUploadedFile("Quote 2026.pdf", PDF, content_type="application/octet-stream"),
    })
    assert response.status_code == 302
    part = ConversationPart.objects.for_workspace(workspace).get(kind="reply")
    stored = part.attachments.get()
    assert (stored.content_type, stored.filename, stored.size) == ("application/pdf", "Quote 2026.pdf", len(PDF))
    assert "Quote" not in stored.file.name
    conversation.refresh_from_db()
    assert conversation.preview == "📎 Quote 2026.pdf" and conversation.unread_by_customer

    thread = client_owner.get(url(workspace, conversation)).content.decode()
    assert '<span class="thread-file__name">Quote 2026.pdf</span>' in thread
    assert f'<span class="thread-file__size">{len(PDF)}\xa0bytes</span>' in thread
    served = client.get(download_href(thread, "Quote 2026.pdf"))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == 'attachment; filename="Quote 2026.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(served.streaming_content) == PDF


def test_the_customers_pdf_shows_in_the_thread_as_a_download_link(client_owner, workspace):
    conversation = conversation_create(workspace=workspace)
    services.customer_message_create(
        conversation=conversation, contact=conversation.contact, body="My invoice",
        attachment=prepare_upload(data=PDF, filename="請求書.pdf"),
    )
    conversation.refresh_from_db()
    assert conversation.preview == "My invoice"  # the text, when there is one
    thread = client_owner.get(url(workspace, conversation)).content.decode()
    served = client_owner.get(download_href(thread, "請求書.pdf"))
    assert served["Content-Disposition"] == "attachment; filename*=utf-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf"


def test_a_note_can_carry_a_file_that_stays_inside(client_owner, workspace):
    conversation = conversation_create(workspace=workspace)
    client_owner.post(url(workspace, conversation, "reply/"), {
        "kind": "note", "body": "Their contract", "file": SimpleUploadedFile("contract.pdf", PDF),
    })
    note = ConversationPart.objects.for_workspace(workspace).get(kind="note")
    assert note.attachments.get().filename == "contract.pdf"
    conversation.refresh_from_db()
    assert conversation.preview == "Hello" and not conversation.unread_by_customer


def test_a_refused_file_re_renders_with_the_reason_and_keeps_the_draft(client_owner, workspace):
    conversation = conversation_create(workspace=workspace)
    parts_before = ConversationPart.objects.for_workspace(workspace).count()
    response = client_owner.post(url(workspace, conversation, "reply/"), {
        "kind": "note", "body": "See the page",
        "file": SimpleUploadedFile("page.pdf", b"<!doctype html><script>alert(1)</script>", content_type="application/pdf"),
    })
    html = response.content.decode()
    assert response.status_code == 400
    assert "Web pages, SVG and other markup files can" in html
    assert "See the page</textarea>" in html
    assert re.search(r'value="note"\s+checked', html)
    assert "Write a message or choose a file" not in html  # one reason, the real one
    assert ConversationPart.objects.for_workspace(workspace).count() == parts_before
    assert not Attachment.objects.for_workspace(workspace).exists()


def test_a_picture_still_shows_inline(client_owner, workspace):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, format="PNG")
    conversation = conversation_create(workspace=workspace)
    client_owner.post(url(workspace, conversation, "reply/"), {
        "kind": "reply", "body": "", "file": SimpleUploadedFile("shot.png", buffer.getvalue()),
    })
    conversation.refresh_from_db()
    assert conversation.preview == "📷"
    thread = client_owner.get(url(workspace, conversation)).content.decode()
    assert re.search(r'<img class="thread-part__image" src="/messenger/attachments/[^"]+"[^>]*width="40" height="30"', thread)


def test_an_attachment_address_names_one_workspace(client, workspace, other_workspace):
    conversation = conversation_create(workspace=workspace)
    services.customer_message_create(
        conversation=conversation, contact=conversation.contact, body="",
        attachment=prepare_upload(data=PDF, filename="a.pdf"),
    )
    stored = Attachment.objects.for_workspace(workspace).get()
    assert client.get(f"/messenger/attachments/{signing.dumps([workspace.pk, stored.pk], salt=ATTACHMENT_SALT)}/").status_code == 200
    forged = signing.dumps([other_workspace.pk, stored.pk], salt=ATTACHMENT_SALT)
    assert client.get(f"/messenger/attachments/{forged}/").status_code == 404
    unsigned = signing.dumps([workspace.pk, stored.pk], salt="something else")
    assert client.get(f"/messenger/attachments/{unsigned}/").status_code == 404
