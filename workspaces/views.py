from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import AccountCreateForm
from accounts.models import User
from accounts.services import user_create
from core.exceptions import ApplicationError
from core.htmx import HtmxRequest, WorkspaceRequest
from workspaces import selectors, services
from workspaces.decorators import workspace_member_required
from workspaces.forms import (
    InvitationForm,
    MessengerSettingsForm,
    OfficeHoursFormSet,
    RoleForm,
    TeamForm,
    WorkspaceCreateForm,
    WorkspaceSettingsForm,
    team_form_initial,
)
from workspaces.models import Invitation, Membership, Team


@login_required
@require_GET
def home(request: HtmxRequest) -> HttpResponse:
    """Where signing in lands: the last workspace used, else the first, else creating one."""
    memberships = list(selectors.membership_list_for_user(user=request.user))
    if not memberships:
        return redirect("workspaces:create")
    chosen = next((m for m in memberships if m.workspace_id == request.user.last_workspace_id), memberships[0])
    return redirect("inbox:index", workspace_slug=chosen.workspace.slug)


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: HtmxRequest) -> HttpResponse:
    form = WorkspaceCreateForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            slug = data["slug"] or services.workspace_slug_suggest(name=data["name"])
            try:
                workspace = services.workspace_create(
                    name=data["name"], slug=slug, owner=request.user,
                    timezone_name=data["timezone"], language=data["language"],
                )
            except ApplicationError as exc:
                form.add_error("slug", exc.message)
            else:
                messages.success(request, _("Workspace %(name)s created.") % {"name": workspace.name})
                return redirect("inbox:index", workspace_slug=workspace.slug)
        return render(request, "workspaces/create.html", {"form": form}, status=400)
    return render(request, "workspaces/create.html", {"form": form})


@require_GET
@workspace_member_required
def workspace_home(request: WorkspaceRequest) -> HttpResponse:
    services.workspace_switch(user=request.user, workspace=request.workspace)
    return redirect("inbox:index", workspace_slug=request.workspace.slug)


# --- settings: general --------------------------------------------------------------------


def _office_hours_initial(request: WorkspaceRequest) -> list[dict]:
    return [
        {"weekday": i.weekday, "opens_at": i.opens_at, "closes_at": i.closes_at}
        for i in selectors.office_hours_list(workspace=request.workspace)
    ]


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def settings_general(request: WorkspaceRequest) -> HttpResponse:
    form = WorkspaceSettingsForm(request.POST or None, instance=request.workspace, prefix="ws")
    hours = OfficeHoursFormSet(request.POST or None, initial=_office_hours_initial(request), prefix="hours")
    status = 200
    if request.method == "POST":
        if form.is_valid() and hours.is_valid():
            with transaction.atomic():
                workspace = form.save()
                services.office_hours_replace(workspace=workspace, intervals=hours.intervals())
            messages.success(request, _("Workspace settings saved."))
            return redirect("workspaces:settings_general", workspace_slug=workspace.slug)
        status = 400
        # A rejected slug must not leak into the links of the page that shows the error.
        request.workspace.refresh_from_db()
    context = {"form": form, "hours": hours, "settings_section": "general"}
    return render(request, "workspaces/settings_general.html", context, status=status)


# --- settings: messenger ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def settings_messenger(request: WorkspaceRequest) -> HttpResponse:
    """The install code for customers' sites and how the messenger trusts who they say
    their visitors are."""
    form = MessengerSettingsForm(request.POST or None, instance=request.workspace)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Messenger settings saved."))
            return redirect("workspaces:settings_messenger", workspace_slug=request.workspace.slug)
        status = 400
    context = {"form": form, "settings_section": "messenger", "site_url": settings.SITE_URL}
    return render(request, "workspaces/settings_messenger.html", context, status=status)


@require_POST
@workspace_member_required(admin=True)
def identity_secret_rotate(request: WorkspaceRequest) -> HttpResponse:
    services.identity_secret_rotate(workspace=request.workspace)
    messages.success(request, _("A new identity verification secret was generated. Update it on your servers."))
    return redirect("workspaces:settings_messenger", workspace_slug=request.workspace.slug)


# --- settings: teammates and invitations ------------------------------------------------


def _teammates_page(request: WorkspaceRequest, *, invite_form: InvitationForm, status: int = 200) -> HttpResponse:
    context = {
        "memberships": selectors.membership_list(workspace=request.workspace),
        "invitations": selectors.invitation_pending_list(workspace=request.workspace),
        "invite_form": invite_form,
        "role_choices": Membership.Role.choices,
        "settings_section": "teammates",
    }
    return render(request, "workspaces/settings_teammates.html", context, status=status)


@require_GET
@workspace_member_required
def teammates(request: WorkspaceRequest) -> HttpResponse:
    return _teammates_page(request, invite_form=InvitationForm(actor=request.membership))


@require_POST
@workspace_member_required(admin=True)
def invitation_create(request: WorkspaceRequest) -> HttpResponse:
    form = InvitationForm(request.POST, actor=request.membership)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                workspace=request.workspace, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], invited_by=request.membership,
            )
        except ApplicationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("workspaces:teammates", workspace_slug=request.workspace.slug)
    return _teammates_page(request, invite_form=form, status=400)


def _membership_or_404(request: WorkspaceRequest, membership_id: int) -> Membership:
    membership = selectors.membership_get(workspace=request.workspace, pk=membership_id)
    if membership is None:
        raise Http404
    return membership


@require_POST
@workspace_member_required(admin=True)
def membership_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"], actor=request.membership)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is now %(role)s.") % {
                "name": membership.user, "role": membership.get_role_display()})
    return redirect("workspaces:teammates", workspace_slug=request.workspace.slug)


@require_POST
@workspace_member_required(admin=True)
def membership_remove(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, membership_id)
    try:
        services.membership_remove(membership=membership, actor=request.membership)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s was removed from the workspace.") % {"name": membership.user})
        if membership.pk == request.membership.pk:
            return redirect("workspaces:home")
    return redirect("workspaces:teammates", workspace_slug=request.workspace.slug)


def _invitation_or_404(request: WorkspaceRequest, invitation_id: int) -> Invitation:
    return get_object_or_404(selectors.invitation_pending_list(workspace=request.workspace), pk=invitation_id)


@require_POST
@workspace_member_required(admin=True)
def invitation_resend(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_or_404(request, invitation_id)
    services.invitation_resend(invitation=invitation)
    messages.success(request, _("A new invitation was sent to %(email)s.") % {"email": invitation.email})
    return redirect("workspaces:teammates", workspace_slug=request.workspace.slug)


@require_POST
@workspace_member_required(admin=True)
def invitation_revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = _invitation_or_404(request, invitation_id)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email})
    return redirect("workspaces:teammates", workspace_slug=request.workspace.slug)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HtmxRequest, token: str) -> HttpResponse:
    """The link in the invitation email. A newcomer chooses a name and password; someone
    with an account signs in with the invited address and joins."""
    invitation = services.invitation_from_token(token=token)
    if invitation is None:
        return render(request, "workspaces/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    context: dict = {"invitation": invitation, "existing": existing}
    if existing is None:
        form = AccountCreateForm(request.POST or None, email=invitation.email)
        context["form"] = form
        if request.method == "POST":
            if not form.is_valid():
                return render(request, "workspaces/invitation_accept.html", context, status=400)
            user = user_create(
                email=invitation.email, name=form.cleaned_data["name"],
                password=form.cleaned_data["password"], language=request.LANGUAGE_CODE,
            )
            return _join(request, invitation, user, sign_in=True)
        return render(request, "workspaces/invitation_accept.html", context)
    if request.method == "POST" and request.user.is_authenticated:
        return _join(request, invitation, request.user, sign_in=False)
    return render(request, "workspaces/invitation_accept.html", context)


def _join(request: HtmxRequest, invitation: Invitation, user: User, *, sign_in: bool) -> HttpResponse:
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except ApplicationError as exc:
        context = {"invitation": invitation, "existing": user, "error": exc.message}
        return render(request, "workspaces/invitation_accept.html", context, status=400)
    if sign_in:
        login(request, user, backend="accounts.backends.EmailBackend")
    messages.success(request, _("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name})
    return redirect("inbox:index", workspace_slug=invitation.workspace.slug)


# --- settings: teams ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@workspace_member_required
def teams(request: WorkspaceRequest) -> HttpResponse:
    form = TeamForm(request.POST or None, workspace=request.workspace)
    status = 200
    if request.method == "POST":
        if not request.membership.is_admin:
            raise PermissionDenied
        team = _team_save_from_form(request, form, team=None)
        if team is not None:
            messages.success(request, _("Team %(name)s created.") % {"name": team.name})
            return redirect("workspaces:teams", workspace_slug=request.workspace.slug)
        status = 400
    context = {"teams": selectors.team_list(workspace=request.workspace), "form": form, "settings_section": "teams"}
    return render(request, "workspaces/settings_teams.html", context, status=status)


def _team_save_from_form(request: WorkspaceRequest, form: TeamForm, *, team: Team | None) -> Team | None:
    """Create or update the team from a bound form; None (with the error on the form) when
    the input or a business rule says no."""
    if not form.is_valid():
        return None
    try:
        return services.team_save(
            workspace=request.workspace, team=team,
            name=form.cleaned_data["name"], members=list(form.cleaned_data["members"]),
            round_robin=form.cleaned_data["round_robin"],
        )
    except ApplicationError as exc:
        form.add_error("name", exc.message)
        return None


def _team_or_404(request: WorkspaceRequest, team_id: int) -> Team:
    return get_object_or_404(Team.objects.for_workspace(request.workspace), pk=team_id)


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def team_edit(request: WorkspaceRequest, team_id: int) -> HttpResponse:
    team = _team_or_404(request, team_id)
    form = TeamForm(request.POST or None, workspace=request.workspace, initial=team_form_initial(team))
    if request.method == "POST":
        if _team_save_from_form(request, form, team=team) is not None:
            messages.success(request, _("Team %(name)s saved.") % {"name": team.name})
            return redirect("workspaces:teams", workspace_slug=request.workspace.slug)
        team.refresh_from_db()  # the heading shows the saved name, not the refused one
        return render(request, "workspaces/team_edit.html", {"team": team, "form": form, "settings_section": "teams"}, status=400)
    return render(request, "workspaces/team_edit.html", {"team": team, "form": form, "settings_section": "teams"})


@require_POST
@workspace_member_required(admin=True)
def team_delete(request: WorkspaceRequest, team_id: int) -> HttpResponse:
    team = _team_or_404(request, team_id)
    name = team.name
    team.delete()
    messages.success(request, _("Team %(name)s deleted.") % {"name": name})
    return redirect("workspaces:teams", workspace_slug=request.workspace.slug)
