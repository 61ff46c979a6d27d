"""Reads about contacts for other areas' screens (the inbox's customer sidebar first)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from contacts.models import Company, Contact, Note
from workspaces.models import Tag

SIDEBAR_NOTES = 5


@dataclass(frozen=True)
class CustomerCard:
    """What the agent sees of a customer beside a conversation."""

    contact: Contact
    local_time: dt.datetime | None
    tags: list[Tag]
    notes: list[Note]
    companies: list[Company]  # each with `recent_notes`


def _local_time(contact: Contact, now: dt.datetime) -> dt.datetime | None:
    try:
        return now.astimezone(zoneinfo.ZoneInfo(contact.timezone)) if contact.timezone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def customer_card(*, contact: Contact, now: dt.datetime | None = None) -> CustomerCard:
    workspace_id = contact.workspace_id
    notes = Note.objects.for_workspace(workspace_id).select_related("author__user")
    companies = list(
        Company.objects.for_workspace(workspace_id).filter(contacts=contact).order_by("name")
        .prefetch_related(Prefetch("notes", queryset=notes.order_by("-created_at"), to_attr="recent_notes"))
    )
    for company in companies:
        company.recent_notes = company.recent_notes[:SIDEBAR_NOTES]
    return CustomerCard(
        contact=contact,
        local_time=_local_time(contact, now or timezone.now()),
        tags=list(Tag.objects.for_workspace(workspace_id).filter(pk__in=contact.tags.values("pk")).order_by("name")),
        notes=list(notes.filter(contact=contact).order_by("-created_at")[:SIDEBAR_NOTES]),
        companies=companies,
    )
