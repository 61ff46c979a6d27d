"""The customer sidebar's actions beside a conversation: tags and notes on the person, and
notes on their companies. The contacts app owns the rows; these views reach them through
its services, for the conversation's own customer only."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts import services as contact_services
from contacts.models import Company
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from inbox.forms import NoteForm, TagForm
from inbox.views import _back, _conversation_or_404
from workspaces.decorators import workspace_member_required
from workspaces.models import Tag


@require_POST
@workspace_member_required
def contact_tag(request: WorkspaceRequest, number: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    form = TagForm(request.POST)
    if form.is_valid():
        contact_services.contact_tag(contact=conversation.contact, name=form.cleaned_data["name"])
    else:
        messages.error(request, _("A tag needs a name of at most 64 characters."))
    return _back(conversation, request)


@require_POST
@workspace_member_required
def contact_untag(request: WorkspaceRequest, number: int, tag_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, number)
    tag = Tag.objects.for_workspace(request.workspace).filter(pk=tag_id).first()
    if tag is None:
        raise Http404
    contact_services.contact_untag(contact=conversation.contact, tag=tag)
    return _back(conversation, request)


@require_POST
@workspace_member_required
def customer_note(request: WorkspaceRequest, number: int) -> HttpResponse:
    """A note on the customer, or on one of their companies when `company` names it."""
    conversation = _conversation_or_404(request, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a note of at most 5,000 characters."))
        return _back(conversation, request)
    company = None
    if form.cleaned_data.get("company"):
        company = (
            Company.objects.for_workspace(request.workspace)
            .filter(pk=form.cleaned_data["company"], contacts=conversation.contact).first()
        )
        if company is None:
            raise Http404
    try:
        contact_services.note_add(
            author=request.membership, body=form.cleaned_data["body"], contact=conversation.contact, company=company
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(conversation, request)
