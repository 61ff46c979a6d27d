from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ApplicationError
from workspaces.models import Invitation, Membership, OfficeHoursInterval, Tag, Team, Workspace, generate_invitation_secret

logger = logging.getLogger(__name__)

INVITATION_SALT = "parley.workspaces.invitation"
DEFAULT_OFFICE_HOURS = [(weekday, dt.time(9), dt.time(18)) for weekday in range(5)]


# --- workspaces -----------------------------------------------------------------------


def workspace_slug_suggest(*, name: str) -> str:
    """A free slug derived from the name; names in Japanese slugify to nothing, so those
    get a random one the admin can change."""
    base = slugify(name)[:32].strip("-")
    if len(base) < 3:
        base = "workspace"
    candidate = base
    while Workspace.objects.filter(slug=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(2)}"
    return candidate


@transaction.atomic
def workspace_create(
    *, name: str, slug: str, owner: User, timezone_name: str = "Asia/Tokyo", language: str = "ja"
) -> Workspace:
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(
                name=name, slug=slug, timezone=timezone_name, default_language=language
            )
    except IntegrityError as exc:
        raise ApplicationError(_("That address is already taken.")) from exc
    Membership.objects.create(workspace=workspace, user=owner, role=Membership.Role.OWNER)
    OfficeHoursInterval.objects.bulk_create(
        OfficeHoursInterval(workspace=workspace, weekday=weekday, opens_at=opens, closes_at=closes)
        for weekday, opens, closes in DEFAULT_OFFICE_HOURS
    )
    owner.last_workspace = workspace
    owner.save(update_fields=["last_workspace"])
    logger.info("workspace_created", extra={"workspace_id": workspace.pk, "owner_id": owner.pk})
    return workspace


@transaction.atomic
def office_hours_replace(*, workspace: Workspace, intervals: list[tuple[int, dt.time, dt.time]]) -> None:
    """Replace the weekly schedule as a whole, so a failed save leaves the old one intact."""
    OfficeHoursInterval.objects.for_workspace(workspace).delete()
    OfficeHoursInterval.objects.bulk_create(
        OfficeHoursInterval(workspace=workspace, weekday=weekday, opens_at=opens, closes_at=closes)
        for weekday, opens, closes in sorted(intervals)
    )


def identity_secret_rotate(*, workspace: Workspace) -> None:
    """A fresh secret: every user_hash and JWT signed with the old one stops verifying."""
    from workspaces.models import generate_identity_secret

    workspace.identity_secret = generate_identity_secret()
    workspace.save(update_fields=["identity_secret", "updated_at"])


def workspace_switch(*, user: User, workspace: Workspace) -> None:
    if user.last_workspace_id != workspace.pk:
        user.last_workspace = workspace
        user.save(update_fields=["last_workspace"])


# --- memberships ----------------------------------------------------------------------


def _active_owner_count(workspace: Workspace) -> int:
    return (
        Membership.objects.for_workspace(workspace)
        .select_for_update()
        .filter(is_active=True, role=Membership.Role.OWNER)
        .count()
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: Membership) -> Membership:
    """Admins manage agents and admins; only owners grant or take away ownership, and a
    workspace always keeps at least one owner."""
    if membership.workspace_id != actor.workspace_id:
        raise ApplicationError(_("That teammate is not in this workspace."))
    if not actor.is_admin:
        raise ApplicationError(_("Only admins can change roles."))
    touches_owner = role == Membership.Role.OWNER or membership.role == Membership.Role.OWNER
    if touches_owner and not actor.is_owner:
        raise ApplicationError(_("Only an owner can grant or remove the owner role."))
    if membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER:
        if _active_owner_count(membership.workspace) <= 1:
            raise ApplicationError(_("A workspace needs at least one owner."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Membership) -> None:
    """Deactivate rather than delete, so the teammate's past work keeps its author."""
    if membership.workspace_id != actor.workspace_id:
        raise ApplicationError(_("That teammate is not in this workspace."))
    if membership.role == Membership.Role.OWNER:
        if not actor.is_owner:
            raise ApplicationError(_("Only an owner can remove an owner."))
        if _active_owner_count(membership.workspace) <= 1:
            raise ApplicationError(_("A workspace needs at least one owner."))
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    membership.teams.clear()


# --- invitations ----------------------------------------------------------------------


def invitation_token(*, invitation: Invitation) -> str:
    return signing.dumps([invitation.pk, invitation.secret], salt=INVITATION_SALT, compress=True)


def invitation_url(*, invitation: Invitation) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("workspaces:invitation_accept", args=[invitation_token(invitation=invitation)])


def invitation_from_token(*, token: str) -> Invitation | None:
    """The invitation a link names, if the link is genuine, current and unused."""
    try:
        pk, secret = signing.loads(
            token, salt=INVITATION_SALT, max_age=dt.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    # Crosses workspaces on purpose: the signed token, not a URL slug, names the workspace.
    invitation = Invitation.all_workspaces.select_related("workspace", "invited_by").filter(pk=pk).first()
    if invitation is None or not constant_time_compare(invitation.secret, str(secret)):
        return None
    return invitation if invitation.is_usable else None


def _enqueue_invitation_email(invitation: Invitation) -> None:
    from workspaces.tasks import invitation_send as invitation_send_task

    transaction.on_commit(lambda: invitation_send_task.delay(invitation.workspace_id, invitation.pk))


@transaction.atomic
def invitation_create(*, workspace: Workspace, email: str, role: str, invited_by: Membership) -> Invitation:
    email = email.strip().lower()
    if role == Membership.Role.OWNER and not invited_by.is_owner:
        raise ApplicationError(_("Only an owner can invite another owner."))
    if Membership.objects.for_workspace(workspace).filter(user__email__iexact=email, is_active=True).exists():
        raise ApplicationError(_("%(email)s is already a teammate here.") % {"email": email})
    pending = Invitation.objects.for_workspace(workspace).select_for_update().filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for stale in pending:
        if not stale.is_expired:
            raise ApplicationError(_("%(email)s has already been invited. Resend the invitation instead.") % {"email": email})
        stale.revoked_at = timezone.now()
        stale.save(update_fields=["revoked_at"])
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        invited_by=invited_by.user,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    _enqueue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    """A fresh link and a fresh week; the old link stops working."""
    if not invitation.is_pending:
        raise ApplicationError(_("This invitation has already been used or revoked."))
    invitation.secret = generate_invitation_secret()
    invitation.expires_at = timezone.now() + dt.timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    invitation.sent_at = None
    invitation.save(update_fields=["secret", "expires_at", "sent_at"])
    _enqueue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.is_pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def invitation_send(*, invitation_id: int) -> bool:
    """Email the invitation link. Returns False when there is nothing (left) to send,
    which makes a retried or duplicated task harmless."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.utils import translation

    invitation = Invitation.objects.select_related("workspace", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        return False
    # Claim before sending: of two copies of this task, only one gets past here. If the send
    # fails, the claim is released so the retry can try again.
    claimed = Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    if not claimed:
        return False
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": invitation.invited_by,
        "url": invitation_url(invitation=invitation),
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    try:
        with translation.override(invitation.workspace.default_language):
            subject = _("%(inviter)s invited you to %(workspace)s on Parley") % {
                "inviter": invitation.invited_by or "Parley",
                "workspace": invitation.workspace.name,
            }
            text = render_to_string("workspaces/email/invitation.txt", context)
            html = render_to_string("workspaces/email/invitation.html", context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)
        raise
    logger.info("invitation_sent", extra={"workspace_id": invitation.workspace_id, "invitation_id": invitation.pk})
    return True


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the workspace. The row lock makes the link single-use even when two tabs race."""
    locked = Invitation.all_workspaces.select_for_update().get(pk=invitation.pk)  # scope: the token named it
    if not locked.is_usable:
        raise ApplicationError(_("This invitation has expired or has already been used."))
    if not locked.matches(user):
        raise ApplicationError(_("This invitation was sent to %(email)s. Sign in with that address to accept it.") % {"email": locked.email})
    membership = Membership.objects.for_workspace(locked.workspace_id).filter(user=user).first()
    if membership is None:
        membership = Membership.objects.create(workspace_id=locked.workspace_id, user=user, role=locked.role)
    elif not membership.is_active:
        membership.is_active = True
        membership.role = locked.role
        membership.save(update_fields=["is_active", "role"])
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    user.last_workspace_id = locked.workspace_id
    user.save(update_fields=["last_workspace"])
    return membership


def invitations_expire() -> int:
    """Revoke pending invitations whose week has passed, so the address can be invited
    again and the dead links are visibly dead in the teammates screen."""
    # Crosses workspaces on purpose: a periodic sweep over every workspace's invitations.
    return Invitation.all_workspaces.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).update(revoked_at=timezone.now())


# --- teams ------------------------------------------------------------------------------


@transaction.atomic
def team_save(
    *, workspace: Workspace, team: Team | None, name: str, members: list[Membership], round_robin: bool = False
) -> Team:
    if any(member.workspace_id != workspace.pk for member in members):
        raise ApplicationError(_("Teams can only hold teammates of this workspace."))
    team = team or Team(workspace=workspace)
    team.name, team.round_robin = name, round_robin
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError as exc:
        raise ApplicationError(_("A team with that name already exists.")) from exc
    team.members.set(members)
    return team


def tag_for_name(*, workspace_id: int, name: str) -> Tag:
    """The workspace's tag with this name (any case), created on first use. Shared by
    conversation and contact tagging, so one label means one tag everywhere."""
    from django.db.models.functions import Lower

    name = " ".join(name.split())[:64]
    if not name:
        raise ApplicationError(_("A tag needs a name."))
    tags = Tag.objects.for_workspace(workspace_id).annotate(lower=Lower("name"))
    tag = tags.filter(lower=name.lower()).first()
    if tag is not None:
        return tag
    try:
        with transaction.atomic():
            return Tag.objects.create(workspace_id=workspace_id, name=name)
    except IntegrityError:  # created by a teammate at the same moment
        return tags.get(lower=name.lower())
