"""Reads for the outbound screens: the list with each message's counts (one query for the
whole page, however many messages it holds), a message's sending progress, and the
deliveries that failed with the provider's reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from outbound.models import Delivery, OutboundMessage
from workspaces.models import Workspace

_COUNTS = {
    "sent_count": Count("deliveries", filter=Q(deliveries__sent_at__isnull=False)),
    # People who opened: machine opens (mail proxies, scanners) are counted apart.
    "opened_count": Count("deliveries", filter=Q(deliveries__opened_at__isnull=False)),
    "machine_opened_count": Count(
        "deliveries", filter=Q(deliveries__machine_opened_at__isnull=False, deliveries__opened_at__isnull=True)),
    "clicked_count": Count("deliveries", filter=Q(deliveries__clicked_at__isnull=False)),
    "replied_count": Count("deliveries", filter=Q(deliveries__replied_at__isnull=False)),
    "unsubscribed_count": Count("deliveries", filter=Q(deliveries__unsubscribed_at__isnull=False)),
}


def message_list(*, workspace: Workspace, state: str = "") -> QuerySet[OutboundMessage]:
    """Messages newest first, each with sent / opened / clicked / replied / unsubscribed
    counts (annotated: one grouped query for the page)."""
    messages = (
        OutboundMessage.objects.for_workspace(workspace)
        .select_related("sender__user").annotate(**_COUNTS).order_by("-updated_at", "-id")
    )
    if state:
        messages = messages.filter(state=state)
    return messages


def rate(part: int, whole: int) -> int | None:
    """A whole percentage of `whole`, or None when nothing was sent yet."""
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class Progress:
    pending: int
    sending: int
    sent: int
    failed: int
    suppressed: int
    skipped: int

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed + self.suppressed + self.skipped

    @property
    def waiting(self) -> int:
        return self.pending + self.sending

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else round(100 * (self.total - self.waiting) / self.total)


def message_progress(*, message: OutboundMessage) -> Progress:
    """Deliveries by status, in one query."""
    S = Delivery.Status
    counts = Delivery.objects.for_workspace(message.workspace_id).filter(message=message).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in
           (S.PENDING, S.SENDING, S.SENT, S.FAILED, S.SUPPRESSED, S.SKIPPED)}
    )
    return Progress(**{key: value or 0 for key, value in counts.items()})


def message_stats(*, message: OutboundMessage) -> dict[str, int]:
    """The list's counts for one message (the editor's statistics card)."""
    return (
        OutboundMessage.objects.for_workspace(message.workspace_id).filter(pk=message.pk)
        .aggregate(**_COUNTS)
    )


def failed_deliveries(*, message: OutboundMessage, limit: int = 50) -> list[Delivery]:
    """The latest deliveries that could not be sent, with the recorded reason."""
    return list(
        Delivery.objects.for_workspace(message.workspace_id)
        .filter(message=message, status=Delivery.Status.FAILED)
        .select_related("contact").only("pk", "email", "error", "attempts", "created_at", "contact__name",
                                        "contact__id", "contact__workspace_id")
        .order_by("-id")[:limit]
    )
