"""Reads for the tickets screens: the list's views and counts, a ticket with everything its
page shows, and the customer's tickets for the inbox sidebar. Every query is scoped to the
workspace inside the query; lists preload what their rows render."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Subquery

from inbox.selectors import Cursor
from tickets.models import Ticket, TicketField, TicketPart, TicketState, TicketType
from workspaces.models import Membership, Team, Workspace

PAGE_SIZE = 25  # as the inbox: a screenful, and half the rendering of 50
VIEWS = ("open", "mine", "teams", "unassigned", "resolved", "all")


@dataclass(frozen=True)
class TicketFilters:
    view: str = "open"
    type_id: int | None = None
    state: str = ""
    q: str = ""


def _my_team_ids(member: Membership) -> Subquery:
    # A subquery rather than a list: the counts and the list stay one query each.
    return Subquery(Team.members.through.objects.filter(membership_id=member.pk).values("team_id"))


def _view_filter(view: str, member: Membership) -> Q:
    unresolved = ~Q(state=TicketState.RESOLVED)
    if view == "mine":
        return unresolved & Q(assignee_id=member.pk)
    if view == "teams":
        return unresolved & Q(team_id__in=_my_team_ids(member))
    if view == "unassigned":
        return unresolved & Q(assignee__isnull=True)
    if view == "resolved":
        return Q(state=TicketState.RESOLVED)
    if view == "all":
        return Q()
    return unresolved


def ticket_counts(*, workspace: Workspace, member: Membership) -> dict[str, int]:
    """Each view's count, in one query."""
    return Ticket.objects.for_workspace(workspace).aggregate(
        **{view: Count("id", filter=_view_filter(view, member)) for view in VIEWS},
        **{f"state_{state}": Count("id", filter=Q(state=state)) for state in TicketState.values},
    )


COUNTS_CACHE_SECONDS = 600


def ticket_counts_remembered(*, workspace: Workspace, member: Membership) -> dict[str, int]:
    """ticket_counts, remembered until the workspace next changes: every ticket change writes
    a live event on the workspace channel in its own transaction (services._announce), so
    the newest event's id versions the counts; the member's teams are in the key because
    joining a team moves "my teams" without a ticket changing. Two indexed reads instead of
    a scan of every ticket on each list page."""
    from django.core.cache import cache
    from django.db.models import Max

    from core.models import RealtimeEvent
    from core.realtime import workspace_channel

    version = (
        RealtimeEvent.objects.for_workspace(workspace).filter(channel=workspace_channel(workspace.pk))
        .aggregate(newest=Max("id"))["newest"]
    )
    team_ids = sorted(Team.members.through.objects.filter(membership_id=member.pk).values_list("team_id", flat=True))
    key = f"ticket-counts:{workspace.pk}:{member.pk}:{version}:{'.'.join(map(str, team_ids))}"
    counts = cache.get(key)
    if counts is None:
        counts = ticket_counts(workspace=workspace, member=member)
        cache.set(key, counts, COUNTS_CACHE_SECONDS)
    return counts


def ticket_list(
    *, workspace: Workspace, member: Membership, filters: TicketFilters, cursor: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Ticket], Cursor | None]:
    """One page, most recently updated first, after `cursor` (keyset on (updated_at, id))."""
    tickets = (
        Ticket.objects.for_workspace(workspace)
        .filter(_view_filter(filters.view, member))
        .select_related("ticket_type", "contact", "assignee__user", "team")
    )
    if filters.type_id:
        tickets = tickets.filter(ticket_type_id=filters.type_id)
    if filters.state:
        tickets = tickets.filter(state=filters.state)
    if filters.q.startswith("#") and filters.q[1:].isdigit():
        tickets = tickets.filter(number=int(filters.q[1:]))  # "#123" is a ticket number (unique index)
    elif filters.q:
        condition = Q(title__icontains=filters.q) | Q(contact__name__icontains=filters.q) | Q(
            contact__email__icontains=filters.q)
        if filters.q.isdigit():
            condition |= Q(number=int(filters.q))
        tickets = tickets.filter(condition)
    if cursor is not None:
        # The plain `updated_at <=` bound lets the index range start at the cursor; the OR
        # alone would be a filter over every row before it.
        tickets = tickets.filter(Q(updated_at__lt=cursor.at) | Q(updated_at=cursor.at, id__lt=cursor.pk),
                                 updated_at__lte=cursor.at)
    rows = list(tickets.order_by("-updated_at", "-id")[: limit + 1])
    next_cursor = Cursor(at=rows[limit - 1].updated_at, pk=rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def ticket_get(*, workspace: Workspace, number: int) -> Ticket | None:
    return (
        Ticket.objects.for_workspace(workspace)
        .select_related("ticket_type", "contact", "conversation", "tracker", "assignee__user", "team",
                        "created_by__user")
        .filter(number=number).first()
    )


def ticket_fields(*, ticket_type: TicketType) -> list[TicketField]:
    return list(TicketField.objects.for_workspace(ticket_type.workspace_id).filter(ticket_type=ticket_type))


def ticket_timeline(*, ticket: Ticket) -> list[TicketPart]:
    return list(
        TicketPart.objects.for_workspace(ticket.workspace_id).filter(ticket=ticket)
        .select_related("author_membership__user", "author_contact").order_by("id")
    )


def tracker_linked(*, tracker: Ticket) -> QuerySet[Ticket]:
    return (Ticket.objects.for_workspace(tracker.workspace_id).filter(tracker=tracker)
            .select_related("contact").order_by("-updated_at", "-id"))


def trackers_open(*, workspace: Workspace | int) -> QuerySet[Ticket]:
    return (Ticket.objects.for_workspace(workspace).filter(category=TicketType.Category.TRACKER)
            .exclude(state=TicketState.RESOLVED).order_by("-number"))


def ticket_types_active(*, workspace: Workspace | int, category: str | None = None) -> QuerySet[TicketType]:
    types = TicketType.objects.for_workspace(workspace).filter(archived_at__isnull=True)
    return types.filter(category=category) if category else types


def contact_tickets(*, workspace_id: int, contact_id: int, limit: int = 10) -> list[Ticket]:
    """The customer's tickets for the inbox sidebar, newest first (one query)."""
    return list(
        Ticket.objects.for_workspace(workspace_id).filter(contact_id=contact_id)
        .only("number", "title", "state", "created_at").order_by("-created_at")[:limit]
    )
