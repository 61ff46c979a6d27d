"""Reads for the agents' inbox: the conversation list with its views and counts, and the
thread. Every query starts from the workspace and preloads what the templates show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from inbox.models import Conversation, ConversationMention, ConversationPart, InboundEmail, ReplyEmail
from workspaces.models import Membership, Team, Workspace

PAGE_SIZE = 25
THREAD_PAGE = 50
# Every count the navigation shows is of open or snoozed conversations; closed ones, most
# of any workspace's history, are never read for them.
ACTIVE_STATES = ("open", "snoozed")


@dataclass(frozen=True)
class InboxView:
    """Which conversations a list shows: one of the fixed views, or a team's."""

    key: str  # "open", "mine", "unassigned", "mentions", "snoozed", "closed", "team"
    team_id: int | None = None


def _mentioned(member: Membership) -> Exists:
    return Exists(
        ConversationMention.objects.for_workspace(member.workspace_id).filter(
            conversation=OuterRef("pk"), membership=member
        )
    )


def _view_filter(view: InboxView, member: Membership) -> Q:
    open_ = Q(state=Conversation.State.OPEN)
    if view.key == "mentions":
        return Q(_mentioned(member))
    return {
        "open": open_,
        "mine": open_ & Q(assignee=member),
        "unassigned": open_ & Q(assignee__isnull=True),
        "snoozed": Q(state=Conversation.State.SNOOZED),
        "closed": Q(state=Conversation.State.CLOSED),
        "team": open_ & Q(team_id=view.team_id),
    }[view.key]


def inbox_counts(*, workspace: Workspace, member: Membership, teams: list[Team] | None = None) -> dict:
    """Every navigation count — the fixed views and each team's open conversations — in
    one COUNT(*) FILTER query, so the counts cost one scan however many views there are."""
    aggregates = {
        "open": Count("id", filter=Q(state=Conversation.State.OPEN)),
        "mine": Count("id", filter=Q(state=Conversation.State.OPEN, assignee=member)),
        "unassigned": Count("id", filter=Q(state=Conversation.State.OPEN, assignee__isnull=True)),
        "snoozed": Count("id", filter=Q(state=Conversation.State.SNOOZED)),
        # IN (subquery) rather than EXISTS: PostgreSQL hashes the member's few mentions once
        # instead of probing for each of the workspace's conversations.
        "mentions": Count("id", filter=Q(
            state=Conversation.State.OPEN,
            id__in=ConversationMention.objects.for_workspace(member.workspace_id)
            .filter(membership=member).values("conversation_id"),
        )),
    }
    for team in teams or []:
        aggregates[f"team_{team.pk}"] = Count("id", filter=Q(state=Conversation.State.OPEN, team_id=team.pk))
    counts = Conversation.objects.for_workspace(workspace).filter(state__in=ACTIVE_STATES).aggregate(**aggregates)
    for team in teams or []:
        team.open_count = counts.pop(f"team_{team.pk}")
    return counts


COUNTS_CACHE_SECONDS = 600


def inbox_counts_remembered(*, workspace: Workspace, member: Membership, teams: list[Team]) -> dict:
    """inbox_counts, remembered until the workspace's inbox next changes. Every change that
    can move a count writes a live event on the workspace channel in its own transaction,
    so the newest event's id is the counts' version: an indexed read instead of a scan of
    every conversation, on each of the pages and refreshes agents load all day."""
    from django.core.cache import cache
    from django.db.models import Max

    from core.models import RealtimeEvent
    from core.realtime import workspace_channel

    version = (
        RealtimeEvent.objects.for_workspace(workspace).filter(channel=workspace_channel(workspace.pk))
        .aggregate(newest=Max("id"))["newest"]
    )
    key = f"inbox-counts:{workspace.pk}:{member.pk}:{version}:{'.'.join(str(team.pk) for team in teams)}"
    counts = cache.get(key)
    if counts is None:
        counts = inbox_counts(workspace=workspace, member=member, teams=teams)
        counts["teams"] = {team.pk: team.open_count for team in teams}
        cache.set(key, counts, COUNTS_CACHE_SECONDS)
    for team in teams:
        team.open_count = counts["teams"].get(team.pk, 0)
    return counts


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the last row's (last_activity_at, id) in the current order."""

    at: dt.datetime
    pk: int

    def encode(self) -> str:
        return f"{self.at.timestamp():.6f}_{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        if not raw:
            return None
        try:
            stamp, pk = raw.split("_", 1)
            return cls(at=dt.datetime.fromtimestamp(float(stamp), tz=dt.timezone.utc), pk=int(pk))
        except (ValueError, OverflowError):
            return None


def conversation_list(
    *, workspace: Workspace, member: Membership, view: InboxView, oldest_first: bool = False,
    search: str = "", cursor: Cursor | None = None, limit: int = PAGE_SIZE,
) -> tuple[list[Conversation], Cursor | None]:
    """One page of a view, newest (or oldest) activity first, after `cursor`. Returns the
    rows and the cursor of the next page (None at the end)."""
    conversations = (
        Conversation.objects.for_workspace(workspace)
        .filter(_view_filter(view, member))
        .select_related("contact", "assignee__user", "team")
        .prefetch_related("tags")
    )
    if search:
        conversations = conversations.filter(
            Q(preview__icontains=search) | Q(contact__name__icontains=search) | Q(contact__email__icontains=search)
            | Q(tags__name__iexact=search) | Q(parts__body__icontains=search)
        ).distinct()
    if cursor is not None:
        if oldest_first:
            conversations = conversations.filter(
                Q(last_activity_at__gt=cursor.at) | Q(last_activity_at=cursor.at, id__gt=cursor.pk)
            )
        else:
            conversations = conversations.filter(
                Q(last_activity_at__lt=cursor.at) | Q(last_activity_at=cursor.at, id__lt=cursor.pk)
            )
    order = ("last_activity_at", "id") if oldest_first else ("-last_activity_at", "-id")
    rows = list(conversations.order_by(*order)[: limit + 1])
    next_cursor = Cursor(at=rows[limit - 1].last_activity_at, pk=rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def conversation_get(*, workspace: Workspace, number: int) -> Conversation | None:
    return (
        Conversation.objects.for_workspace(workspace)
        .select_related("contact", "assignee__user", "team")
        .prefetch_related("tags")
        .filter(number=number)
        .first()
    )


def thread(*, conversation: Conversation, before_id: int | None = None, limit: int = THREAD_PAGE) -> tuple[list[ConversationPart], bool]:
    """The latest `limit` parts (before `before_id` when loading older ones), oldest first,
    and whether there are older ones still."""
    parts = (
        ConversationPart.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .select_related("author_membership__user", "author_contact", "reply_email")
        .prefetch_related("attachments")
    )
    if before_id is not None:
        parts = parts.filter(id__lt=before_id)
    rows = list(parts.order_by("-id")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


def past_conversations(*, conversation: Conversation, limit: int = 10) -> QuerySet[Conversation]:
    return (
        Conversation.objects.for_workspace(conversation.workspace_id)
        .filter(contact_id=conversation.contact_id)
        .exclude(pk=conversation.pk)
        .order_by("-last_activity_at")[:limit]
    )


def snooze_presets(*, workspace: Workspace, now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Later today (+3 h), tomorrow 9:00 and next Monday 9:00, in the workspace's time zone."""
    local = (now or timezone.now()).astimezone(workspace.tzinfo)
    nine = dt.time(9, 0)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), nine, tzinfo=workspace.tzinfo)
    monday = dt.datetime.combine(local.date() + dt.timedelta(days=7 - local.weekday()), nine, tzinfo=workspace.tzinfo)
    return {"later": local + dt.timedelta(hours=3), "tomorrow": tomorrow, "next_week": monday}


def teammates_for_assignment(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.for_workspace(workspace).filter(is_active=True).select_related("user").order_by("user__name")


def inbound_emails_recent(*, workspace: Workspace, limit: int = 50) -> list[InboundEmail]:
    return list(
        InboundEmail.objects.for_workspace(workspace).select_related("conversation")
        .defer("raw").order_by("-created_at")[:limit]
    )


def reply_emails_recent(*, workspace: Workspace, limit: int = 50) -> list[ReplyEmail]:
    return list(
        ReplyEmail.objects.for_workspace(workspace).select_related("conversation").order_by("-created_at")[:limit]
    )


def contact_conversations(*, workspace_id: int, contact_id: int, limit: int = 20) -> QuerySet[Conversation]:
    """A person's conversations, latest activity first, for the contact profile."""
    return (
        Conversation.objects.for_workspace(workspace_id).filter(contact_id=contact_id)
        .select_related("assignee__user").order_by("-last_activity_at", "-id")[:limit]
    )
