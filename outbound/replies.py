"""Replies to outbound emails, threaded into the inbox. Each email's Reply-To names its
delivery, signed for its workspace (inbox.email_addresses.outbound_reply_address); the
inbound email task (inbox/inbound_email.py) asks here which conversation an answer belongs
to. The first answer starts a conversation assigned to the message's reply assignee or team,
with the email as sent as its first part (a teammate's message from the sender), so the team
reads what the customer answers; later answers continue it.

Only the address chooses the delivery, and only inside the workspace the mail was received
for: a signature made for another workspace, or none, attaches to nothing. A reply from
someone other than the delivery's recipient (a forward) is left to start its own
conversation, like any email to the workspace."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.html import sanitize, text_of
from inbox.email_addresses import delivery_signature_valid, recipient_parse
from inbox.models import Conversation, ConversationPart, InboundEmail
from outbound import placeholders
from outbound.models import Delivery, DeliveryEvent, OutboundMessage
from outbound.sending import _companies


def delivery_for_reply(*, receipt: InboundEmail, recipients: list[str], sender: str) -> Delivery | None:
    """The delivery a received email answers, when one of its addresses is a genuine reply
    address of this workspace and the sender is who the email went to."""
    for address in recipients:
        recipient = recipient_parse(address)
        if recipient is None or recipient.delivery_id is None:
            continue
        if recipient.app_id != receipt.workspace.app_id.lower() or not delivery_signature_valid(
            workspace=receipt.workspace, delivery_id=recipient.delivery_id, signature=recipient.signature
        ):
            continue
        delivery = (
            Delivery.objects.for_workspace(receipt.workspace_id)
            .select_related("message__sender__user", "message__created_by", "message__reply_assignee",
                            "message__reply_team", "contact")
            .filter(pk=recipient.delivery_id).first()
        )
        if delivery is None:
            return None
        known = {delivery.email.lower(), (delivery.contact.email or "").lower()} - {""}
        return delivery if sender.lower() in known else None
    return None


def _as_sent(delivery: Delivery) -> tuple[str, str]:
    """Subject and text of the email, filled in for its recipient (without the footer)."""
    message = delivery.message
    subject = placeholders.compile_text(message.subject)
    text = placeholders.compile_text(text_of(sanitize(message.body)))
    names = subject.names | text.names
    values = placeholders.contact_values(
        delivery.contact, names, company=_companies([delivery.contact_id], delivery.workspace_id).get(delivery.contact_id)
    )
    values["unsubscribe_url"] = ""
    return (
        " ".join(placeholders.render(subject, values, html=False).split()),
        placeholders.render(text, values, html=False).strip(),
    )


def _start(delivery: Delivery) -> Conversation:
    """The conversation of a delivery's first answer, the email as its first part."""
    from inbox.services import _next_number, round_robin_next

    message: OutboundMessage = delivery.message
    assignee = message.reply_assignee if message.reply_assignee and message.reply_assignee.is_active else None
    team = message.reply_team
    if assignee is None and team is not None and team.round_robin:
        assignee = round_robin_next(team=team)
    subject, text = _as_sent(delivery)
    sent_at = delivery.sent_at or timezone.now()
    conversation = Conversation.objects.create(
        workspace_id=delivery.workspace_id, number=_next_number(delivery.workspace_id), contact=delivery.contact,
        source=Conversation.Source.OUTBOUND, subject=subject[:255], assignee=assignee, team=team,
        last_activity_at=sent_at, preview=text[:140],
        first_customer_message_at=timezone.now(),  # the answer is added in this same transaction
    )
    part = ConversationPart.objects.create(
        workspace_id=delivery.workspace_id, conversation=conversation, kind=ConversationPart.Kind.TEAMMATE_REPLY,
        author_membership=message.sender or message.created_by, body=text,
    )
    # Shown at the time the email went out, before the answer.
    ConversationPart.objects.for_workspace(delivery.workspace_id).filter(pk=part.pk).update(created_at=sent_at)
    return conversation


@transaction.atomic
def reply_conversation(*, receipt: InboundEmail, recipients: list[str], sender: str) -> Conversation | None:
    """The conversation an answer to an outbound email goes into (started on the first
    answer), with the reply recorded on the delivery; None when it answers no delivery of
    this workspace. The caller adds the customer's message to it."""
    delivery = delivery_for_reply(receipt=receipt, recipients=recipients, sender=sender)
    if delivery is None:
        return None
    # The row lock makes two answers arriving together start one conversation, not two.
    locked = Delivery.objects.for_workspace(receipt.workspace_id).select_for_update(of=("self",)).get(pk=delivery.pk)
    delivery.conversation_id = locked.conversation_id
    conversation = (
        Conversation.objects.for_workspace(receipt.workspace_id).select_related("contact")
        .filter(pk=delivery.conversation_id).first() if delivery.conversation_id else None
    )
    now = timezone.now()
    if conversation is None:
        conversation = _start(delivery)
        Delivery.objects.for_workspace(receipt.workspace_id).filter(pk=delivery.pk).update(conversation=conversation)
    Delivery.objects.for_workspace(receipt.workspace_id).filter(pk=delivery.pk, replied_at__isnull=True).update(
        replied_at=now)
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(workspace_id=receipt.workspace_id, delivery=delivery,
                                         kind=DeliveryEvent.Kind.REPLIED, event_id=f"inbound:{receipt.pk}")
    except IntegrityError:
        pass  # this answer was counted already
    return conversation
