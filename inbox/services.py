"""Writes to conversations. The messenger (issue 3) starts conversations and adds customer
messages; the Inbox issue adds the agents' actions on the same rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact
from contacts.services import contact_became_lead
from core.exceptions import ApplicationError
from core.realtime import contact_channel, realtime_emit, workspace_channel
from inbox.models import Attachment, Conversation, ConversationMention, ConversationPart, InboundEmail, SavedReply
from inbox.reply_emails import reply_email_schedule
from workspaces.models import Membership, Tag, Team, Workspace

if TYPE_CHECKING:
    from articles.models import Article
    from core.uploads import PreparedFile

PREVIEW_LENGTH = 140


def _next_number(workspace_id: int) -> int:
    # The workspace row lock serialises number allocation; numbers never repeat or skip.
    workspace = Workspace.objects.select_for_update().only("conversation_seq").get(pk=workspace_id)
    workspace.conversation_seq += 1
    workspace.save(update_fields=["conversation_seq"])
    return workspace.conversation_seq


def _announce_to_team(conversation: Conversation, *, by_customer: bool = False) -> None:
    """Tell the inbox pages open in the workspace that this conversation changed; they
    re-fetch what they show through their normal views (and may notify when the customer
    wrote)."""
    realtime_emit(
        workspace_id=conversation.workspace_id,
        channels=[workspace_channel(conversation.workspace_id)],
        kind="conversation",
        data={"conversation": conversation.number, "customer": by_customer},
    )


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


def part_attach(*, part: ConversationPart, attachment: PreparedFile | None) -> None:
    """Store a file that core.uploads.prepare_upload accepted. The name on disk is random
    (attachment_upload_to); the sender's name is only kept to be shown."""
    if attachment is None:
        return
    stored = Attachment(
        workspace_id=part.workspace_id,
        part=part,
        content_type=attachment.content_type,
        size=attachment.size,
        width=attachment.width,
        height=attachment.height,
        filename=attachment.filename,
    )
    stored.file.save("upload", ContentFile(attachment.data), save=False)
    stored.save()


@transaction.atomic
def conversation_start(
    *, contact: Contact, body: str, browser_id: str = "", attachment: PreparedFile | None = None,
    source: str = Conversation.Source.MESSENGER, subject: str = "", inbound_email: InboundEmail | None = None,
) -> Conversation:
    """A customer opens a new conversation with their first message: from the messenger
    (in `browser_id`), or by email."""
    now = timezone.now()
    conversation = Conversation.objects.create(
        workspace_id=contact.workspace_id,
        number=_next_number(contact.workspace_id),
        contact=contact,
        source=source,
        subject=subject[:255],
        browser_id=browser_id,
        last_activity_at=now,
        first_customer_message_at=now,
        customer_read_at=now,
        preview=_preview(body, attachment),
    )
    _message_part(
        conversation=conversation, body=body, attachment=attachment, contact=contact, inbound_email=inbound_email
    )
    contact_became_lead(contact=contact)
    return conversation


@transaction.atomic
def customer_message_create(
    *, conversation: Conversation, contact: Contact, body: str, attachment: PreparedFile | None = None,
    inbound_email: InboundEmail | None = None,
) -> ConversationPart:
    now = timezone.now()
    part = _message_part(
        conversation=conversation, body=body, attachment=attachment, contact=contact, inbound_email=inbound_email
    )
    fields = {"last_activity_at": now, "customer_read_at": now, "updated_at": now, "preview": _preview(body, attachment)}
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


def _message_part(
    *, conversation: Conversation, body: str, attachment: PreparedFile | None,
    contact: Contact | None = None, membership: Membership | None = None, inbound_email: InboundEmail | None = None,
    article: Article | None = None,
) -> ConversationPart:
    """A message the customer sees, from them (`contact`) or from a teammate (`membership`),
    announced to the customer's messengers and to the team's inbox pages."""
    part = ConversationPart.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        kind=ConversationPart.Kind.CUSTOMER_MESSAGE if contact else ConversationPart.Kind.TEAMMATE_REPLY,
        author_contact=contact,
        author_membership=membership,
        body=body,
        inbound_email=inbound_email,
        article=article,
    )
    part_attach(part=part, attachment=attachment)
    _announce_to_customer(conversation, part)
    _announce_to_team(conversation, by_customer=contact is not None)
    return part


def _preview(body: str, attachment: PreparedFile | None = None) -> str:
    if not body and attachment is not None and not attachment.is_image:
        return f"📎 {attachment.filename}"[:PREVIEW_LENGTH]
    return (body or "📷")[:PREVIEW_LENGTH]


def _article_preview(article: Article) -> str:
    from articles.selectors import article_cards

    card = article_cards(workspace=article.workspace_id, article_ids=[article.pk], language="").get(article.pk)
    return f"📄 {card.published_title}"[:PREVIEW_LENGTH] if card else "📄"


@transaction.atomic
def teammate_reply_create(
    *, conversation: Conversation, membership: Membership, body: str, attachment: PreparedFile | None = None,
    article: Article | None = None,
) -> ConversationPart:
    """A teammate answers; the customer sees it in the messenger (unread until opened), and
    by email after a short delay when they have an address and have not read it. An
    `article` of the help center goes with it as a card the customer opens in the messenger;
    it must be the conversation's workspace's (the caller offers published ones only)."""
    if membership.workspace_id != conversation.workspace_id:
        raise ValueError("the teammate is not in this conversation's workspace")
    _same_workspace(conversation, article)
    now = timezone.now()
    part = _message_part(
        conversation=conversation, body=body, attachment=attachment, membership=membership, article=article
    )
    fields = {
        "last_activity_at": now,
        "updated_at": now,
        "preview": _article_preview(article) if article is not None and not body and attachment is None
        else _preview(body, attachment),
        "unread_by_customer": True,
    }
    if conversation.first_teammate_reply_at is None:
        fields["first_teammate_reply_at"] = now
    Conversation.objects.for_workspace(conversation.workspace_id).filter(pk=conversation.pk).update(**fields)
    if conversation.contact.email:
        reply_email_schedule(part=part)
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


# --- agents' actions ---------------------------------------------------------------------
# Each action changes the conversation and writes its event part in the same transaction:
# the timeline is data, never a side effect of signals.


def _event(conversation: Conversation, actor: Membership | None, event: str, **data: object) -> ConversationPart:
    _announce_to_team(conversation)
    return ConversationPart.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation, kind=ConversationPart.Kind.EVENT,
        author_membership=actor, event=event, event_data=data,
    )


def _same_workspace(conversation: Conversation, *others: object) -> None:
    for other in others:
        if other is not None and getattr(other, "workspace_id", conversation.workspace_id) != conversation.workspace_id:
            raise ApplicationError(_("That does not belong to this workspace."))


def mentioned_in(*, text: str, workspace_id: int) -> list[Membership]:
    """Teammates named in a note as @Full Name or @email-name (the part before the @ of
    their address). Longest names first, so "@Ann Lee" is not also "@Ann"."""
    if "@" not in text:
        return []
    members = Membership.objects.for_workspace(workspace_id).filter(is_active=True).select_related("user")
    found = []
    for member in members:
        handles = [member.user.name, member.user.email.split("@")[0]]
        if any(handle and f"@{handle}" in text for handle in handles):
            found.append(member)
    return found


@transaction.atomic
def note_create(
    *, conversation: Conversation, membership: Membership, body: str, attachment: PreparedFile | None = None
) -> ConversationPart:
    """An internal note: only teammates ever see it (its files too)."""
    _same_workspace(conversation, membership)
    part = ConversationPart.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation, kind=ConversationPart.Kind.NOTE,
        author_membership=membership, body=body,
    )
    part_attach(part=part, attachment=attachment)
    ConversationMention.objects.bulk_create(
        ConversationMention(workspace_id=conversation.workspace_id, conversation=conversation, part=part, membership=m)
        for m in mentioned_in(text=body, workspace_id=conversation.workspace_id)
    )
    Conversation.objects.for_workspace(conversation.workspace_id).filter(pk=conversation.pk).update(
        updated_at=timezone.now()
    )
    _announce_to_team(conversation)
    return part


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, actor: Membership, assignee: Membership | None, team: Team | None
) -> Conversation:
    _same_workspace(conversation, actor, assignee, team)
    if assignee is not None and not assignee.is_active:
        raise ApplicationError(_("That teammate is no longer in this workspace."))
    if assignee is None and team is not None and team.round_robin:
        assignee = round_robin_next(team=team)
    conversation.assignee, conversation.team = assignee, team
    conversation.save(update_fields=["assignee", "team", "updated_at"])
    if assignee is not None:
        Membership.objects.for_workspace(conversation.workspace_id).filter(pk=assignee.pk).update(
            last_assigned_at=timezone.now()
        )
    _event(
        conversation, actor, "assigned",
        assignee=assignee.user.get_full_name() if assignee else None, team=team.name if team else None,
    )
    return conversation


def round_robin_next(*, team: Team) -> Membership | None:
    """The team's available member (active, not away) whose last assignment is the oldest;
    the team row is locked so two simultaneous assignments do not pick the same person."""
    from django.db.models import F

    Team.objects.for_workspace(team.workspace_id).select_for_update().filter(pk=team.pk).first()
    return (
        team.members.filter(is_active=True, user__is_away=False)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "joined_at")
        .first()
    )


@transaction.atomic
def conversation_close(*, conversation: Conversation, actor: Membership) -> Conversation:
    if conversation.state == Conversation.State.CLOSED:
        return conversation
    conversation.state, conversation.snoozed_until, conversation.closed_at = Conversation.State.CLOSED, None, timezone.now()
    conversation.save(update_fields=["state", "snoozed_until", "closed_at", "updated_at"])
    _event(conversation, actor, "closed")
    if conversation.csat_rating is None and conversation.source == Conversation.Source.MESSENGER:
        # Ask the customer how it went: a part they see, rendered as the rating widget.
        request = ConversationPart.objects.create(
            workspace_id=conversation.workspace_id, conversation=conversation, kind=ConversationPart.Kind.BOT_MESSAGE,
            event="csat_request",
        )
        _announce_to_customer(conversation, request)
    return conversation


@transaction.atomic
def conversation_rate(*, conversation: Conversation, rating: int, remark: str) -> Conversation:
    """The customer's rating (1–5) and optional remark; once per conversation."""
    if not 1 <= rating <= 5:
        raise ApplicationError(_("Choose a rating from 1 to 5."))
    locked = Conversation.objects.for_workspace(conversation.workspace_id).select_for_update().get(pk=conversation.pk)
    if locked.csat_rating is not None:
        raise ApplicationError(_("This conversation has already been rated. Thank you!"))
    locked.csat_rating, locked.csat_remark, locked.csat_rated_at = rating, remark.strip()[:2000], timezone.now()
    locked.save(update_fields=["csat_rating", "csat_remark", "csat_rated_at", "updated_at"])
    ConversationPart.objects.create(
        workspace_id=locked.workspace_id, conversation=locked, kind=ConversationPart.Kind.EVENT,
        author_contact=locked.contact, event="rated", event_data={"rating": rating, "remark": locked.csat_remark},
    )
    _announce_to_team(locked)
    return locked


@transaction.atomic
def conversation_reopen(*, conversation: Conversation, actor: Membership | None) -> Conversation:
    if conversation.state == Conversation.State.OPEN:
        return conversation
    conversation.state, conversation.snoozed_until = Conversation.State.OPEN, None
    conversation.save(update_fields=["state", "snoozed_until", "updated_at"])
    _event(conversation, actor, "reopened")
    return conversation


@transaction.atomic
def conversation_snooze(*, conversation: Conversation, actor: Membership, until) -> Conversation:  # type: ignore[no-untyped-def]
    if until <= timezone.now():
        raise ApplicationError(_("Choose a time in the future."))
    conversation.state, conversation.snoozed_until = Conversation.State.SNOOZED, until
    conversation.save(update_fields=["state", "snoozed_until", "updated_at"])
    _event(conversation, actor, "snoozed", until=until.isoformat())
    return conversation


def conversations_wake(*, now=None) -> int:  # type: ignore[no-untyped-def]
    """Reopen snoozed conversations whose time has come (beat, every minute)."""
    now = now or timezone.now()
    # Crosses workspaces on purpose: a periodic sweep; each row is then handled in its own scope.
    due = list(
        Conversation.all_workspaces.filter(state=Conversation.State.SNOOZED, snoozed_until__lte=now)
        .values_list("workspace_id", "pk")[:1000]
    )
    woken = 0
    for workspace_id, pk in due:
        with transaction.atomic():
            conversation = (
                Conversation.objects.for_workspace(workspace_id).select_for_update()
                .filter(pk=pk, state=Conversation.State.SNOOZED).first()
            )
            if conversation is not None:
                conversation.state, conversation.snoozed_until = Conversation.State.OPEN, None
                conversation.last_activity_at = now
                conversation.save(update_fields=["state", "snoozed_until", "last_activity_at", "updated_at"])
                _event(conversation, None, "woke")
                woken += 1
    return woken


@transaction.atomic
def conversation_set_priority(*, conversation: Conversation, actor: Membership, is_priority: bool) -> Conversation:
    if conversation.is_priority != is_priority:
        conversation.is_priority = is_priority
        conversation.save(update_fields=["is_priority", "updated_at"])
        _event(conversation, actor, "priority", on=is_priority)
    return conversation


@transaction.atomic
def conversation_tag(*, conversation: Conversation, actor: Membership, name: str) -> Tag:
    from workspaces.services import tag_for_name

    tag = tag_for_name(workspace_id=conversation.workspace_id, name=name)
    if not conversation.tags.filter(pk=tag.pk).exists():
        conversation.tags.add(tag)
        _event(conversation, actor, "tagged", tag=tag.name)
    return tag


@transaction.atomic
def conversation_untag(*, conversation: Conversation, actor: Membership, tag: Tag) -> None:
    _same_workspace(conversation, tag)
    if conversation.tags.filter(pk=tag.pk).exists():
        conversation.tags.remove(tag)
        _event(conversation, actor, "untagged", tag=tag.name)


def conversation_mark_unread(*, conversation: Conversation, unread: bool) -> None:
    Conversation.objects.for_workspace(conversation.workspace_id).filter(pk=conversation.pk).update(unread_by_team=unread)
    conversation.unread_by_team = unread


# --- saved replies ---------------------------------------------------------------------------


@transaction.atomic
def saved_reply_save(
    *, workspace: Workspace, saved_reply: SavedReply | None, name: str, body: str, actor: Membership
) -> SavedReply:
    from django.db import IntegrityError

    saved_reply = saved_reply or SavedReply(workspace=workspace, created_by=actor)
    saved_reply.name, saved_reply.body = name, body
    try:
        with transaction.atomic():
            saved_reply.save()
    except IntegrityError as exc:
        raise ApplicationError(_("A saved reply with that name already exists.")) from exc
    return saved_reply


# --- typing ----------------------------------------------------------------------------------


def customer_typing(*, conversation: Conversation) -> None:
    from core.realtime import realtime_signal

    realtime_signal(
        channel=workspace_channel(conversation.workspace_id), kind="typing",
        data={"conversation": conversation.number, "name": conversation.contact.display_name},
    )


def teammate_typing(*, conversation: Conversation, membership: Membership) -> None:
    """Only replies are announced: a teammate writing a note stays invisible to the customer."""
    from core.realtime import realtime_signal

    realtime_signal(
        channel=contact_channel(conversation.contact_id), kind="typing",
        data={"conversation": conversation.number, "name": membership.user.get_short_name(),
              "browser_id": conversation.browser_id},
    )
