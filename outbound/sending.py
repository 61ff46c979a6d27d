"""Sending an outbound message's pending deliveries, in batches, through Django's email
backend (django-anymail for a provider, SMTP by default).

Exactly once, as far as email allows:
- a batch is claimed with SELECT … FOR UPDATE SKIP LOCKED and marked `sending` with a
  lease in its own committed transaction, so two workers never hold the same rows;
- each email is marked `sent` right after the server or provider accepted it, one short
  transaction per email, so a worker killed between two emails leaves every accepted
  email recorded;
- a worker killed during an SMTP conversation leaves its row `sending`; when the lease
  runs out the sweep hands it back as `pending`, and it is sent again — the server never
  accepted the first try. (Only a kill in the instant between the server's "250 OK" and
  the commit could send twice; the Message-ID is the same on both, and mailbox providers
  fold such copies into one.)
- transient failures (connection lost, 4xx, provider throttling) go back to `pending` with a
  backoff, up to MAX_ATTEMPTS; permanent ones (address refused, 5xx) are marked `failed`
  with the reason, visible on the message.
Pausing or stopping the message is checked before every email."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
import zoneinfo
from dataclasses import dataclass

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from contacts.models import Contact
from inbox.email_addresses import formatted_address, inbound_enabled
from outbound import rendering, tracking
from outbound.models import Delivery, DeliveryEvent, OutboundMessage, Suppression
from workspaces.scoping import workspace_scope

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5


class TransientSendError(Exception):
    pass


class PermanentSendError(Exception):
    pass


@dataclass(frozen=True)
class BatchResult:
    claimed: int
    sent: int
    retry_in: int | None = None  # seconds, when some must be tried again
    more: bool = False  # pending rows remain


def in_window(message: OutboundMessage, now: dt.datetime) -> bool:
    """Inside the start/stop dates and the sending window (workspace time zone)."""
    if message.starts_at and now < message.starts_at:
        return False
    if message.stops_at and now >= message.stops_at:
        return False
    local = now.astimezone(zoneinfo.ZoneInfo(message.workspace.timezone))
    if message.window_days and local.weekday() not in message.window_days:
        return False
    start, end = message.window_start_hour, message.window_end_hour
    if start is not None and end is not None and not (start <= local.hour < end):
        return False
    return True


def claim(*, message: OutboundMessage, limit: int = BATCH_SIZE) -> list[Delivery]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.for_workspace(message.workspace_id)
            .filter(message=message, status=Delivery.Status.PENDING)
            .select_for_update(skip_locked=True).order_by("id")[:limit]
        )
        for row in rows:
            row.status = Delivery.Status.SENDING
            row.locked_until = now + LEASE
            row.attempts += 1
            if not row.email_message_id:
                # Stable across retries: a copy that slipped through twice is one message.
                row.email_message_id = f"<{uuid.uuid4().hex}@{_message_id_domain()}>"
        with workspace_scope(message.workspace_id):
            Delivery.objects.bulk_update(rows, ["status", "locked_until", "attempts", "email_message_id"])
    return rows


def _message_id_domain() -> str:
    return settings.INBOUND_EMAIL_DOMAIN or (settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "parley")


def sender_address(message: OutboundMessage) -> str:
    default = settings.DEFAULT_FROM_EMAIL
    _name, _, address = default.rpartition("<")
    address = address.rstrip(">").strip() or default
    workspace_name = message.workspace.name
    if message.sender_kind == OutboundMessage.Sender.TEAMMATE and message.sender is not None:
        return formatted_address(name=f"{message.sender.user.name} ({workspace_name})", address=address)
    return formatted_address(name=workspace_name, address=address)


def reply_address(delivery: Delivery, message: OutboundMessage) -> str | None:
    if not inbound_enabled():
        return None
    from inbox.email_addresses import outbound_reply_address

    return outbound_reply_address(workspace=message.workspace, delivery_id=delivery.pk)


def build_email(*, message: OutboundMessage, delivery: Delivery, rendered: rendering.Rendered, connection) -> EmailMultiAlternatives:  # type: ignore[no-untyped-def]
    unsubscribe = tracking.unsubscribe_url(delivery)
    headers = {
        "Message-ID": delivery.email_message_id,
        # RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" to this address.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    reply_to = reply_address(delivery, message)
    email = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, from_email=sender_address(message), to=[delivery.email],
        reply_to=[reply_to] if reply_to else None, headers=headers, connection=connection,
    )
    email.attach_alternative(rendered.html, "text/html")
    return email


def _classify(exc: Exception) -> type[Exception]:
    if isinstance(exc, (BadHeaderError, AnymailRecipientsRefused, smtplib.SMTPRecipientsRefused)):
        return PermanentSendError
    if isinstance(exc, smtplib.SMTPResponseException):
        return PermanentSendError if 500 <= exc.smtp_code < 600 else TransientSendError
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        return PermanentSendError if status is not None and 400 <= status < 500 and status != 429 else TransientSendError
    return TransientSendError  # connection lost, timeouts, anything unknown: try again later


def _companies(contact_ids: list[int], workspace_id: int) -> dict[int, dict]:
    rows = (
        Contact.companies.through.objects.filter(contact_id__in=contact_ids, company__workspace_id=workspace_id)
        .values("contact_id", "company__name", "company__company_id", "company__plan", "company__industry",
                "company__website", "company__size").order_by("contact_id", "company__name")
    )
    companies: dict[int, dict] = {}
    for row in rows:
        companies.setdefault(row["contact_id"], {
            "name": row["company__name"], "company_id": row["company__company_id"], "plan": row["company__plan"],
            "industry": row["company__industry"], "website": row["company__website"], "size": row["company__size"],
        })
    return companies


def send_batch(*, message: OutboundMessage, limit: int = BATCH_SIZE) -> BatchResult:
    """Claim and send up to `limit` pending deliveries of a live message."""
    now = timezone.now()
    if message.state != OutboundMessage.State.LIVE or not in_window(message, now):
        return BatchResult(claimed=0, sent=0)
    rows = claim(message=message, limit=limit)
    if not rows:
        return BatchResult(claimed=0, sent=0)
    workspace_id = message.workspace_id
    contacts = {c.pk: c for c in Contact.objects.for_workspace(workspace_id).filter(pk__in=[r.contact_id for r in rows])}
    companies = _companies(list(contacts), workspace_id)
    suppressed = set(
        Suppression.objects.for_workspace(workspace_id)
        .filter(email__in=[r.email.lower() for r in rows]).values_list("email", flat=True)
    )
    prepared = rendering.prepare(message, tracking=message.workspace.email_tracking_enabled)
    sent = 0
    retry_in: int | None = None
    connection = get_connection()
    try:
        for row in rows:
            if _stopped(message):
                _release(rows[rows.index(row):])
                break
            contact = contacts.get(row.contact_id)
            if contact is None or row.email.lower() in suppressed or not contact.email:
                _finish(row, Delivery.Status.SUPPRESSED, error="")
                continue
            rendered = rendering.render(
                prepared, contact=contact, company=companies.get(contact.pk),
                urls=rendering.delivery_urls(prepared, row),
            )
            try:
                email = build_email(message=message, delivery=row, rendered=rendered, connection=connection)
                email.send()
            except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
                kind = _classify(exc)
                if kind is PermanentSendError or row.attempts >= MAX_ATTEMPTS:
                    _finish(row, Delivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000])
                    logger.warning("outbound_send_failed", extra={"delivery_id": row.pk, "error": str(exc)[:200]})
                else:
                    _finish(row, Delivery.Status.PENDING, error=f"{type(exc).__name__}: {exc}"[:1000])
                    retry_in = min(60 * 2 ** (row.attempts - 1), 3600)
                    connection.close()  # a broken connection is not reused
                continue
            provider_id = getattr(getattr(email, "anymail_status", None), "message_id", None) or ""
            _finish(row, Delivery.Status.SENT, error="", provider_message_id=str(provider_id)[:255])
            sent += 1
    finally:
        connection.close()
    more = Delivery.objects.for_workspace(workspace_id).filter(message=message, status=Delivery.Status.PENDING).exists()
    return BatchResult(claimed=len(rows), sent=sent, retry_in=retry_in, more=more)


def _stopped(message: OutboundMessage) -> bool:
    state = OutboundMessage.objects.for_workspace(message.workspace_id).filter(pk=message.pk).values_list(
        "state", flat=True).first()
    return state != OutboundMessage.State.LIVE


def _release(rows: list[Delivery]) -> None:
    """Hand unsent rows back (the message was paused or stopped meanwhile)."""
    Delivery.objects.for_workspace(rows[0].workspace_id).filter(
        pk__in=[r.pk for r in rows], status=Delivery.Status.SENDING
    ).update(status=Delivery.Status.PENDING, locked_until=None, attempts=F("attempts") - 1)


def _finish(row: Delivery, status: str, *, error: str, provider_message_id: str = "") -> None:
    now = timezone.now()
    fields: dict = {"status": status, "locked_until": None, "error": error}
    if status == Delivery.Status.SENT:
        fields.update(sent_at=now, provider_message_id=provider_message_id)
    with transaction.atomic():
        updated = Delivery.objects.for_workspace(row.workspace_id).filter(
            pk=row.pk, status=Delivery.Status.SENDING
        ).update(**fields)
        if updated and status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            DeliveryEvent.objects.create(
                workspace_id=row.workspace_id, delivery_id=row.pk,
                kind=DeliveryEvent.Kind.SENT if status == Delivery.Status.SENT else DeliveryEvent.Kind.FAILED,
            )


def leases_sweep(*, now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """Deliveries whose worker died mid-send go back to pending (beat). Returns the
    (workspace id, message id) pairs to send again."""
    now = now or timezone.now()
    # Crosses workspaces on purpose: a periodic sweep; it only names rows back to their queue.
    expired = Delivery.all_workspaces.filter(status=Delivery.Status.SENDING, locked_until__lt=now)
    pairs = sorted(set(expired.values_list("workspace_id", "message_id")))
    expired.update(status=Delivery.Status.PENDING, locked_until=None)
    return pairs


def stop_pending(*, message: OutboundMessage) -> int:
    """A stopped message sends nothing more: what waited is marked skipped."""
    return Delivery.objects.for_workspace(message.workspace_id).filter(
        Q(status=Delivery.Status.PENDING), message=message
    ).update(status=Delivery.Status.SKIPPED)
