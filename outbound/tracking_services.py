"""What recipients do with an outbound email: open it, click in it, unsubscribe. Each is
recorded once on the delivery (the first time) and as an event."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from outbound.models import Delivery, DeliveryEvent, Suppression

# Mail proxies and security scanners fetch pictures and follow links without a person:
# Apple Mail Privacy Protection and Gmail's image proxy announce themselves like this.
MACHINE_AGENTS = ("GoogleImageProxy", "YahooMailProxy", "Barracuda", "Proofpoint", "Mimecast", "bot", "Bot",
                  "python-requests", "curl/")


def is_machine(user_agent: str) -> bool:
    return not user_agent or any(marker in user_agent for marker in MACHINE_AGENTS)


def _record(delivery: Delivery, kind: str, *, field: str, url: str = "", machine: bool = False) -> None:
    now = timezone.now()
    with transaction.atomic():
        DeliveryEvent.objects.create(workspace_id=delivery.workspace_id, delivery=delivery, kind=kind, url=url,
                                     machine=machine)
        Delivery.objects.for_workspace(delivery.workspace_id).filter(pk=delivery.pk, **{f"{field}__isnull": True}).update(
            **{field: now})


def delivery_opened(*, delivery: Delivery, user_agent: str) -> None:
    machine = is_machine(user_agent)
    _record(delivery, DeliveryEvent.Kind.OPENED, field="machine_opened_at" if machine else "opened_at", machine=machine)


def delivery_clicked(*, delivery: Delivery, url: str, user_agent: str) -> None:
    machine = is_machine(user_agent)
    _record(delivery, DeliveryEvent.Kind.CLICKED, field="clicked_at", url=url[:2000], machine=machine)
    if not machine and delivery.opened_at is None:  # a click proves the email was opened
        Delivery.objects.for_workspace(delivery.workspace_id).filter(pk=delivery.pk, opened_at__isnull=True).update(
            opened_at=timezone.now())


def suppress(*, workspace_id: int, email: str, reason: str, delivery: Delivery | None = None) -> None:
    try:
        with transaction.atomic():
            Suppression.objects.create(workspace_id=workspace_id, email=email.strip().lower(), reason=reason,
                                       delivery=delivery)
    except IntegrityError:
        pass  # already suppressed: the first reason stands


def delivery_unsubscribed(*, delivery: Delivery) -> None:
    suppress(workspace_id=delivery.workspace_id, email=delivery.email, reason=Suppression.Reason.UNSUBSCRIBED,
             delivery=delivery)
    _record(delivery, DeliveryEvent.Kind.UNSUBSCRIBED, field="unsubscribed_at")


def delivery_resubscribe(*, delivery: Delivery) -> None:
    """Undo an unsubscribe (not a bounce or a complaint: those stay)."""
    Suppression.objects.for_workspace(delivery.workspace_id).filter(
        email=delivery.email.strip().lower(), reason=Suppression.Reason.UNSUBSCRIBED
    ).delete()


def is_suppressed(*, delivery: Delivery) -> bool:
    return Suppression.objects.for_workspace(delivery.workspace_id).filter(email=delivery.email.strip().lower()).exists()
