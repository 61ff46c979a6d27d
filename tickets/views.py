"""The team's tickets screens: the list with its views and filters, and the ticket page with
its changes (each a POST that redirects back, so every form works without JavaScript)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from core.uploads import stored_file_response
from inbox.selectors import Cursor
from tickets import selectors, services
from tickets.forms import AssignForm, BodyForm, StateForm, TicketFilterForm, TicketTextForm, TrackerForm, raw_values
from tickets.models import Ticket, TicketAttachment, TicketField, TicketPart, TicketState, TicketType
from workspaces.decorators import workspace_member_required
from workspaces.models import Membership, Team


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    form = TicketFilterForm(request.GET, workspace=request.workspace)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.TicketFilters(
        view=data.get("view") or "open", type_id=data["type"].pk if data.get("type") else None,
        state=data.get("state") or "", q=(data.get("q") or "").strip(),
    )
    rows, next_cursor = selectors.ticket_list(workspace=request.workspace, member=request.membership,
                                              filters=filters, cursor=Cursor.decode(data.get("after")))
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "tickets": rows, "filters": filters, "form": form,
        "counts": selectors.ticket_counts_remembered(workspace=request.workspace, member=request.membership),
        "labels": services.state_labels(workspace=request.workspace),
        "types": list(TicketType.objects.for_workspace(request.workspace).order_by("name")),
        "states": TicketState.choices,
        "next_url": f"?{params.urlencode()}&after={next_cursor.encode()}" if next_cursor else None,
        "query": params.urlencode(),
    }
    for ticket in rows:
        ticket.state_label = context["labels"][ticket.state][0]
    if request.htmx and not request.htmx.boosted and request.GET.get("after"):
        return render(request, "tickets/list.html#rows", context)
    return render(request, "tickets/list.html", context)


def _ticket_or_404(request: WorkspaceRequest, number: int) -> Ticket:
    ticket = selectors.ticket_get(workspace=request.workspace, number=number)
    if ticket is None:
        raise Http404
    return ticket


def _back(request: WorkspaceRequest, ticket: Ticket) -> HttpResponse:
    return redirect("tickets:ticket", workspace_slug=request.workspace.slug, number=ticket.number)


def _describe(part: TicketPart, labels: dict[str, tuple[str, str]], names: dict[int, str],
              teams: dict[int, str]) -> str:
    """An event's sentence in the reader's language (events store only ids and values)."""
    data: dict[str, Any] = part.event_data or {}
    if part.event == "created":
        return _("Opened by the customer") if data.get("by_customer") else _("Ticket opened")
    if part.event == "state_changed":
        return _("State changed from %(from)s to %(to)s") % {
            "from": labels.get(data.get("from", ""), ("?",))[0], "to": labels.get(data.get("to", ""), ("?",))[0]}
    if part.event == "assigned":
        assignee = names.get(data.get("assignee") or 0)
        team = teams.get(data.get("team") or 0)
        if assignee and team:
            return _("Assigned to %(assignee)s in %(team)s") % {"assignee": assignee, "team": team}
        if assignee or team:
            return _("Assigned to %(who)s") % {"who": assignee or team}
        return _("Unassigned")
    if part.event == "linked":
        if data.get("tracker"):
            return _("Linked to tracker ticket #%(number)s") % {"number": data["tracker"]}
        return _("Unlinked from its tracker ticket")
    if part.event == "field_changed":
        return _("Details edited")
    return part.event


def _ticket_context(request: WorkspaceRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    workspace = request.workspace
    labels = services.state_labels(workspace=workspace)
    fields = selectors.ticket_fields(ticket_type=ticket.ticket_type)
    timeline = selectors.ticket_timeline(ticket=ticket)
    names = {m.pk: m.user.name or m.user.email
             for m in Membership.objects.for_workspace(workspace).select_related("user")}
    teams = {t.pk: t.name for t in Team.objects.for_workspace(workspace)}
    for part in timeline:
        if part.kind == TicketPart.Kind.EVENT:
            part.sentence = _describe(part, labels, names, teams)
    # One query for every file on the ticket: on timeline parts, and in file fields.
    files_by_part: dict[int | None, list[TicketAttachment]] = {}
    for item in TicketAttachment.objects.for_workspace(workspace).filter(ticket=ticket).order_by("id"):
        files_by_part.setdefault(item.part_id, []).append(item)
    for part in timeline:
        part.files = files_by_part.get(part.pk, [])
    field_files = {item.pk: item for item in files_by_part.get(None, [])}
    values = ticket.values or {}
    field_rows = [{"field": f, "value": extra.get("raw", values).get(f.key, ""), "error": extra.get("errors", {}).get(f.key),
                   "files": [field_files[pk] for pk in values.get(f.key) or [] if pk in field_files]
                   if f.kind == TicketField.Kind.FILE else []}
                  for f in fields]
    context = {
        "ticket": ticket, "labels": labels, "state_label": labels[ticket.state][0], "timeline": timeline,
        "field_rows": field_rows, "states": [(s, labels[s][0]) for s in TicketState.values],
        "text_form": extra.get("text_form") or TicketTextForm(initial={"title": ticket.title,
                                                                       "description": ticket.description}),
        "assign_form": AssignForm(workspace=workspace, initial={"assignee": ticket.assignee_id, "team": ticket.team_id}),
        "tracker_form": TrackerForm(workspace=workspace, initial={"tracker": ticket.tracker_id}),
        "note_form": BodyForm(), "is_customer": ticket.category == TicketType.Category.CUSTOMER,
        "is_tracker": ticket.category == TicketType.Category.TRACKER,
        "linked": list(selectors.tracker_linked(tracker=ticket)) if ticket.category == TicketType.Category.TRACKER else [],
    }
    context["clock"] = _clock(ticket)
    for linked in context["linked"]:
        linked.state_label = labels[linked.state][0]
    return context


def _duration(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d day", "%(count)d days", hours // 24) % {"count": hours // 24}


def _clock(ticket: Ticket) -> dict[str, str]:
    """The team's clock and the customer's, including the state the ticket is in now
    (services account a state's time only when the ticket leaves it)."""
    now = timezone.now()
    running = max(int((now - ticket.state_changed_at).total_seconds()), 0)
    team, waiting = ticket.team_seconds, ticket.waiting_seconds
    if ticket.state == TicketState.WAITING:
        waiting += running
    elif ticket.state != TicketState.RESOLVED:
        team += running
    resolved = int((ticket.resolved_at - ticket.created_at).total_seconds()) if ticket.resolved_at else 0
    return {"team": _duration(team), "waiting": _duration(waiting), "resolved": _duration(resolved)}


@require_GET
@workspace_member_required
def ticket(request: WorkspaceRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    return render(request, "tickets/ticket.html", _ticket_context(request, ticket))


@require_POST
@workspace_member_required
def ticket_edit(request: WorkspaceRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = TicketTextForm(request.POST)
    fields = selectors.ticket_fields(ticket_type=ticket.ticket_type)
    raw = raw_values(request.POST, fields, ticket.values)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values = services.values_clean(ticket_type=ticket.ticket_type, raw=raw, by_customer=False,
                                       previous=ticket.values)
    except services.TicketValuesInvalid as exc:
        errors = exc.errors
    if not form.is_valid() or errors:
        messages.error(request, _("Some fields need attention."))
        context = _ticket_context(request, ticket, raw=raw, errors=errors, text_form=form)
        return render(request, "tickets/ticket.html", context)
    services.ticket_update_details(ticket=ticket, actor=request.membership, title=form.cleaned_data["title"],
                                   description=form.cleaned_data["description"], values=values)
    messages.success(request, _("Ticket saved."))
    return _back(request, ticket)


@require_POST
@workspace_member_required
def ticket_state(request: WorkspaceRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = StateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a state."))
        return _back(request, ticket)
    services.ticket_set_state(ticket=ticket, state=form.cleaned_data["state"], actor=request.membership,
                              update_linked=form.cleaned_data["update_linked"])
    return _back(request, ticket)


@require_POST
@workspace_member_required
def ticket_assign(request: WorkspaceRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = AssignForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        messages.error(request, _("Choose a teammate or team of this workspace."))
        return _back(request, ticket)
    services.ticket_assign(ticket=ticket, assignee=form.cleaned_data["assignee"], team=form.cleaned_data["team"],
                           actor=request.membership)
    return _back(request, ticket)


@require_POST
@workspace_member_required
def ticket_tracker(request: WorkspaceRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = TrackerForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        messages.error(request, _("Choose an open tracker ticket of this workspace."))
        return _back(request, ticket)
    try:
        services.ticket_link_tracker(ticket=ticket, tracker=form.cleaned_data["tracker"], actor=request.membership)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request, ticket)


@require_POST
@workspace_member_required
def ticket_note(request: WorkspaceRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    form = BodyForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["body"].strip():
        messages.error(request, _("Write something first."))
        return _back(request, ticket)
    try:
        if request.POST.get("kind") == "reply":
            services.ticket_reply(ticket=ticket, actor=request.membership, body=form.cleaned_data["body"])
        else:
            services.ticket_note(ticket=ticket, actor=request.membership, body=form.cleaned_data["body"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request, ticket)


@require_http_methods(["GET", "POST"])
@workspace_member_required
def ticket_new(request: WorkspaceRequest) -> HttpResponse:
    from tickets.views_create import create_page

    return create_page(request, conversation=None)



@require_GET
@workspace_member_required
def ticket_attachment(request: WorkspaceRequest, number: int, attachment_id: int) -> HttpResponse:
    """A file on the ticket, served as the messenger serves it: only pictures inline,
    everything else a download, sandboxed so an uploaded page cannot run here."""
    ticket = _ticket_or_404(request, number)
    item = TicketAttachment.objects.for_workspace(request.workspace).filter(ticket=ticket, pk=attachment_id).first()
    if item is None:
        raise Http404
    return stored_file_response(file=item.file, content_type=item.content_type,
                                filename=item.filename or f"file{item.extension}", max_age=3600)
