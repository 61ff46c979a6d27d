"""Sending an outbound message's pending deliveries, in batches, through Django's email
backend (django-anymail for a provider, SMTP by default).

Exactly once, as far as email allows:
- a batch is claimed with SELECT … FOR UPDATE SKIP LOCKED and marked `sending` with a
  lease in its own committed transaction, so two workers never hold the same rows. The
  lease's expiry time, identical for the rows of one claim, doubles as the claim's fencing
  token: a worker only sends and records rows still carrying its own token;
- a batch can outlive its lease (a slow server, a long batch): before each email the worker
  renews the lease of the rows it still holds once a third of it has gone, and skips any row
  the sweep already handed to someone else;
- each email is marked `sent` right after the server or provider accepted it, one short
  transaction per email, so a worker killed between two emails leaves every accepted
  email recorded;
- a worker killed during an SMTP conversation leaves its row `sending`; when the lease
  runs out the sweep hands it back as `pending`, and it is sent again — the server never
  accepted the first try. (Only a kill in the instant between the server's "250 OK" and
  the commit could send twice; the Message-ID is the same on both, and mailbox providers
  fold such copies into one.)
- transient failures (connection lost, 4xx, provider throttling) go back to `pending` with a
  not-before time (`locked_until` on a pending row) that grows with each attempt, up to
  MAX_ATTEMPTS; a server that keeps failing ends the batch and hands the rest back without
  spending their attempts. Permanent ones (address refused, 5xx) are marked `failed` with
  the reason, visible on the message. A message is never left with due rows and nobody to
  send them: the lease sweep also restarts live messages whose chain of tasks was lost.
- the address is the contact's current one: a contact who changed their email after the
  audience was written is sent to the new address (suppression checked on it, and the row
  records where it went); an address they gave up may now be someone else's.
Pausing or stopping the message is read several times a second while a batch sends."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import time
import zoneinfo
from dataclasses import dataclass

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from contacts.models import Contact
from inbox.email_addresses import formatted_address, inbound_enabled
from outbound import rendering, tracking
from outbound.models import Delivery, DeliveryEvent, OutboundMessage, Suppression

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ATTEMPTS = 5
WORKSPACE_HEADER = "X-Parley-Workspace"
STATE_CHECK_SECONDS = 0.2
# Kept below the broker's visibility_timeout (an hour): a countdown task waiting longer would
# be delivered a second time while the first still waits.
MAX_BACKOFF_SECONDS = 30 * 60
# Connection failures in a row after which the server is taken to be down for this batch.
FAILURES_BEFORE_GIVING_UP = 3


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOUND_SEND_LEASE_SECONDS)


def backoff_seconds(attempts: int) -> int:
    return min(settings.OUTBOUND_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def _due(now: dt.datetime) -> Q:
    """Pending rows that may be tried now (a transient failure sets a not-before time)."""
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


class TransientSendError(Exception):
    pass


class PermanentSendError(Exception):
    pass


@dataclass(frozen=True)
class BatchResult:
    claimed: int
    sent: int
    retry_in: int | None = None  # seconds until rows waiting out a backoff are due
    more: bool = False  # pending rows are due now


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
    until = now + lease()
    with transaction.atomic():
        rows = list(
            Delivery.objects.for_workspace(message.workspace_id)
            .filter(_due(now), message=message, status=Delivery.Status.PENDING)
            .select_for_update(skip_locked=True).order_by("id")[:limit]
        )
        # One statement for the whole batch (the same values for every row).
        Delivery.objects.for_workspace(message.workspace_id).filter(pk__in=[row.pk for row in rows]).update(
            status=Delivery.Status.SENDING, locked_until=until, attempts=F("attempts") + 1)
    for row in rows:
        row.status, row.locked_until, row.attempts = Delivery.Status.SENDING, until, row.attempts + 1
        # Derived from the delivery, so a retry carries the same one: a copy that slipped
        # through twice is one message to the mailbox provider. Stored when the email is.
        row.email_message_id = row.email_message_id or email_message_id(row)
    return rows


def email_message_id(delivery: Delivery) -> str:
    digest = hashlib.sha256(f"parley.outbound.message-id:{delivery.token}".encode()).hexdigest()[:32]
    return f"<{digest}@{_message_id_domain()}>"


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
        # The workspace's public app id (it is in the messenger snippet anyway): the demo's
        # mailbox (outbound/mailbox.py) files each email under its workspace by it.
        WORKSPACE_HEADER: message.workspace.app_id,
    }
    reply_to = reply_address(delivery, message)
    email = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, from_email=sender_address(message), to=[delivery.email],
        reply_to=[reply_to] if reply_to else None, headers=headers, connection=connection,
    )
    email.attach_alternative(rendered.html, "text/html")
    return email


def _classify(exc: Exception) -> type[Exception]:
    if isinstance(exc, (ValueError, AnymailRecipientsRefused)):
        # BadHeaderError and unparseable addresses are ValueErrors: the same data fails again.
        return PermanentSendError
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # 450/451/452 (mailbox busy, greylisting, full) pass; only 5xx for every address is final.
        codes = [code for code, _text in exc.recipients.values()]
        return PermanentSendError if codes and all(500 <= code < 600 for code in codes) else TransientSendError
    if isinstance(exc, smtplib.SMTPResponseException):
        return PermanentSendError if 500 <= exc.smtp_code < 600 else TransientSendError
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        return PermanentSendError if status is not None and 400 <= status < 500 and status != 429 else TransientSendError
    return TransientSendError  # connection lost, timeouts, anything unknown: try again later


def _server_unavailable(exc: Exception) -> bool:
    """The server, not this address: refused connections, hang-ups, 421 "closing"."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code == 421 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421
    return isinstance(exc, (smtplib.SMTPServerDisconnected, OSError))


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
        return _outcome(message, claimed=0, sent=0, retry_in=None)
    workspace_id = message.workspace_id
    contacts = {c.pk: c for c in Contact.objects.for_workspace(workspace_id).filter(pk__in=[r.contact_id for r in rows])}
    companies = _companies(list(contacts), workspace_id)
    addresses = {r.email.lower() for r in rows} | {(c.email or "").strip().lower() for c in contacts.values()}
    suppressed = set(
        Suppression.objects.for_workspace(workspace_id).filter(email__in=addresses - {""}).values_list("email", flat=True)
    )
    prepared = rendering.prepare(message, tracking=message.workspace.email_tracking_enabled)
    held = _Held(rows)
    checked_at = 0.0
    sent = 0
    failures_in_a_row = 0
    retry_in: int | None = None
    connection = get_connection()
    try:
        for index, row in enumerate(rows):
            # Paused or stopped: read a few times a second rather than before every email
            # (a query per email was a third of the sending time).
            if time.monotonic() - checked_at >= STATE_CHECK_SECONDS:
                checked_at = time.monotonic()
                if _stopped(message):
                    _release(rows[index:], held=held.until)
                    break
            if not held.keeps(row, rows[index:]):
                continue  # the sweep gave it to another worker while this one was slow
            contact = contacts.get(row.contact_id)
            address = (contact.email or "").strip() if contact is not None else ""
            if not address or address.lower() in suppressed:
                _finish(row, Delivery.Status.SUPPRESSED, held=held.until,
                        error="" if address else "The contact has no email address any more.")
                continue
            row.email = address
            rendered = rendering.render(
                prepared, contact=contact, company=companies.get(contact.pk),
                urls=rendering.delivery_urls(prepared, row),
            )
            try:
                email = build_email(message=message, delivery=row, rendered=rendered, connection=connection)
                # Opened once and kept for the batch (Django's SMTP backend would otherwise
                # connect and say goodbye for every email); a no-op for HTTP providers.
                connection.open()
                email.send()
            except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
                reason = f"{type(exc).__name__}: {exc}"[:1000]
                if _classify(exc) is PermanentSendError or row.attempts >= MAX_ATTEMPTS:
                    _finish(row, Delivery.Status.FAILED, held=held.until, error=reason)
                    logger.warning("outbound_send_failed", extra={"delivery_id": row.pk, "error": reason[:200]})
                    continue
                wait = backoff_seconds(row.attempts)
                _finish(row, Delivery.Status.PENDING, held=held.until, error=reason,
                        not_before=timezone.now() + dt.timedelta(seconds=wait))
                retry_in = wait if retry_in is None else min(retry_in, wait)
                _close(connection)  # a broken connection is not reused
                failures_in_a_row = failures_in_a_row + 1 if _server_unavailable(exc) else 0
                if failures_in_a_row >= FAILURES_BEFORE_GIVING_UP:
                    # The server is down, not these addresses: the rest wait without losing a try.
                    logger.warning("outbound_server_unavailable", extra={"message_id": message.pk, "error": reason[:200]})
                    _release(rows[index + 1:], held=held.until,
                             not_before=timezone.now() + dt.timedelta(seconds=backoff_seconds(1)))
                    break
                continue
            failures_in_a_row = 0
            provider_id = getattr(getattr(email, "anymail_status", None), "message_id", None) or ""
            _finish(row, Delivery.Status.SENT, held=held.until, error="", provider_message_id=str(provider_id)[:255])
            sent += 1
    finally:
        _close(connection)
    return _outcome(message, claimed=len(rows), sent=sent, retry_in=retry_in)


def _outcome(message: OutboundMessage, *, claimed: int, sent: int, retry_in: int | None) -> BatchResult:
    now = timezone.now()
    pending = Delivery.objects.for_workspace(message.workspace_id).filter(
        message=message, status=Delivery.Status.PENDING)
    more = pending.filter(_due(now)).exists()
    if not more:
        next_due = pending.aggregate(next_due=Min("locked_until"))["next_due"]
        if next_due is not None:
            retry_in = max(1, min(int((next_due - now).total_seconds()) + 1, MAX_BACKOFF_SECONDS))
    return BatchResult(claimed=claimed, sent=sent, retry_in=retry_in, more=more)


class _Held:
    """The rows of one claim this worker still holds, by their shared lease expiry (the
    claim's fencing token), renewed once a third of the lease has gone."""

    def __init__(self, rows: list[Delivery]) -> None:
        self.until: dt.datetime = rows[0].locked_until  # type: ignore[assignment]
        self.ids = {row.pk for row in rows}

    def keeps(self, row: Delivery, remaining: list[Delivery]) -> bool:
        now = timezone.now()
        if now >= self.until - lease() * 2 / 3:
            renewed = now + lease()
            ids = [r.pk for r in remaining if r.pk in self.ids]
            mine = Delivery.objects.for_workspace(row.workspace_id).filter(
                pk__in=ids, status=Delivery.Status.SENDING, locked_until=self.until)
            mine.update(locked_until=renewed)
            self.ids = set(
                Delivery.objects.for_workspace(row.workspace_id).filter(
                    pk__in=ids, status=Delivery.Status.SENDING, locked_until=renewed).values_list("pk", flat=True)
            )
            self.until = renewed
            for r in remaining:
                r.locked_until = renewed
        return row.pk in self.ids


def _close(connection) -> None:  # type: ignore[no-untyped-def]
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a connection that is already broken cannot say goodbye
        logger.info("outbound_connection_close_failed")


def _stopped(message: OutboundMessage) -> bool:
    state = OutboundMessage.objects.for_workspace(message.workspace_id).filter(pk=message.pk).values_list(
        "state", flat=True).first()
    return state != OutboundMessage.State.LIVE


def _release(rows: list[Delivery], *, held: dt.datetime, not_before: dt.datetime | None = None) -> None:
    """Hand unsent rows back without spending their attempt (the message was paused or
    stopped meanwhile, or the server is down)."""
    if not rows:
        return
    Delivery.objects.for_workspace(rows[0].workspace_id).filter(
        pk__in=[r.pk for r in rows], status=Delivery.Status.SENDING, locked_until=held,
    ).update(status=Delivery.Status.PENDING, locked_until=not_before, attempts=F("attempts") - 1)


def _finish(
    row: Delivery, status: str, *, held: dt.datetime, error: str, provider_message_id: str = "",
    not_before: dt.datetime | None = None,
) -> None:
    now = timezone.now()
    fields: dict = {"status": status, "locked_until": not_before, "error": error, "email": row.email,
                    "email_message_id": row.email_message_id}
    if status == Delivery.Status.SENT:
        fields.update(sent_at=now, provider_message_id=provider_message_id)
    with transaction.atomic():
        updated = Delivery.objects.for_workspace(row.workspace_id).filter(
            pk=row.pk, status=Delivery.Status.SENDING, locked_until=held,
        ).update(**fields)
        if not updated:
            logger.warning("outbound_lease_lost", extra={"delivery_id": row.pk, "status": status})
        elif status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            DeliveryEvent.objects.create(
                workspace_id=row.workspace_id, delivery_id=row.pk,
                kind=DeliveryEvent.Kind.SENT if status == Delivery.Status.SENT else DeliveryEvent.Kind.FAILED,
            )


def leases_sweep(*, now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """Deliveries whose worker died mid-send go back to pending (beat). Returns the
    (workspace id, message id) pairs to send again: those, and live messages with rows due
    and no worker on them (their chain of tasks was lost with a worker, or waited out a
    sending window)."""
    now = now or timezone.now()
    # Crosses workspaces on purpose: a periodic sweep; it only names rows back to their queue.
    expired = Delivery.all_workspaces.filter(status=Delivery.Status.SENDING, locked_until__lt=now)
    pairs = set(expired.values_list("workspace_id", "message_id"))
    expired.update(status=Delivery.Status.PENDING, locked_until=None)
    # Crosses workspaces on purpose: live messages are few; each is checked in its workspace.
    live = OutboundMessage.all_workspaces.filter(state=OutboundMessage.State.LIVE).values_list("workspace_id", "pk")
    for workspace_id, message_id in live:
        rows = Delivery.objects.for_workspace(workspace_id).filter(message_id=message_id)
        if (rows.filter(_due(now), status=Delivery.Status.PENDING).exists()
                and not rows.filter(status=Delivery.Status.SENDING).exists()):
            pairs.add((workspace_id, message_id))
    return sorted(pairs)


def stop_pending(*, message: OutboundMessage) -> int:
    """A stopped message sends nothing more: what waited is marked skipped."""
    return Delivery.objects.for_workspace(message.workspace_id).filter(
        Q(status=Delivery.Status.PENDING), message=message
    ).update(status=Delivery.Status.SKIPPED, locked_until=None)
