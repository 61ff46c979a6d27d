"""Answers to outbound emails, end to end through anymail's inbound webhook (Postmark's
format) as tests/inbox/test_email.py posts them: the first answer starts a conversation
assigned to the message's reply assignee or team, the email as sent first and the answer
after it; the delivery records the reply; later answers continue the same conversation.
Forged, foreign and borrowed reply addresses attach to nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from inbox.email_addresses import outbound_reply_address
from inbox.models import Conversation, ConversationPart, InboundEmail
from outbound import audiences, sending, services
from outbound.models import Delivery, DeliveryEvent, OutboundMessage
from tests.factories import ContactFactory, MembershipFactory
from tests.inbox.test_email import post, postmark_payload
from workspaces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(workspace, owner, agent):  # type: ignore[no-untyped-def]
    """An email sent to Kana, replies going to the agent."""
    ContactFactory(workspace=workspace, role="user", name="Kana Sato", email="kana@example.com")
    message = services.message_create(
        workspace=workspace, actor=owner, title="Onboarding", sender=owner, reply_assignee=agent,
        subject='Welcome {{first_name | fallback: "there"}}', body="<p>Hello {{first_name}}, how is it going?</p>",
    )
    services.message_set_live(message=message, actor=owner)
    audiences.audience_evaluate(message=message)
    sending.send_batch(message=OutboundMessage.objects.for_workspace(workspace).select_related(
        "workspace", "sender__user").get(pk=message.pk))
    return Delivery.objects.for_workspace(workspace).get(message=message)


def answer(client, to: str, *, text: str = "Going well, one question though", sender: str = "kana@example.com",  # type: ignore[no-untyped-def]
           message_id: str = "<r1@example.com>"):
    return post(client, postmark_payload(to=to, sender=sender, text=text, subject="Re: Welcome Kana",
                                         message_id=message_id))


def test_an_answer_starts_a_conversation_with_the_email_first(workspace, owner, agent, sent, client, eager_celery,
                                                              django_capture_on_commit_callbacks):
    reply_to = mail.outbox[0].reply_to[0]
    assert reply_to == outbound_reply_address(workspace=workspace, delivery_id=sent.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert answer(client, reply_to).status_code == 200
    conversation = Conversation.objects.for_workspace(workspace).get()
    assert (conversation.source, conversation.assignee_id, conversation.subject) == ("outbound", agent.pk, "Welcome Kana")
    assert conversation.contact_id == sent.contact_id and conversation.state == "open"
    parts = list(ConversationPart.objects.for_workspace(workspace).filter(conversation=conversation)
                 .values_list("kind", "author_membership_id", "author_contact_id", "body"))
    assert parts == [("reply", owner.pk, None, "Hello Kana, how is it going?"),
                     ("customer", None, sent.contact_id, "Going well, one question though")]
    sent.refresh_from_db()
    assert sent.replied_at is not None and sent.conversation_id == conversation.pk
    assert DeliveryEvent.objects.for_workspace(workspace).filter(delivery=sent, kind="replied").count() == 1
    assert InboundEmail.objects.for_workspace(workspace).get().status == "threaded"
    assert len(mail.outbox) == 1  # the email is not sent to the customer a second time


def test_a_second_answer_continues_it(workspace, sent, client, eager_celery, django_capture_on_commit_callbacks):
    reply_to = mail.outbox[0].reply_to[0]
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, reply_to)
    first_reply = Delivery.objects.for_workspace(workspace).get(pk=sent.pk).replied_at
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, reply_to, text="Also, where is the invoice?", message_id="<r2@example.com>")
    conversation = Conversation.objects.for_workspace(workspace).get()
    assert ConversationPart.objects.for_workspace(workspace).filter(conversation=conversation).count() == 3
    assert Delivery.objects.for_workspace(workspace).get(pk=sent.pk).replied_at == first_reply
    assert DeliveryEvent.objects.for_workspace(workspace).filter(kind="replied").count() == 2


def test_replies_can_go_to_a_team(workspace, owner, agent, client, eager_celery, django_capture_on_commit_callbacks):
    team = Team.objects.create(workspace=workspace, name="Success")
    ContactFactory(workspace=workspace, role="user", name="Ren", email="ren@example.com")
    message = services.message_create(workspace=workspace, actor=owner, title="T", sender=owner, reply_team=team,
                                      subject="Hi", body="<p>Hi</p>")
    services.message_set_live(message=message, actor=owner)
    audiences.audience_evaluate(message=message)
    sending.send_batch(message=OutboundMessage.objects.for_workspace(workspace).select_related(
        "workspace", "sender__user").get(pk=message.pk))
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, mail.outbox[0].reply_to[0], sender="ren@example.com")
    conversation = Conversation.objects.for_workspace(workspace).get()
    assert (conversation.team_id, conversation.assignee_id) == (team.pk, None)


def test_someone_else_using_the_address_starts_their_own_conversation(workspace, sent, client, eager_celery,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, mail.outbox[0].reply_to[0], sender="mallory@example.com", text="Let me in")
    conversation = Conversation.objects.for_workspace(workspace).get()
    assert conversation.source == "email" and conversation.contact.email == "mallory@example.com"
    sent.refresh_from_db()
    assert sent.replied_at is None and sent.conversation_id is None


def test_forged_and_foreign_signatures_attach_to_nothing(workspace, other_workspace, sent, client, eager_celery,
                                                         django_capture_on_commit_callbacks):
    """Another workspace's delivery named through this workspace's address, and this
    workspace's delivery with a made-up signature: neither is touched."""
    theirs_owner = MembershipFactory(workspace=other_workspace, role="owner")
    ContactFactory(workspace=other_workspace, role="user", email="kana@example.com")
    message = services.message_create(workspace=other_workspace, actor=theirs_owner, title="T", sender=theirs_owner,
                                      subject="Hi", body="<p>Hi</p>")
    services.message_set_live(message=message, actor=theirs_owner)
    audiences.audience_evaluate(message=message)
    theirs = Delivery.objects.for_workspace(other_workspace).get()
    foreign = outbound_reply_address(workspace=other_workspace, delivery_id=theirs.pk).replace(
        other_workspace.app_id.lower(), workspace.app_id.lower())
    local, domain = mail.outbox[0].reply_to[0].split("@")
    forged = f"{local[:-16]}{'0' * 16}@{domain}"
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, foreign, message_id="<f1@example.com>")
        answer(client, forged, message_id="<f2@example.com>")
    for delivery in (theirs, sent):
        delivery.refresh_from_db()
        assert delivery.replied_at is None and delivery.conversation_id is None
    assert not Conversation.objects.for_workspace(other_workspace).exists()
    assert not DeliveryEvent.objects.for_workspace(workspace).filter(kind="replied").exists()
    assert set(Conversation.objects.for_workspace(workspace).values_list("source", flat=True)) == {"email"}
