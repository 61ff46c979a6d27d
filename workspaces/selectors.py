from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User
from workspaces.models import Invitation, Membership, OfficeHoursInterval, Team, Workspace


def membership_for_user(*, user: User, workspace_slug: str) -> Membership | None:
    # Crosses workspaces on purpose: this is the lookup that decides which workspace a
    # request belongs to, and it is bounded by the signed-in user.
    return (
        Membership.all_workspaces.select_related("workspace", "user")
        .filter(user=user, workspace__slug=workspace_slug, is_active=True)
        .first()
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The workspaces a teammate can switch to."""
    # Crosses workspaces on purpose: bounded by the signed-in user, not by a workspace.
    return (
        Membership.all_workspaces.select_related("workspace")
        .filter(user=user, is_active=True)
        .order_by("workspace__name")
    )


def membership_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.for_workspace(workspace)
        .filter(is_active=True)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.for_workspace(workspace)))
        .order_by("user__name", "user__email")
    )


def membership_get(*, workspace: Workspace, pk: int) -> Membership | None:
    return membership_list(workspace=workspace).filter(pk=pk).first()


def team_list(*, workspace: Workspace) -> QuerySet[Team]:
    return (
        Team.objects.for_workspace(workspace)
        .annotate(member_count=Count("members", distinct=True))
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Membership.objects.for_workspace(workspace).filter(is_active=True).select_related("user"),
            )
        )
    )


def invitation_pending_list(*, workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_workspace(workspace)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
    )


def office_hours_list(*, workspace: Workspace) -> QuerySet[OfficeHoursInterval]:
    return OfficeHoursInterval.objects.for_workspace(workspace)
