"""Data attributes settings: the typed custom attributes of people and companies, and the
events contacts perform. Every teammate may read them; only admins change them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors
from contacts.forms import AttributeCreateForm, AttributeEditForm
from contacts.models import AttributeDefinition
from contacts.navigation import contacts_context
from contacts.profile_services import attribute_archive, attribute_create, attribute_update
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from workspaces.decorators import workspace_member_required

Target = AttributeDefinition.Target
TABS = {"people": Target.CONTACT, "companies": Target.COMPANY, "events": Target.EVENT}
TAB_OF_TARGET = {target: tab for tab, target in TABS.items()}


def _list_url(request: WorkspaceRequest, tab: str) -> str:
    return reverse("contacts:attributes", kwargs={"workspace_slug": request.workspace.slug}) + f"?tab={tab}"


@require_http_methods(["GET", "POST"])
@workspace_member_required
def attribute_list(request: WorkspaceRequest) -> HttpResponse:
    """The tab's definitions (archived ones last) and, for admins, the form declaring a new
    one. Events are not declared here: they appear when a contact first performs them."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "people"
    target = TABS[tab]
    form = None
    status = 200
    if target != Target.EVENT:
        form = AttributeCreateForm(request.POST if request.method == "POST" else None,
                                   workspace=request.workspace, target=target)
    if request.method == "POST":
        if not request.membership.is_admin:
            raise PermissionDenied
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                definition = attribute_create(workspace=request.workspace, target=target, key=data["key"],
                                              type=data["type"], description=data["description"],
                                              options=data["options"])
            except ApplicationError as exc:
                form.add_error("key", exc.message)
            else:
                messages.success(request, _("The attribute %(key)s was created.") % {"key": definition.key})
                return redirect(_list_url(request, tab))
        status = 400
    definitions = sorted(selectors.attribute_definitions(workspace=request.workspace, target=target),
                         key=lambda d: (d.archived_at is not None, d.key))
    return render(request, "contacts/attributes.html", contacts_context(
        request, "attributes", tab=tab, tabs=list(TABS), definitions=definitions, form=form,
    ), status=status)


def _definition_or_404(request: WorkspaceRequest, attribute_id: int) -> AttributeDefinition:
    definition = AttributeDefinition.objects.for_workspace(request.workspace).filter(pk=attribute_id).first()
    if definition is None:
        raise Http404
    return definition


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def attribute_edit(request: WorkspaceRequest, attribute_id: int) -> HttpResponse:
    definition = _definition_or_404(request, attribute_id)
    tab = TAB_OF_TARGET[definition.target]
    form = AttributeEditForm(request.POST if request.method == "POST" else None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            attribute_update(definition=definition, description=form.cleaned_data["description"],
                             options=form.cleaned_data.get("options"))
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(_list_url(request, tab))
    return render(request, "contacts/attribute_edit.html", contacts_context(
        request, "attributes", definition=definition, form=form, tab=tab,
    ), status=400 if form.is_bound else 200)


@require_POST
@workspace_member_required(admin=True)
def attribute_archive_toggle(request: WorkspaceRequest, attribute_id: int) -> HttpResponse:
    """POST archives; POST with action=unarchive brings the attribute back."""
    definition = _definition_or_404(request, attribute_id)
    archived = request.POST.get("action") != "unarchive"
    try:
        attribute_archive(definition=definition, archived=archived)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(key)s was archived.") % {"key": definition.key} if archived
                         else _("%(key)s is back.") % {"key": definition.key})
    return redirect(_list_url(request, TAB_OF_TARGET[definition.target]))
