"""Email into conversations. Any provider anymail supports posts to
/anymail/<provider>/inbound/ (Basic auth with ANYMAIL_WEBHOOK_SECRET, or the provider's
signature); a mail server can pipe a message to `manage.py inbound_email` instead. Either
way the message only becomes a receipt here; a task then threads it into the conversation
its Reply-To address (or In-Reply-To) names, or starts a new conversation from the sender.

Nothing a sender writes chooses the workspace except the address they sent to. What cannot
be used (too large, too many attachments, unreadable, automatic replies) stays as a receipt
with its reason, so one poisonous message never blocks the ones after it."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging

from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.services import contact_for_email
from inbox import services
from inbox.email_addresses import addresses_in, conversation_id_verified, recipient_parse
from inbox.email_text import html_to_text, reply_text
from inbox.models import Conversation, ConversationPart, InboundEmail, ReplyEmail
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
_AUTOMATIC_SENDERS = ("mailer-daemon@", "postmaster@", "no-reply@", "noreply@")


class Unusable(Exception):
    """The message cannot become a conversation part; the receipt keeps the reason."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _recipients(message: AnymailInboundMessage) -> list[str]:
    envelope = getattr(message, "envelope_recipient", None)
    return addresses_in(envelope, *(message.get(header) for header in _RECIPIENT_HEADERS))


def _workspace_for(recipients: list[str]) -> Workspace | None:
    for address in recipients:
        recipient = recipient_parse(address)
        if recipient is not None:
            workspace = Workspace.objects.filter(app_id=recipient.app_id).first()
            if workspace is not None:
                return workspace
    return None


def _raw_bytes(message: AnymailInboundMessage) -> bytes:
    """The message as MIME bytes to keep. Providers that post parsed fields (Postmark
    without RawEmail, Mailgun's form) give anymail decoded attachments with no transfer
    encoding; serialized as they are, binary files would be mangled by line-ending
    normalisation, so they are base64-encoded first."""
    for part in message.walk():
        if part.is_multipart() or part.get("Content-Transfer-Encoding") or part.get_content_maintype() == "text":
            continue
        data = part.get_content_bytes() or b""
        part.set_payload(base64.encodebytes(data).decode("ascii"))
        part["Content-Transfer-Encoding"] = "base64"
    try:
        return message.as_bytes()
    except (UnicodeError, ValueError, TypeError, LookupError):  # malformed: keep what can be kept
        return message.as_string().encode("utf-8", "replace")


def _message_id(message: AnymailInboundMessage, event_id: str | None, raw: bytes) -> str:
    header = (message.get("Message-ID") or "").strip()
    if header:
        return header[:255]
    if event_id:
        return f"event:{event_id}"[:255]
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def inbound_email_receive(
    *, message: AnymailInboundMessage, provider: str, event_id: str | None = None, size: int = 0
) -> InboundEmail | None:
    """Store the receipt of a message for one of our workspaces and enqueue its processing.
    A message received twice (a provider's retry) is stored once and processed once.
    `size` is the size as received, when the caller knows it (a pipe reads it raw)."""
    recipients = _recipients(message)
    workspace = _workspace_for(recipients)
    if workspace is None:
        logger.info("inbound_email_unroutable", extra={"recipients": recipients[:5], "provider": provider})
        return None
    raw = _raw_bytes(message)
    size = max(size, len(raw))
    too_large = size > settings.INBOUND_EMAIL_MAX_BYTES
    sender = message.from_email.addr_spec if message.from_email else ""
    receipt = InboundEmail(
        workspace=workspace,
        provider=provider[:32],
        message_id=_message_id(message, event_id, raw),
        from_email=sender[:254],
        subject=(message.subject or "").replace("\r", " ").replace("\n", " ")[:255],
        raw=b"" if too_large else raw,
        size=size,
    )
    if too_large:
        receipt.status, receipt.processed_at = InboundEmail.Status.QUARANTINED, timezone.now()
        receipt.reason = _("Larger than %(limit)d MB.") % {"limit": settings.INBOUND_EMAIL_MAX_BYTES // (1024 * 1024)}
    try:
        with transaction.atomic():
            receipt.save()
            if receipt.status == InboundEmail.Status.RECEIVED:
                _enqueue(receipt)
    except IntegrityError:
        logger.info("inbound_email_duplicate", extra={"workspace_id": workspace.pk, "provider": provider})
        return InboundEmail.objects.for_workspace(workspace).get(provider=receipt.provider, message_id=receipt.message_id)
    return receipt


def _enqueue(receipt: InboundEmail) -> None:
    from inbox.tasks import inbound_email_process as task

    transaction.on_commit(lambda: task.delay(receipt.workspace_id, receipt.pk))


@transaction.atomic
def inbound_email_process(*, workspace_id: int, inbound_id: int) -> str:
    """Thread one received message into its conversation, or start one. Idempotent: a
    receipt is processed once, under its row lock. Returns the receipt's new status."""
    receipt = InboundEmail.objects.for_workspace(workspace_id).select_for_update().filter(pk=inbound_id).first()
    if receipt is None:
        return "missing"
    if receipt.status != InboundEmail.Status.RECEIVED:
        return receipt.status
    try:
        # A savepoint: whatever goes wrong inside leaves nothing half-written, and the
        # receipt below still records why.
        with transaction.atomic():
            receipt.status, receipt.conversation = _use(receipt)
    except Unusable as exc:
        receipt.status, receipt.reason = exc.status, exc.reason[:255]
    except Exception as exc:  # malformed MIME and the like: quarantine, keep the queue moving
        logger.exception("inbound_email_unreadable", extra={"workspace_id": workspace_id, "inbound_id": inbound_id})
        receipt.status = InboundEmail.Status.QUARANTINED
        receipt.reason = (_("Could not be read: %(error)s") % {"error": type(exc).__name__})[:255]
    receipt.processed_at = timezone.now()
    receipt.save(update_fields=["status", "reason", "conversation", "processed_at"])
    return receipt.status


def _automatic(message: AnymailInboundMessage, sender: str) -> bool:
    """Out-of-office replies, bounces and list mail: answering them would start mail loops."""
    if (message.get("Auto-Submitted") or "no").strip().lower() != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if (message.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    lowered = sender.lower()
    return lowered.startswith(_AUTOMATIC_SENDERS) or lowered.endswith("@" + settings.INBOUND_EMAIL_DOMAIN)


def _body(message: AnymailInboundMessage) -> str:
    text = message.text
    if not (text or "").strip() and message.html:
        text = html_to_text(message.html)
    text = reply_text(text or "")
    if len(text) > settings.INBOUND_EMAIL_MAX_TEXT:
        text = text[: settings.INBOUND_EMAIL_MAX_TEXT].rstrip() + "…"
    return text


def _attachments(message: AnymailInboundMessage) -> tuple[list, list[str]]:
    """The attachments we keep (re-encoded images, allowed files) and the names of those
    refused, which the part mentions so the team knows something was left out."""
    parts = message.attachments
    if len(parts) > settings.INBOUND_EMAIL_MAX_ATTACHMENTS:
        raise Unusable(
            InboundEmail.Status.QUARANTINED,
            _("More than %(limit)d attachments.") % {"limit": settings.INBOUND_EMAIL_MAX_ATTACHMENTS},
        )
    if not parts:
        return [], []
    from core.uploads import UploadRefused, prepare_upload

    kept, refused = [], []
    for part in parts:
        name = part.get_filename() or ""
        try:
            kept.append(prepare_upload(data=part.get_content_bytes() or b"", filename=name,
                                       declared_type=part.get_content_type()))
        except UploadRefused:
            refused.append(name or part.get_content_type())
    return kept, refused


def _threaded_conversation(
    receipt: InboundEmail, message: AnymailInboundMessage, sender: str
) -> Conversation | None:
    """The conversation this message answers, when its sender is that conversation's
    customer: named by our signed Reply-To address, else by the Message-IDs it replies to."""
    conversations = Conversation.objects.for_workspace(receipt.workspace_id).select_related("contact")
    conversation = None
    for address in _recipients(message):
        conversation_id = conversation_id_verified(address=address, workspace=receipt.workspace)
        if conversation_id is not None:
            conversation = conversations.filter(pk=conversation_id).first()
            break
    if conversation is None:
        referenced = f"{message.get('In-Reply-To') or ''} {message.get('References') or ''}".split()[:50]
        if referenced:
            conversation_id = (
                ReplyEmail.objects.for_workspace(receipt.workspace_id).filter(message_id__in=referenced)
                .values_list("conversation_id", flat=True).first()
            ) or (
                InboundEmail.objects.for_workspace(receipt.workspace_id)
                .filter(message_id__in=referenced, conversation__isnull=False)
                .values_list("conversation_id", flat=True).first()
            )
            conversation = conversations.filter(pk=conversation_id).first() if conversation_id else None
    if conversation is not None and conversation.contact.email.lower() == sender.lower():
        return conversation
    return None


def _use(receipt: InboundEmail) -> tuple[str, Conversation]:
    message = AnymailInboundMessage.parse_raw_mime_bytes(bytes(receipt.raw))
    sender = message.from_email.addr_spec if message.from_email else ""
    if not sender or "@" not in sender:
        raise Unusable(InboundEmail.Status.QUARANTINED, _("No sender address."))
    if _automatic(message, sender):
        raise Unusable(InboundEmail.Status.IGNORED, _("An automatic reply."))
    body = _body(message)
    attachments, refused = _attachments(message)
    if refused:
        body = (body + "\n\n" if body else "") + _("(Attachments not accepted: %(names)s)") % {"names": ", ".join(refused)}
    if not body and not attachments:
        raise Unusable(InboundEmail.Status.IGNORED, _("No text or attachment."))
    first, rest = (attachments[0], attachments[1:]) if attachments else (None, [])
    conversation = _threaded_conversation(receipt, message, sender)
    if conversation is None:
        # An answer to an outbound email: its conversation starts with that email.
        from outbound.replies import reply_conversation

        conversation = reply_conversation(receipt=receipt, recipients=_recipients(message), sender=sender)
    if conversation is not None:
        part = services.customer_message_create(
            conversation=conversation, contact=conversation.contact, body=body, attachment=first, inbound_email=receipt
        )
        status = InboundEmail.Status.THREADED
    else:
        name = message.from_email.display_name if message.from_email else ""
        contact = contact_for_email(workspace=receipt.workspace, email=sender, name=name)
        conversation = services.conversation_start(
            contact=contact, body=body, attachment=first, source=Conversation.Source.EMAIL,
            subject=receipt.subject, inbound_email=receipt,
        )
        part = ConversationPart.objects.for_workspace(receipt.workspace_id).filter(
            conversation=conversation, inbound_email=receipt
        ).get()
        status = InboundEmail.Status.STARTED
    for extra in rest:
        services.part_attach(part=part, attachment=extra)
    return status, conversation


def inbound_emails_sweep(*, now: dt.datetime | None = None) -> int:
    """Receipts still waiting a while after they arrived lost their task: enqueue again."""
    from inbox.tasks import inbound_email_process as task

    now = now or timezone.now()
    # Crosses workspaces on purpose: a periodic sweep; each receipt is processed in its scope.
    waiting = InboundEmail.all_workspaces.filter(
        status=InboundEmail.Status.RECEIVED, created_at__lt=now - dt.timedelta(minutes=2)
    ).values_list("workspace_id", "pk")[:500]
    count = 0
    for workspace_id, inbound_id in waiting:
        task.delay(workspace_id, inbound_id)
        count += 1
    return count


def inbound_signal_received(sender, event, esp_name, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """anymail's `inbound` signal: every provider's webhook ends here."""
    inbound_email_receive(message=event.message, provider=esp_name.lower(), event_id=event.event_id)
