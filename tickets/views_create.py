"""Opening a ticket as a teammate: from a conversation (a customer ticket for its contact, or
a back-office ticket linked to it) or from the tickets screen (back-office or tracker)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from inbox import selectors as inbox_selectors
from tickets import selectors, services
from tickets.forms import TicketCreateForm, raw_values
from tickets.models import TicketField, TicketType
from workspaces.decorators import workspace_member_required


def create_page(request: WorkspaceRequest, *, conversation: Any) -> HttpResponse:
    categories = ([TicketType.Category.CUSTOMER, TicketType.Category.BACK_OFFICE] if conversation is not None
                  else [TicketType.Category.BACK_OFFICE, TicketType.Category.TRACKER])
    data = request.POST if request.method == "POST" else None
    # The type is chosen first (a GET form, or a link with ?type=), then its fields are shown.
    type_param = request.GET.get("ticket_type") or request.GET.get("type") or ""
    form = TicketCreateForm(data, workspace=request.workspace, categories=categories)
    chosen = None
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["ticket_type"]
    elif form.is_bound and str(data.get("ticket_type", "")).isdigit():
        chosen = form.fields["ticket_type"].queryset.filter(pk=int(data["ticket_type"])).first()
    elif type_param.isdigit():
        chosen = form.fields["ticket_type"].queryset.filter(pk=int(type_param)).first()
    fields = selectors.ticket_fields(ticket_type=chosen) if chosen else []
    raw: dict[str, Any] = raw_values(request.POST, fields) if data is not None else {}
    errors: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        ticket_type = form.cleaned_data["ticket_type"]
        contact = conversation.contact if conversation is not None and ticket_type.category == "customer" else None
        try:
            ticket = services.ticket_create(
                workspace=request.workspace, ticket_type=ticket_type, title=form.cleaned_data["title"],
                description=form.cleaned_data["description"], values=raw, contact=contact,
                conversation=conversation, created_by=request.membership,
                assignee=form.cleaned_data["assignee"], team=form.cleaned_data["team"],
            )
        except services.TicketValuesInvalid as exc:
            errors = exc.errors
            messages.error(request, exc.message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Ticket #%(number)s opened.") % {"number": ticket.number})
            return redirect("tickets:ticket", workspace_slug=request.workspace.slug, number=ticket.number)
    field_rows = [{"field": f, "value": raw.get(f.key, ""), "error": errors.get(f.key)} for f in fields
                  if f.kind != TicketField.Kind.FILE]
    return render(request, "tickets/new.html", {
        "form": form, "conversation": conversation, "field_rows": field_rows, "chosen": chosen,
    })


@require_http_methods(["GET", "POST"])
@workspace_member_required
def from_conversation(request: WorkspaceRequest, number: int) -> HttpResponse:
    conversation = inbox_selectors.conversation_get(workspace=request.workspace, number=number)
    if conversation is None:
        raise Http404
    return create_page(request, conversation=conversation)
