"""What happens to an outbound email after it left: opened, clicked, delivered, bounced,
complained about, unsubscribed from. Our own pixel and click tracker, the unsubscribe page
and the providers' webhooks (outbound/webhooks.py) all end here.

Every change is one transaction that first writes the `DeliveryEvent`: a provider's event
id is unique per workspace, so an event delivered twice fails that insert and changes
nothing the second time. Timestamps on the delivery are set the first time only (`… IS
NULL` in the UPDATE), so concurrent opens or clicks cannot overwrite each other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from outbound.models import Delivery, DeliveryEvent, Suppression

# Mail clients that fetch the pixel from a proxy *when the reader opens the email*
# (Gmail's GoogleImageProxy, Yahoo's YahooMailProxy) are counted as people: the fetch is
# the open, only the reader's address is hidden. Machines are what fetch without a reader:
# link scanners and security gateways, HTTP libraries, and Apple Mail Privacy Protection,
# which preloads every message from Apple's proxies with the bare agent "Mozilla/5.0" and
# usually within moments of delivery.
SCANNER_MARKERS = (
    "Barracuda", "Proofpoint", "Mimecast", "Symantec", "Trend Micro", "Forcepoint", "Cisco", "SafeLinks",
    "bot", "Bot", "spider", "Spider", "crawler", "Crawler", "HeadlessChrome", "python-requests", "python-urllib",
    "Python-urllib", "curl/", "Wget", "Go-http-client", "okhttp", "Java/", "libwww", "aiohttp", "httpx",
)
APPLE_PRIVACY_AGENT = "Mozilla/5.0"
# An email "opened" this soon after it was sent was opened by a proxy fetching it on
# arrival (Apple's preloading, a gateway's scan); a link "clicked" this soon by a scanner.
MACHINE_OPEN_SECONDS = 60
MACHINE_CLICK_SECONDS = 20


def is_machine(user_agent: str) -> bool:
    """Whether the user agent alone says no person is behind the request."""
    agent = (user_agent or "").strip()
    return not agent or agent == APPLE_PRIVACY_AGENT or any(marker in agent for marker in SCANNER_MARKERS)


def _too_soon(delivery: Delivery, at: dt.datetime, seconds: int) -> bool:
    return delivery.sent_at is not None and dt.timedelta(0) <= at - delivery.sent_at < dt.timedelta(seconds=seconds)


def is_machine_open(*, delivery: Delivery, user_agent: str, at: dt.datetime) -> bool:
    return is_machine(user_agent) or _too_soon(delivery, at, MACHINE_OPEN_SECONDS)


def is_machine_click(*, delivery: Delivery, user_agent: str, at: dt.datetime) -> bool:
    return is_machine(user_agent) or _too_soon(delivery, at, MACHINE_CLICK_SECONDS)


@dataclass(frozen=True)
class Recorded:
    """What recording an event did: `new` is False for a replayed event id (nothing changed)."""

    new: bool
    machine: bool = False


def _event(delivery: Delivery, kind: str, *, event_id: str = "", url: str = "", machine: bool = False) -> bool:
    """Insert the event; False when its event id was recorded before."""
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(workspace_id=delivery.workspace_id, delivery=delivery, kind=kind,
                                         event_id=event_id[:255], url=url[:2000], machine=machine)
    except IntegrityError:
        return False
    return True


def _first(delivery: Delivery, **fields: dt.datetime) -> None:
    """Set each timestamp unless it is set already."""
    rows = Delivery.objects.for_workspace(delivery.workspace_id).filter(pk=delivery.pk)
    for field, at in fields.items():
        rows.filter(**{f"{field}__isnull": True}).update(**{field: at})


def delivery_opened(*, delivery: Delivery, user_agent: str, at: dt.datetime | None = None,
                    event_id: str = "") -> Recorded:
    at = at or timezone.now()
    machine = is_machine_open(delivery=delivery, user_agent=user_agent, at=at)
    with transaction.atomic():
        if not _event(delivery, DeliveryEvent.Kind.OPENED, event_id=event_id, machine=machine):
            return Recorded(new=False, machine=machine)
        _first(delivery, **{"machine_opened_at" if machine else "opened_at": at})
    return Recorded(new=True, machine=machine)


def delivery_clicked(*, delivery: Delivery, url: str, user_agent: str, at: dt.datetime | None = None,
                     event_id: str = "") -> Recorded:
    """A person's click also proves the email was opened (its pixel may have been blocked);
    a scanner's click is kept as an event and counts for nothing."""
    at = at or timezone.now()
    machine = is_machine_click(delivery=delivery, user_agent=user_agent, at=at)
    with transaction.atomic():
        if not _event(delivery, DeliveryEvent.Kind.CLICKED, event_id=event_id, url=url, machine=machine):
            return Recorded(new=False, machine=machine)
        if not machine:
            _first(delivery, clicked_at=at, opened_at=at)
    return Recorded(new=True, machine=machine)


def delivery_delivered(*, delivery: Delivery, at: dt.datetime | None = None, event_id: str = "") -> Recorded:
    with transaction.atomic():
        if not _event(delivery, DeliveryEvent.Kind.DELIVERED, event_id=event_id):
            return Recorded(new=False)
        _first(delivery, delivered_at=at or timezone.now())
    return Recorded(new=True)


def delivery_bounced(*, delivery: Delivery, hard: bool, at: dt.datetime | None = None,
                     event_id: str = "") -> Recorded:
    """A hard bounce (the address does not exist) suppresses it for the workspace; a soft
    one (mailbox full, server busy) is only recorded: the provider tries again."""
    with transaction.atomic():
        if not _event(delivery, DeliveryEvent.Kind.BOUNCED, event_id=event_id):
            return Recorded(new=False)
        if hard:
            _first(delivery, bounced_at=at or timezone.now())
            suppress(workspace_id=delivery.workspace_id, email=delivery.email, reason=Suppression.Reason.BOUNCED,
                     delivery=delivery)
    return Recorded(new=True)


def delivery_complained(*, delivery: Delivery, at: dt.datetime | None = None, event_id: str = "") -> Recorded:
    with transaction.atomic():
        if not _event(delivery, DeliveryEvent.Kind.COMPLAINED, event_id=event_id):
            return Recorded(new=False)
        _first(delivery, complained_at=at or timezone.now())
        suppress(workspace_id=delivery.workspace_id, email=delivery.email, reason=Suppression.Reason.COMPLAINED,
                 delivery=delivery)
    return Recorded(new=True)


def delivery_failed(*, delivery: Delivery, event_id: str = "") -> Recorded:
    """The provider refused the email after accepting it (its own suppression list, a policy)."""
    return Recorded(new=_event(delivery, DeliveryEvent.Kind.FAILED, event_id=event_id))


# A bounce or complaint outranks an unsubscribe: resubscribing may lift the one, never the others.
_STRONGER = {Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED}


def suppress(*, workspace_id: int, email: str, reason: str, delivery: Delivery | None = None) -> bool:
    """Suppress the address for the workspace. True when this changed anything."""
    address = email.strip().lower()
    if not address:
        return False
    try:
        with transaction.atomic():
            Suppression.objects.create(workspace_id=workspace_id, email=address, reason=reason, delivery=delivery)
        return True
    except IntegrityError:
        if reason not in _STRONGER:
            return False
        return bool(
            Suppression.objects.for_workspace(workspace_id)
            .annotate(address=Lower("email")).filter(address=address, reason=Suppression.Reason.UNSUBSCRIBED)
            .update(reason=reason, delivery=delivery)
        )


def delivery_unsubscribed(*, delivery: Delivery, at: dt.datetime | None = None, event_id: str = "") -> Recorded:
    """Stop every email of the workspace to this address. Asking again changes nothing and
    records nothing more (mail clients retry one-click POSTs)."""
    at = at or timezone.now()
    with transaction.atomic():
        if event_id and not _event(delivery, DeliveryEvent.Kind.UNSUBSCRIBED, event_id=event_id):
            return Recorded(new=False)
        changed = suppress(workspace_id=delivery.workspace_id, email=delivery.email,
                           reason=Suppression.Reason.UNSUBSCRIBED, delivery=delivery)
        if not changed:
            return Recorded(new=bool(event_id))
        if not event_id:
            _event(delivery, DeliveryEvent.Kind.UNSUBSCRIBED)
        Delivery.objects.for_workspace(delivery.workspace_id).filter(pk=delivery.pk).update(unsubscribed_at=at)
    return Recorded(new=True)


def delivery_resubscribe(*, delivery: Delivery) -> bool:
    """Undo an unsubscribe (never a bounce or a complaint: those stay). True when it did."""
    with transaction.atomic():
        lifted = list(
            Suppression.objects.for_workspace(delivery.workspace_id).select_for_update()
            .annotate(address=Lower("email"))
            .filter(address=delivery.email.strip().lower(), reason=Suppression.Reason.UNSUBSCRIBED)
        )
        if not lifted:
            return False
        Suppression.objects.for_workspace(delivery.workspace_id).filter(pk__in=[s.pk for s in lifted]).delete()
        # The email that was unsubscribed from no longer counts as an unsubscribe.
        unsubscribed_from = {delivery.pk, *(s.delivery_id for s in lifted if s.delivery_id)}
        Delivery.objects.for_workspace(delivery.workspace_id).filter(pk__in=unsubscribed_from).update(
            unsubscribed_at=None)
    return True


def suppression_of(*, delivery: Delivery) -> Suppression | None:
    return (
        Suppression.objects.for_workspace(delivery.workspace_id).annotate(address=Lower("email"))
        .filter(address=delivery.email.strip().lower()).first()
    )


def is_suppressed(*, delivery: Delivery) -> bool:
    return suppression_of(delivery=delivery) is not None
