"""Reads about one recipient's outbound messages (the contact profile's "Messages received")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from outbound.models import Delivery

# What became of an email, the furthest it got first.
STATUS_LABELS = {
    "failed": _("Failed"),
    "bounced": _("Bounced"),
    "complained": _("Marked as spam"),
    "unsubscribed": _("Unsubscribed"),
    "replied": _("Replied"),
    "clicked": _("Clicked"),
    "opened": _("Opened"),
    "sent": _("Sent"),
}


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: int
    title: str
    sent_at: dt.datetime | None
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def delivery_status(delivery: Delivery) -> str:
    if delivery.status == Delivery.Status.FAILED:
        return "failed"
    for status, at in (("bounced", delivery.bounced_at), ("complained", delivery.complained_at),
                       ("unsubscribed", delivery.unsubscribed_at), ("replied", delivery.replied_at),
                       ("clicked", delivery.clicked_at), ("opened", delivery.opened_at)):
        if at is not None:
            return status
    return "sent"


def messages_received(*, contact: Contact, limit: int = 20) -> list[ReceivedMessage]:
    """The latest emails sent to the contact (or that failed), newest first: one query."""
    rows = (
        Delivery.objects.for_workspace(contact.workspace_id)
        .filter(contact=contact, status__in=[Delivery.Status.SENT, Delivery.Status.FAILED])
        .select_related("message")
        .only("status", "sent_at", "created_at", "bounced_at", "complained_at", "unsubscribed_at", "replied_at",
              "clicked_at", "opened_at", "message__title", "message__workspace_id")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        ReceivedMessage(message_id=row.message_id, title=row.message.title, sent_at=row.sent_at or row.created_at,
                        status=delivery_status(row))
        for row in rows
    ]
