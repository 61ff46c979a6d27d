"""Admins' ticket settings: types with their fields, and the words for the four states."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.htmx import WorkspaceRequest
from tickets import services
from tickets.forms_settings import StateLabelsForm, TicketFieldForm, TicketTypeForm
from tickets.models import TicketField, TicketState, TicketType
from workspaces.decorators import workspace_member_required


def _type_or_404(request: WorkspaceRequest, type_id: int) -> TicketType:
    kind = TicketType.objects.for_workspace(request.workspace).filter(pk=type_id).first()
    if kind is None:
        raise Http404
    return kind


def _settings_page(request: WorkspaceRequest, *, states_form: StateLabelsForm | None = None) -> HttpResponse:
    labels = services.state_labels(workspace=request.workspace)
    states_form = states_form or StateLabelsForm(labels=labels)
    rows = [(state, name, states_form[f"{state}-internal"], states_form[f"{state}-customer"])
            for state, name in TicketState.choices]
    return render(request, "tickets/settings.html", {
        "types": TicketType.objects.for_workspace(request.workspace).order_by("archived_at", "name"),
        "state_rows": rows, "states_form": states_form, "filters": None,
    })


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def settings_index(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        form = StateLabelsForm(request.POST, labels=services.state_labels(workspace=request.workspace))
        if not form.is_valid():
            messages.error(request, _("Some fields need attention."))
            return _settings_page(request, states_form=form)
        with transaction.atomic():
            for state in TicketState.values:
                services.state_label_set(workspace=request.workspace, state=state,
                                         internal_label=form.cleaned_data[f"{state}-internal"],
                                         customer_label=form.cleaned_data[f"{state}-customer"])
        messages.success(request, _("State labels saved."))
        return redirect("tickets:settings", workspace_slug=request.workspace.slug)
    return _settings_page(request)


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def type_new(request: WorkspaceRequest) -> HttpResponse:
    form = TicketTypeForm(request.POST or None, instance=TicketType(workspace=request.workspace))
    if request.method == "POST" and form.is_valid():
        kind = form.save()
        messages.success(request, _("Ticket type created. Now add its fields."))
        return redirect("tickets:type", workspace_slug=request.workspace.slug, type_id=kind.pk)
    return render(request, "tickets/type.html", {"form": form, "kind": None, "filters": None})


def _type_page(request: WorkspaceRequest, kind: TicketType, *, form: TicketTypeForm | None = None,
               field_form: TicketFieldForm | None = None, editing: int | None = None) -> HttpResponse:
    fields = list(TicketField.objects.for_workspace(request.workspace).filter(ticket_type=kind))
    rows = [(field, field_form if editing == field.pk and field_form else TicketFieldForm(
        instance=field, prefix=f"f{field.pk}")) for field in fields]
    return render(request, "tickets/type.html", {
        "form": form or TicketTypeForm(instance=kind), "kind": kind, "field_rows": rows, "filters": None,
        "new_field_form": field_form if editing is None and field_form else TicketFieldForm(prefix="new"),
    })


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def type_edit(request: WorkspaceRequest, type_id: int) -> HttpResponse:
    kind = _type_or_404(request, type_id)
    if request.method == "POST":
        form = TicketTypeForm(request.POST, instance=kind)
        if form.is_valid():
            form.save()
            messages.success(request, _("Ticket type saved."))
            return redirect("tickets:type", workspace_slug=request.workspace.slug, type_id=kind.pk)
        return _type_page(request, kind, form=form)
    return _type_page(request, kind)


@require_POST
@workspace_member_required(admin=True)
def type_archive(request: WorkspaceRequest, type_id: int) -> HttpResponse:
    kind = _type_or_404(request, type_id)
    kind.archived_at = None if kind.archived_at else timezone.now()
    kind.save(update_fields=["archived_at"])
    messages.success(request, _("Ticket type archived.") if kind.archived_at else _("Ticket type restored."))
    return redirect("tickets:type", workspace_slug=request.workspace.slug, type_id=kind.pk)


@require_POST
@workspace_member_required(admin=True)
def field_save(request: WorkspaceRequest, type_id: int, field_id: int = 0) -> HttpResponse:
    kind = _type_or_404(request, type_id)
    field = None
    if field_id:
        field = TicketField.objects.for_workspace(request.workspace).filter(ticket_type=kind, pk=field_id).first()
        if field is None:
            raise Http404
    instance = field or TicketField(workspace=request.workspace, ticket_type=kind,
                                    position=TicketField.objects.for_workspace(request.workspace)
                                    .filter(ticket_type=kind).count())
    form = TicketFieldForm(request.POST, instance=instance, prefix=f"f{field.pk}" if field else "new")
    if not form.is_valid():
        messages.error(request, _("Some fields need attention."))
        return _type_page(request, kind, field_form=form, editing=field.pk if field else None)
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        messages.error(request, _("That field could not be saved; try again."))
    else:
        messages.success(request, _("Field saved."))
    return redirect("tickets:type", workspace_slug=request.workspace.slug, type_id=kind.pk)


@require_POST
@workspace_member_required(admin=True)
def field_delete(request: WorkspaceRequest, type_id: int, field_id: int) -> HttpResponse:
    kind = _type_or_404(request, type_id)
    deleted, _rows = TicketField.objects.for_workspace(request.workspace).filter(ticket_type=kind, pk=field_id).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("Field removed. Tickets keep the values they had."))
    return redirect("tickets:type", workspace_slug=request.workspace.slug, type_id=kind.pk)
