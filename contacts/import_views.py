"""Screens for moving people in and out: CSV import (upload, mapping, progress, error
report), CSV export of any selection, and merging a lead into a user by hand."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import audience, exports, imports
from contacts.people_list import MAX_BULK
from contacts.import_forms import ImportMappingForm, ImportUploadForm, MergeForm
from contacts.models import Contact, ContactImport, Segment
from contacts.navigation import contacts_context
from contacts.segments import BUILTINS_BY_KEY, people_of
from contacts.services import contact_merge
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from workspaces.decorators import workspace_member_required


def _import_or_404(request: WorkspaceRequest, import_id: int) -> ContactImport:
    contact_import = (ContactImport.objects.for_workspace(request.workspace).select_related("workspace")
                      .filter(pk=import_id).first())
    if contact_import is None:
        raise Http404
    return contact_import


def _imports_page(request: WorkspaceRequest, form: ImportUploadForm, *, status: int = 200) -> HttpResponse:
    context = contacts_context(request, "import", form=form,
                               imports=imports.recent_imports(workspace=request.workspace))
    return render(request, "contacts/import_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def import_list(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's imports, and the upload that starts a new one."""
    if request.method == "GET":
        return _imports_page(request, ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            contact_import = imports.import_create(
                workspace=request.workspace, actor=request.membership, upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"])
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("contacts:import_map", workspace_slug=request.workspace.slug, import_id=contact_import.pk)
    return _imports_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@workspace_member_required(admin=True)
def import_map(request: WorkspaceRequest, import_id: int) -> HttpResponse:
    contact_import = _import_or_404(request, import_id)
    if contact_import.queued_at is not None:
        return redirect("contacts:import_detail", workspace_slug=request.workspace.slug, import_id=contact_import.pk)
    try:
        columns = imports.import_preview(contact_import=contact_import)
    except FileNotFoundError:
        messages.error(request, ContactImport.Failure.FILE_MISSING.label)
        return redirect("contacts:import", workspace_slug=request.workspace.slug)
    form = ImportMappingForm(
        request.POST or None, columns=columns, kind=contact_import.kind,
        definitions=imports.contact_attribute_definitions(workspace=request.workspace))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            imports.import_start(contact_import=contact_import, mapping=form.cleaned_data["mapping"])
            return redirect("contacts:import_detail", workspace_slug=request.workspace.slug,
                            import_id=contact_import.pk)
        status = 400
    context = contacts_context(request, "import", contact_import=contact_import, form=form)
    return render(request, "contacts/import_map.html", context, status=status)


@require_GET
@workspace_member_required(admin=True)
def import_detail(request: WorkspaceRequest, import_id: int) -> HttpResponse:
    """The progress page; htmx polls its progress partial every second until the end."""
    contact_import = _import_or_404(request, import_id)
    context = {"contact_import": contact_import,
               "first_errors": imports.import_errors_first(contact_import=contact_import)
               if contact_import.is_finished and contact_import.failed_count else []}
    if request.htmx and not request.htmx.boosted:
        return render(request, "contacts/import_detail.html#progress", context)
    return render(request, "contacts/import_detail.html", contacts_context(request, "import", **context))


@require_GET
@workspace_member_required(admin=True)
def import_errors(request: WorkspaceRequest, import_id: int) -> StreamingHttpResponse:
    """The refused rows as CSV: why, then the row as it was, to fix and upload again."""
    contact_import = _import_or_404(request, import_id)
    errors = imports.import_errors(contact_import=contact_import)
    header = [_("Row"), _("Problem"), *contact_import.headers]
    tz = request.workspace.tzinfo

    def lines():  # type: ignore[no-untyped-def]
        writer = csv.writer(exports.Line())
        yield exports.BOM + writer.writerow(header)
        for error in errors:
            yield writer.writerow([error.row_number, error.reason, *(exports.cell(c, tz) for c in error.cells)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{contact_import.pk}-errors.csv"'
    return response


def _csv_download(request: WorkspaceRequest, people: QuerySet[Contact]) -> StreamingHttpResponse:
    stamp = timezone.now().astimezone(request.workspace.tzinfo).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(exports.export_csv(workspace=request.workspace, people=people),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contacts-{request.workspace.slug}-{stamp}.csv"'
    return response


@require_POST
@workspace_member_required
def export_ticked(request: WorkspaceRequest) -> HttpResponse:
    """The people ticked on the page (ids of this workspace's users and leads only; others are
    ignored, as for bulk tagging). A POST: the ids would not fit a URL, and it carries CSRF."""
    ids = [int(value) for value in request.POST.getlist("contact") if value.isdigit()][:MAX_BULK]
    if not ids:
        messages.error(request, _("Tick some people to export."))
        return _back(request, request.POST.get("next", ""))
    return _csv_download(request, people_of(request.workspace).filter(pk__in=ids))


@require_GET
@workspace_member_required
def export(request: WorkspaceRequest) -> HttpResponse:
    """The people a filter (`rule`), a saved segment or a built-in view (`segment`) selects."""
    rules: list = []
    segment = request.GET.get("segment", "")
    if segment in BUILTINS_BY_KEY:
        rules.append(BUILTINS_BY_KEY[segment].rule)
    elif segment:
        if not segment.isdigit() or not Segment.objects.for_workspace(request.workspace).filter(pk=int(segment)).exists():
            raise Http404
        rules.append({"match": "all", "rules": [{"field": "segment", "operator": "in", "value": int(segment)}]})
    if request.GET.get("rule"):
        rules.append(request.GET["rule"])
    try:
        people = exports.people_selected(workspace=request.workspace, rules=rules)
    except audience.RuleError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    return _csv_download(request, people)


def _back(request: WorkspaceRequest, next_url: str) -> HttpResponse:
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("contacts:index", workspace_slug=request.workspace.slug)


@require_POST
@workspace_member_required(admin=True)
def merge(request: WorkspaceRequest) -> HttpResponse:
    """Fold a visitor or lead into a user (chosen by id, or by email from the profile's form)."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, request.POST.get("next", ""))
    data = form.cleaned_data
    people = Contact.objects.for_workspace(request.workspace).filter(merged_into__isnull=True)
    source = people.filter(pk=data["source"]).first()
    if data.get("target"):
        target = people.filter(pk=data["target"]).first()
    else:
        target = (people.filter(email__iexact=data["target_email"], role=Contact.Role.USER).order_by("id").first()
                  or people.filter(email__iexact=data["target_email"]).exclude(pk=data["source"]).order_by("id").first())
        if target is None and source is not None:
            messages.error(request, _("No user has the email %(email)s.") % {"email": data["target_email"]})
            return _back(request, data["next"])
    if source is None or target is None:
        raise Http404
    if source.role == Contact.Role.USER:
        messages.error(request, _("Only a visitor or a lead can be merged into someone else."))
    elif target.role != Contact.Role.USER:
        messages.error(request, _("A lead can only be merged into a user."))
    elif source.pk == target.pk:
        messages.error(request, _("A person cannot be merged into themselves."))
    else:
        contact_merge(source=source, target=target)
        messages.success(request, _("%(source)s was merged into %(target)s.")
                         % {"source": source.display_name, "target": target.display_name})
    return _back(request, data["next"])
