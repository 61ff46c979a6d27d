"""The contact profile: who a person is, everything tracked about them, and the teammates'
edits, tags and notes on them."""

from __future__ import annotations

from functools import lru_cache

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from articles import selectors as article_selectors
from contacts import selectors, services
from contacts.forms import ContactForm, NoteForm, TagForm
from contacts.models import AttributeDefinition, Contact
from contacts.navigation import contacts_context
from contacts.profile_services import contact_update
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from outbound.recipient_selectors import messages_received
from workspaces.decorators import workspace_member_required
from workspaces.models import Tag

MERGE_FORM_TEMPLATE = "contacts/partials/_merge_form.html"


@lru_cache(maxsize=1)
def merge_form_available() -> bool:
    """Whether the hand-merge form (built alongside this page) is installed: the profile
    includes it only then. Asked once per process; templates do not appear at run time."""
    try:
        get_template(MERGE_FORM_TEMPLATE)
    except TemplateDoesNotExist:
        return False
    return True


def _contact_or_404(request: WorkspaceRequest, contact_id: int) -> Contact:
    contact = selectors.contact_get(workspace=request.workspace, contact_id=contact_id)
    if contact is None:
        raise Http404
    return contact


def _profile_url(request: WorkspaceRequest, contact: Contact) -> str:
    return reverse("contacts:contact", kwargs={"workspace_slug": request.workspace.slug, "contact_id": contact.pk})


def _definitions(request: WorkspaceRequest) -> list[AttributeDefinition]:
    return selectors.attribute_definitions(workspace=request.workspace, target=AttributeDefinition.Target.CONTACT)


def _contact_form(request: WorkspaceRequest, contact: Contact, data=None, *,  # type: ignore[no-untyped-def]
                  definitions: list[AttributeDefinition] | None = None) -> ContactForm:
    """The edit form; archived attributes are shown read-only, so they get no field."""
    definitions = _definitions(request) if definitions is None else definitions
    return ContactForm(data, contact=contact, definitions=[d for d in definitions if d.archived_at is None],
                       tz=request.workspace.tzinfo)


def _older_events_url(cursor: selectors.Keyset | None) -> str | None:
    return f"?events_before={cursor.encode()}" if cursor else None


def _render_profile(request: WorkspaceRequest, contact: Contact, *, form: ContactForm | None = None,
                    status: int = 200) -> HttpResponse:
    events_before = selectors.Keyset.decode(request.GET.get("events_before"))
    if request.htmx and not request.htmx.boosted and events_before is not None:
        # "Older events" asks for the next rows only.
        events, older = selectors.contact_events(contact=contact, before=events_before)
        return render(request, "contacts/contact.html#event-rows", {
            "contact": contact, "profile": {"events": events}, "older_events_url": _older_events_url(older),
        })
    definitions = _definitions(request)
    profile = selectors.contact_profile(contact=contact, events_before=events_before, definitions=definitions)
    context = contacts_context(
        request, "people", profile=profile, contact=contact,
        form=form or _contact_form(request, contact, definitions=definitions),
        tag_form=TagForm(), note_form=NoteForm(), merge_form_available=merge_form_available(),
        older_events_url=_older_events_url(profile.older_events),
        # What the person read in the help center (messenger or identified on the site).
        recent_articles=article_selectors.recently_viewed_for_teammates(
            workspace=request.workspace, contact=contact, limit=10
        ),
        messages_received=messages_received(contact=contact),
    )
    return render(request, "contacts/contact.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_member_required
def contact_profile(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    """The profile page (GET, or the older events as a fragment); POST saves its edits."""
    contact = _contact_or_404(request, contact_id)
    if request.method == "GET":
        return _render_profile(request, contact)
    form = _contact_form(request, contact, request.POST)
    if not form.is_valid():
        return _render_profile(request, contact, form=form, status=400)
    try:
        contact_update(contact=contact, changes=form.changes())
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _render_profile(request, contact, form=form, status=400)
    messages.success(request, _("Saved."))
    return redirect(_profile_url(request, contact))


def _after_sidebar_change(request: WorkspaceRequest, contact: Contact, fragment: str,
                          error: str | None = None) -> HttpResponse:
    """htmx swaps the changed card in place (with the error, if any); without JavaScript,
    back to the profile, with the error as a message. The fragment answers 200 even with an
    error, because htmx does not swap 4xx responses and the error belongs in the card."""
    if request.htmx:
        profile = selectors.contact_profile(contact=contact)
        return render(request, f"contacts/contact.html#{fragment}", {
            "profile": profile, "contact": contact, "tag_form": TagForm(), "note_form": NoteForm(),
            f"{fragment}_error": error,
        })
    if error:
        messages.error(request, error)
    return redirect(_profile_url(request, contact))


@require_POST
@workspace_member_required
def contact_tag(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    form = TagForm(request.POST)
    if not form.is_valid():
        return _after_sidebar_change(request, contact, "tags", _("A tag needs a name of at most 64 characters."))
    try:
        services.contact_tag(contact=contact, name=form.cleaned_data["name"])
    except ApplicationError as exc:
        return _after_sidebar_change(request, contact, "tags", exc.message)
    return _after_sidebar_change(request, contact, "tags")


@require_POST
@workspace_member_required
def contact_untag(request: WorkspaceRequest, contact_id: int, tag_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    tag = Tag.objects.for_workspace(request.workspace).filter(pk=tag_id).first()
    if tag is None:
        raise Http404
    services.contact_untag(contact=contact, tag=tag)
    return _after_sidebar_change(request, contact, "tags")


@require_POST
@workspace_member_required
def contact_note(request: WorkspaceRequest, contact_id: int) -> HttpResponse:
    contact = _contact_or_404(request, contact_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _after_sidebar_change(request, contact, "notes", _("Write a note of at most 5,000 characters."))
    try:
        services.note_add(author=request.membership, body=form.cleaned_data["body"], contact=contact)
    except ApplicationError as exc:
        return _after_sidebar_change(request, contact, "notes", exc.message)
    return _after_sidebar_change(request, contact, "notes")
