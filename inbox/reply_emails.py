"""Teammate replies the customer has not read are emailed to them after a short delay, as
in Intercom: a customer who left the site still gets the answer, and their emailed answer
threads back (inbox/inbound_email.py).

Durability lives in PostgreSQL: the task only names the reply; the send is recorded in a
ReplyEmail outbox row (written under the conversation's lock, so two copies of the task
write one row), claimed with a lease, and marked sent or failed. A beat sweep re-enqueues
rows whose sender died."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from inbox.email_addresses import conversation_reply_address, formatted_address, inbound_enabled
from inbox.models import Conversation, ConversationPart, InboundEmail, ReplyEmail
from workspaces.scoping import workspace_scope

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6


class TransientSendError(Exception):
    """The mail server or provider could not take the message now; try again later."""


def reply_email_schedule(*, part: ConversationPart) -> None:
    """After the reply commits, give the customer the delay to read it in the messenger."""
    from inbox.tasks import reply_email_send

    transaction.on_commit(
        lambda: reply_email_send.apply_async(
            (part.workspace_id, part.pk), countdown=settings.INBOX_REPLY_EMAIL_DELAY_SECONDS
        )
    )


def _unread_replies(conversation: Conversation) -> list[ConversationPart]:
    parts = ConversationPart.objects.for_workspace(conversation.workspace_id).filter(
        conversation=conversation, kind=ConversationPart.Kind.TEAMMATE_REPLY, reply_email__isnull=True
    )
    if conversation.customer_read_at is not None:
        parts = parts.filter(created_at__gt=conversation.customer_read_at)
    return list(parts.order_by("id"))


@transaction.atomic
def reply_email_prepare(*, workspace_id: int, part_id: int) -> ReplyEmail | None:
    """The outbox row that carries this reply: the one it is already in, or a new one with
    every reply the customer has not read yet. None when there is nothing to email: the
    customer read it, has no address, or the reply is gone."""
    part = ConversationPart.objects.for_workspace(workspace_id).filter(pk=part_id).first()
    if part is None or part.kind != ConversationPart.Kind.TEAMMATE_REPLY:
        return None
    # The conversation's row lock makes two copies of this task agree on one email.
    conversation = (
        Conversation.objects.for_workspace(workspace_id).select_for_update().select_related("contact")
        .get(pk=part.conversation_id)
    )
    part.refresh_from_db(fields=["reply_email"])
    if part.reply_email_id is not None:
        return ReplyEmail.objects.for_workspace(workspace_id).get(pk=part.reply_email_id)
    read = conversation.customer_read_at is not None and conversation.customer_read_at >= part.created_at
    if read or not conversation.contact.email:
        return None
    parts = _unread_replies(conversation)
    if not parts:
        return None
    email = ReplyEmail.objects.create(
        workspace_id=workspace_id, conversation=conversation, to_email=conversation.contact.email,
        message_id=f"<parley.{uuid.uuid4().hex}@{_message_id_domain()}>",
    )
    ConversationPart.objects.for_workspace(workspace_id).filter(pk__in=[p.pk for p in parts]).update(reply_email=email)
    return email


def _message_id_domain() -> str:
    return settings.INBOUND_EMAIL_DOMAIN or settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "parley"


def _claim(email: ReplyEmail) -> bool:
    now = timezone.now()
    return bool(
        ReplyEmail.objects.for_workspace(email.workspace_id)
        .filter(pk=email.pk, status=ReplyEmail.Status.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + LEASE, attempts=F("attempts") + 1)
    )


def reply_email_deliver(*, workspace_id: int, part_id: int, final_attempt: bool = False) -> str:
    """Email the reply (with the other unread ones) unless the customer read it meanwhile.
    Returns what happened: "skipped", "busy" (another sender holds it), "sent", or
    "failed". Raises TransientSendError when the send should be retried."""
    email = reply_email_prepare(workspace_id=workspace_id, part_id=part_id)
    if email is None:
        return "skipped"
    if email.status != ReplyEmail.Status.PENDING:
        return email.status
    if not _claim(email):
        return "busy"
    rows = ReplyEmail.objects.for_workspace(workspace_id).filter(pk=email.pk)
    try:
        _message(email).send()
    except (BadHeaderError, ValueError) as exc:  # the message itself is wrong: retrying cannot help
        rows.update(status=ReplyEmail.Status.FAILED, error=str(exc)[:500], locked_until=None)
        _announce(email)
        logger.warning("reply_email_failed", extra={"workspace_id": workspace_id, "reply_email_id": email.pk})
        return "failed"
    except Exception as exc:
        if final_attempt:
            rows.update(status=ReplyEmail.Status.FAILED, error=str(exc)[:500] or type(exc).__name__, locked_until=None)
            _announce(email)
            return "failed"
        rows.update(locked_until=None, error=str(exc)[:500] or type(exc).__name__)
        raise TransientSendError(str(exc)) from exc
    rows.update(status=ReplyEmail.Status.SENT, sent_at=timezone.now(), locked_until=None, error="")
    _announce(email)
    logger.info("reply_email_sent", extra={"workspace_id": workspace_id, "reply_email_id": email.pk})
    return "sent"


def _announce(email: ReplyEmail) -> None:
    """The thread shows under each reply whether it was emailed; let open inbox pages know."""
    from inbox.services import _announce_to_team

    conversation = Conversation.objects.for_workspace(email.workspace_id).get(pk=email.conversation_id)
    with transaction.atomic():
        _announce_to_team(conversation)


def _references(email: ReplyEmail) -> list[str]:
    """Earlier messages of this conversation, oldest first, so mail programs thread it."""
    earlier = list(
        ReplyEmail.objects.for_workspace(email.workspace_id)
        .filter(conversation_id=email.conversation_id, pk__lt=email.pk, status=ReplyEmail.Status.SENT)
        .values_list("created_at", "message_id")
    ) + list(
        InboundEmail.objects.for_workspace(email.workspace_id)
        .filter(conversation_id=email.conversation_id)
        .values_list("created_at", "message_id")
    )
    return [message_id for _at, message_id in sorted(earlier) if message_id.startswith("<")][-20:]


def _message(email: ReplyEmail) -> EmailMultiAlternatives:
    conversation = Conversation.objects.for_workspace(email.workspace_id).select_related("workspace", "contact").get(
        pk=email.conversation_id
    )
    workspace, contact = conversation.workspace, conversation.contact
    parts = list(
        ConversationPart.objects.for_workspace(email.workspace_id).filter(reply_email=email)
        .select_related("author_membership__user").prefetch_related("attachments").order_by("id")
    )
    author = parts[-1].author_membership.user.name if parts and parts[-1].author_membership else workspace.name
    language = contact.language[:2] if contact.language[:2] in dict(settings.LANGUAGES) else workspace.default_language
    with translation.override(language), workspace_scope(workspace.pk):
        if conversation.subject:
            subject = conversation.subject if conversation.subject.lower().startswith("re:") else f"Re: {conversation.subject}"
        else:
            subject = _("%(name)s replied to you at %(workspace)s") % {"name": author, "workspace": workspace.name}
        _with_article_links(parts, workspace_id=workspace.pk, language=language)
        context = {
            "workspace": workspace, "contact": contact, "parts": parts, "site_url": settings.SITE_URL,
            "can_reply": inbound_enabled(),
        }
        text = render_to_string("inbox/email/reply.txt", context)
        html = render_to_string("inbox/email/reply.html", context)
    sender = settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].strip("> ") or settings.DEFAULT_FROM_EMAIL
    headers = {"Message-ID": email.message_id}
    references = _references(email)
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    message = EmailMultiAlternatives(
        subject=subject.replace("\r", " ").replace("\n", " "),
        body=text,
        from_email=formatted_address(name=f"{author} ({workspace.name})", address=sender),
        to=[formatted_address(name=contact.name, address=email.to_email)],
        reply_to=[conversation_reply_address(workspace=workspace, conversation_id=conversation.pk)]
        if inbound_enabled() else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _with_article_links(parts: list[ConversationPart], *, workspace_id: int, language: str) -> None:
    """An article sent with a reply is named in the email with its public address; a
    private help center's address would not open from a mail program, so only its title."""
    from articles.models import HelpCenter
    from articles.selectors import article_cards, article_public_path

    cards = article_cards(
        workspace=workspace_id, article_ids={p.article_id for p in parts if p.article_id}, language=language
    )
    help_center = HelpCenter.objects.for_workspace(workspace_id).first() if cards else None
    for part in parts:
        card = cards.get(part.article_id) if part.article_id else None
        part.article_card = card  # type: ignore[attr-defined]
        part.article_url = None  # type: ignore[attr-defined]
        if card is not None and help_center is not None and not help_center.private:
            path = article_public_path(
                help_center=help_center, language=card.language, number=card.article.number, slug=card.slug
            )
            part.article_url = f"{settings.SITE_URL}{path}" if path else None  # type: ignore[attr-defined]


def reply_emails_sweep(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue outbox rows whose sender died (lease expired while still pending)."""
    from inbox.tasks import reply_email_send

    now = now or timezone.now()
    # Crosses workspaces on purpose: a periodic sweep; each row is re-sent in its own scope.
    stale = (
        ReplyEmail.all_workspaces.filter(status=ReplyEmail.Status.PENDING, created_at__lt=now - LEASE)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .values_list("workspace_id", "pk")[:500]
    )
    count = 0
    for workspace_id, email_id in stale:
        gave_up = ReplyEmail.objects.for_workspace(workspace_id).filter(pk=email_id, attempts__gte=MAX_ATTEMPTS).update(
            status=ReplyEmail.Status.FAILED, error=_("Gave up after %(count)d attempts.") % {"count": MAX_ATTEMPTS}
        )
        if gave_up:
            continue
        part_id = (
            ConversationPart.objects.for_workspace(workspace_id).filter(reply_email_id=email_id)
            .values_list("pk", flat=True).first()
        )
        if part_id is not None:
            reply_email_send.delay(workspace_id, part_id)
            count += 1
    return count
