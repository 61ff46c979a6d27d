"""Writes to conversations. The messenger (issue 3) starts conversations and adds customer
messages; the Inbox issue adds the agents' actions on the same rows."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from contacts.services import contact_became_lead
from core.images import Picture
from core.realtime import contact_channel, realtime_emit
from inbox.models import Attachment, Conversation, ConversationPart
from workspaces.models import Membership, Workspace

PREVIEW_LENGTH = 140


def _next_number(workspace_id: int) -> int:
    # The workspace row lock serialises number allocation; numbers never repeat or skip.
    workspace = Workspace.objects.select_for_update().only("conversation_seq").get(pk=workspace_id)
    workspace.conversation_seq += 1
    workspace.save(update_fields=["conversation_seq"])
    return workspace.conversation_seq


def _announce_to_customer(conversation: Conversation, part: ConversationPart) -> None:
    """Tell the contact's open messengers that a part they may see was added. The
    browser_id stays on the server: the stream uses it to filter, and sends only the
    conversation number."""
    realtime_emit(
        workspace_id=conversation.workspace_id,
        channels=[contact_channel(conversation.contact_id)],
        kind="part",
        data={"conversation": conversation.number, "part": part.pk, "browser_id": conversation.browser_id},
    )


def _attach(part: ConversationPart, picture: Picture | None) -> None:
    if picture is None:
        return
    attachment = Attachment(
        workspace_id=part.workspace_id,
        part=part,
        content_type=picture.content_type,
        size=len(picture.data),
        width=picture.width,
        height=picture.height,
    )
    attachment.file.save("upload", ContentFile(picture.data), save=False)
    attachment.save()


@transaction.atomic
def conversation_start(
    *, contact: Contact, browser_id: str, body: str, picture: Picture | None = None
) -> Conversation:
    """A customer opens a new conversation from the messenger with their first message."""
    now = timezone.now()
    conversation = Conversation.objects.create(
        workspace_id=contact.workspace_id,
        number=_next_number(contact.workspace_id),
        contact=contact,
        source=Conversation.Source.MESSENGER,
        browser_id=browser_id,
        last_activity_at=now,
        first_customer_message_at=now,
        customer_read_at=now,
        preview=_preview(body),
    )
    _customer_part(conversation=conversation, contact=contact, body=body, picture=picture, now=now)
    contact_became_lead(contact=contact)
    return conversation


@transaction.atomic
def customer_message_create(
    *, conversation: Conversation, contact: Contact, body: str, picture: Picture | None = None
) -> ConversationPart:
    now = timezone.now()
    part = _customer_part(conversation=conversation, contact=contact, body=body, picture=picture, now=now)
    fields = {"last_activity_at": now, "customer_read_at": now, "updated_at": now, "preview": _preview(body)}
    if conversation.state != Conversation.State.OPEN:
        # A customer writing again reopens the conversation, as in Intercom.
        fields.update(state=Conversation.State.OPEN, snoozed_until=None)
        ConversationPart.objects.create(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            kind=ConversationPart.Kind.EVENT,
            event="reopened",
            author_contact=contact,
        )
    Conversation.objects.for_workspace(conversation.workspace_id).filter(pk=conversation.pk).update(**fields)
    return part


def _customer_part(
    *, conversation: Conversation, contact: Contact, body: str, picture: Picture | None, now
) -> ConversationPart:
    part = ConversationPart.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        kind=ConversationPart.Kind.CUSTOMER_MESSAGE,
        author_contact=contact,
        body=body,
    )
    _attach(part, picture)
    _announce_to_customer(conversation, part)
    return part


def _preview(body: str) -> str:
    return (body or "📷")[:PREVIEW_LENGTH]


@transaction.atomic
def teammate_reply_create(
    *, conversation: Conversation, membership: Membership, body: str, picture: Picture | None = None
) -> ConversationPart:
    """A teammate answers; the customer sees it in the messenger (unread until opened)."""
    if membership.workspace_id != conversation.workspace_id:
        raise ValueError("the teammate is not in this conversation's workspace")
    now = timezone.now()
    part = ConversationPart.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        kind=ConversationPart.Kind.TEAMMATE_REPLY,
        author_membership=membership,
        body=body,
    )
    _attach(part, picture)
    _announce_to_customer(conversation, part)
    fields = {
        "last_activity_at": now,
        "updated_at": now,
        "preview": _preview(body),
        "unread_by_customer": True,
    }
    if conversation.first_teammate_reply_at is None:
        fields["first_teammate_reply_at"] = now
    Conversation.objects.for_workspace(conversation.workspace_id).filter(pk=conversation.pk).update(**fields)
    return part


def conversation_read_by_customer(*, conversation: Conversation) -> None:
    now = timezone.now()
    Conversation.objects.for_workspace(conversation.workspace_id).filter(pk=conversation.pk).update(
        customer_read_at=now, unread_by_customer=False
    )
    conversation.customer_read_at, conversation.unread_by_customer = now, False


def conversations_reassign(*, workspace_id: int, source_contact_id: int, target_contact_id: int) -> int:
    """Move a merged contact's conversations (and their authorship) to the surviving one."""
    ConversationPart.objects.for_workspace(workspace_id).filter(author_contact_id=source_contact_id).update(
        author_contact_id=target_contact_id
    )
    return (
        Conversation.objects.for_workspace(workspace_id)
        .filter(contact_id=source_contact_id)
        .update(contact_id=target_contact_id)
    )
