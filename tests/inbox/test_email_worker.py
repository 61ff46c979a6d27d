"""The email round trip through a real Celery worker: a teammate's reply the customer has not
read is emailed by the worker after the delay; the customer's answer, posted to the
inbound webhook, is threaded back by the worker into the same conversation."""

from __future__ import annotations

import base64
import email
import json
from email import policy
from uuid import uuid4

import pytest
from django.test import Client

from inbox import services
from inbox.models import ConversationPart, InboundEmail, ReplyEmail
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory, conversation_create
from tests.workers import MAIL_SEPARATOR, READY_DEADLINE_SECONDS, TASK_DEADLINE_SECONDS, Worker, complete_mail_files, wait_for


@pytest.mark.worker
def test_a_reply_is_emailed_and_the_answer_threads_back_through_the_worker(transactional_db, tmp_path, settings):  # type: ignore[no-untyped-def]
    from config import celery_app

    settings.INBOX_REPLY_EMAIL_DELAY_SECONDS = 1
    queue = f"test-{uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    workspace = WorkspaceFactory(name="Acme", slug="acme")
    agent = MembershipFactory(workspace=workspace, user__name="Aiko Agent")
    contact = ContactFactory(workspace=workspace, name="Kana Sato", email="kana@example.com")
    conversation = conversation_create(workspace=workspace, contact=contact, body="My invoice is wrong")

    worker = Worker(queue=queue, mail_dir=mail_dir)
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    passed = False
    try:
        worker.wait_until_ready(READY_DEADLINE_SECONDS)
        services.teammate_reply_create(conversation=conversation, membership=agent, body="Fixed, sorry!")

        sent = wait_for(lambda: ReplyEmail.all_workspaces.filter(status="sent").first(), TASK_DEADLINE_SECONDS)
        assert sent is not None, "The worker did not send the reply email."
        mails = wait_for(lambda: complete_mail_files(mail_dir), TASK_DEADLINE_SECONDS)
        assert len(mails) == 1
        sent_mail = email.message_from_bytes(mails[0].split(b"\n" + MAIL_SEPARATOR)[0], policy=policy.default)
        assert sent_mail["To"].addresses[0].addr_spec == "kana@example.com"
        assert "Fixed, sorry!" in sent_mail.get_body(("plain",)).get_content()

        answer = {
            "FromFull": {"Email": "kana@example.com", "Name": "Kana Sato"},
            "ToFull": [{"Email": sent_mail["Reply-To"].addresses[0].addr_spec, "Name": ""}],
            "Subject": "Re: " + str(sent_mail["Subject"]),
            "TextBody": "Thank you!\n\nOn Wed, Acme wrote:\n> Fixed, sorry!\n",
            "MessageID": "pm-1",
            "Headers": [{"Name": "Message-ID", "Value": "<answer-1@example.com>"},
                        {"Name": "In-Reply-To", "Value": str(sent_mail["Message-ID"])}],
        }
        response = Client().post(
            "/anymail/postmark/inbound/", data=json.dumps(answer), content_type="application/json",
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hook:test-secret").decode(),
        )
        assert response.status_code == 200
        threaded = wait_for(
            lambda: InboundEmail.all_workspaces.filter(status="threaded").first(), TASK_DEADLINE_SECONDS
        )
        assert threaded is not None, "The worker did not thread the answer."
        assert threaded.conversation_id == conversation.pk
        bodies = list(
            ConversationPart.all_workspaces.filter(conversation=conversation).order_by("id").values_list("kind", "body")
        )
        assert bodies == [("customer", "My invoice is wrong"), ("reply", "Fixed, sorry!"), ("customer", "Thank you!")]
        passed = True
    finally:
        celery_app.conf.task_default_queue = previous_queue
        worker.stop()
        if not passed:
            print(f"--- Celery worker output (queue {queue}) ---\n{worker.output}")
