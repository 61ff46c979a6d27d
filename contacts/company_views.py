"""Companies: the list (searchable, keyset-paged, with people counts) and each company's
profile with its attributes, people and notes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import selectors, services
from contacts.forms import CompanyForm, CompanySearchForm, NoteForm
from contacts.models import AttributeDefinition, Company
from contacts.navigation import contacts_context
from contacts.profile_services import company_update
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from workspaces.decorators import workspace_member_required


@require_GET
@workspace_member_required
def company_list(request: WorkspaceRequest) -> HttpResponse:
    form = CompanySearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    search = data.get("q", "")
    companies, next_cursor = selectors.company_list(
        workspace=request.workspace, search=search, after=selectors.NameCursor.decode(data.get("after")),
    )
    next_url = None
    if next_cursor is not None:
        next_url = "?" + urlencode({**({"q": search} if search else {}), "after": next_cursor.encode()})
    context = contacts_context(request, "companies", companies=companies, search=search, next_url=next_url)
    if request.htmx and not request.htmx.boosted and data.get("after"):
        return render(request, "contacts/companies.html#company-rows", context)
    return render(request, "contacts/companies.html", context)


def _company_or_404(request: WorkspaceRequest, company_id: int) -> Company:
    company = selectors.company_get(workspace=request.workspace, company_id=company_id)
    if company is None:
        raise Http404
    return company


def _company_url(request: WorkspaceRequest, company: Company) -> str:
    return reverse("contacts:company", kwargs={"workspace_slug": request.workspace.slug, "company_id": company.pk})


def _company_form(request: WorkspaceRequest, company: Company, data=None) -> CompanyForm:  # type: ignore[no-untyped-def]
    definitions = selectors.attribute_definitions(workspace=request.workspace,
                                                  target=AttributeDefinition.Target.COMPANY, archived=False)
    return CompanyForm(data, company=company, definitions=definitions, tz=request.workspace.tzinfo)


def _render_company(request: WorkspaceRequest, company: Company, *, form: CompanyForm | None = None,
                    status: int = 200) -> HttpResponse:
    try:
        people_after = int(request.GET.get("people_after", "")) or None
    except ValueError:
        people_after = None
    people, next_people = selectors.company_people(company=company, after_id=people_after)
    context = contacts_context(
        request, "companies", company=company, form=form or _company_form(request, company),
        people=people, next_people_url=f"?people_after={next_people}" if next_people else None,
        notes=selectors.company_notes(company=company), note_form=NoteForm(),
        custom=selectors.custom_values(
            definitions=selectors.attribute_definitions(workspace=request.workspace,
                                                        target=AttributeDefinition.Target.COMPANY),
            attributes=company.attributes or {}),
    )
    if request.htmx and not request.htmx.boosted and people_after is not None:
        return render(request, "contacts/company.html#people-rows", context)
    return render(request, "contacts/company.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_member_required
def company_profile(request: WorkspaceRequest, company_id: int) -> HttpResponse:
    company = _company_or_404(request, company_id)
    if request.method == "GET":
        return _render_company(request, company)
    form = _company_form(request, company, request.POST)
    if not form.is_valid():
        return _render_company(request, company, form=form, status=400)
    company_update(company=company, changes=form.changes())
    messages.success(request, _("Saved."))
    return redirect(_company_url(request, company))


@require_POST
@workspace_member_required
def company_note(request: WorkspaceRequest, company_id: int) -> HttpResponse:
    company = _company_or_404(request, company_id)
    form = NoteForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Write a note of at most 5,000 characters.")
    else:
        try:
            services.note_add(author=request.membership, body=form.cleaned_data["body"], company=company)
        except ApplicationError as exc:
            error = exc.message
    if request.htmx:
        # 200 even with an error: htmx swaps only 2xx, and the error belongs in the card.
        return render(request, "contacts/company.html#company-notes", {
            "company": company, "notes": selectors.company_notes(company=company), "note_form": NoteForm(),
            "notes_error": error,
        })
    if error:
        messages.error(request, error)
    return redirect(_company_url(request, company))
