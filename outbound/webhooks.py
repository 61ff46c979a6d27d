"""Providers' delivery and tracking events, through anymail's `tracking` signal: any
provider anymail supports posts to /anymail/<provider>/tracking/, and anymail checks its
signature or Basic auth (ANYMAIL_WEBHOOK_SECRET) before anything reaches us: a bad or
missing one is answered 400 without calling this module.

An event names the email by the provider's message id (`Delivery.provider_message_id`,
what the provider answered when it took the email) or by our Message-ID header (providers
that report it, e.g. Mailgun). Each event is recorded once: the provider's event id is
unique per workspace, and for providers that send none (Postmark's deliveries and opens) an
id is derived from what the event says, so a replayed webhook changes nothing twice."""

from __future__ import annotations

import hashlib
import logging
import re

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.db.models import Q

from outbound import tracking_services
from outbound.models import Delivery

logger = logging.getLogger(__name__)

# Bounces a provider reports that are not about the address: it will try again, or the
# receiving server refused for a reason of its own (a virus, a full mailbox, a DNS error).
SOFT_BOUNCE_TYPES = {"softbounce", "transient", "dnserror", "virusnotification", "blocked", "deferred"}
_TEMPORARY_SMTP = re.compile(r"^\s*(4\d\d\b|4\.\d{1,3}\.\d{1,3}\b)")
_HARD_REJECTS = {RejectReason.BOUNCED, RejectReason.INVALID}


def _delivery_for(event: AnymailTrackingEvent) -> Delivery | None:
    message_id = (event.message_id or "").strip()
    if not message_id:
        return None
    bare = message_id.strip("<>")
    named = Q(provider_message_id=message_id) | Q(email_message_id__in=[f"<{bare}>", bare])
    # all_workspaces: a provider's event names the email, not the workspace; the webhook is
    # authenticated by anymail, and the ids were handed to the provider by us for one delivery.
    found = list(Delivery.all_workspaces.select_related("workspace").filter(named)[:5])
    recipient = (event.recipient or "").strip().lower()
    if recipient:
        # An event about another address than the one the email went to changes nothing.
        found = [delivery for delivery in found if delivery.email.lower() == recipient]
    return found[0] if len(found) == 1 else None


def event_key(event: AnymailTrackingEvent, esp_name: str) -> str:
    esp = (esp_name or "esp").lower()
    if event.event_id:
        return f"{esp}:{event.event_id}"[:255]
    said = "|".join(str(part or "") for part in (
        event.event_type, event.message_id, event.recipient, event.timestamp.isoformat() if event.timestamp else "",
        event.click_url, event.user_agent, event.description,
    ))
    return f"{esp}:~{hashlib.sha256(said.encode()).hexdigest()}"


def _esp_type(event: AnymailTrackingEvent) -> str:
    raw = event.esp_event
    if isinstance(raw, dict):
        for key in ("Type", "type", "bounceType", "severity"):
            value = raw.get(key)
            if isinstance(value, str):
                return value.lower()
    return ""


def is_hard_bounce(event: AnymailTrackingEvent) -> bool:
    if event.event_type == EventType.REJECTED:
        return event.reject_reason in _HARD_REJECTS
    if event.event_type != EventType.BOUNCED or event.reject_reason not in (*_HARD_REJECTS, None):
        return False
    if _esp_type(event) in SOFT_BOUNCE_TYPES:
        return False
    return not _TEMPORARY_SMTP.match(str(event.mta_response or ""))


def tracking_event_record(*, event: AnymailTrackingEvent, esp_name: str) -> tracking_services.Recorded | None:
    """Record one provider event. None when it names no delivery of ours or is of no
    interest (queued, sent, deferred, autoresponded)."""
    kind = event.event_type
    if kind not in (EventType.DELIVERED, EventType.BOUNCED, EventType.REJECTED, EventType.COMPLAINED,
                    EventType.OPENED, EventType.CLICKED, EventType.UNSUBSCRIBED, EventType.FAILED):
        return None
    delivery = _delivery_for(event)
    if delivery is None:
        logger.info("outbound_webhook_unmatched", extra={"esp": esp_name, "event_type": kind})
        return None
    key = event_key(event, esp_name)
    at = event.timestamp
    if kind == EventType.DELIVERED:
        return tracking_services.delivery_delivered(delivery=delivery, at=at, event_id=key)
    if kind in (EventType.BOUNCED, EventType.REJECTED):
        if kind == EventType.REJECTED and not is_hard_bounce(event):
            return tracking_services.delivery_failed(delivery=delivery, event_id=key)
        return tracking_services.delivery_bounced(delivery=delivery, hard=is_hard_bounce(event), at=at, event_id=key)
    if kind == EventType.COMPLAINED:
        return tracking_services.delivery_complained(delivery=delivery, at=at, event_id=key)
    if kind == EventType.UNSUBSCRIBED:
        return tracking_services.delivery_unsubscribed(delivery=delivery, at=at, event_id=key)
    if kind == EventType.FAILED:
        return tracking_services.delivery_failed(delivery=delivery, event_id=key)
    if not delivery.workspace.email_tracking_enabled:
        return None  # the workspace turned tracking off: the provider's opens and clicks too
    if kind == EventType.OPENED:
        return tracking_services.delivery_opened(delivery=delivery, user_agent=event.user_agent or "", at=at,
                                                 event_id=key)
    return tracking_services.delivery_clicked(delivery=delivery, url=event.click_url or "",
                                              user_agent=event.user_agent or "", at=at, event_id=key)


def tracking_signal_received(sender, event, esp_name, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """anymail's `tracking` signal: every provider's tracking webhook ends here."""
    tracking_event_record(event=event, esp_name=esp_name)
