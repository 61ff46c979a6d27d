"""The email editor: write (title, sender, who gets replies, subject, body, layout), choose the
audience with the contacts builder and see how many it reaches, set the delivery; preview as
a contact in a sandboxed frame and send a test to yourself; set live, pause, resume, stop,
delete; follow the sending and the failures.

Bad input re-renders the form with its messages (200, as the other areas do); business
rules refused by the services (ApplicationError) are shown on the form too."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.forms import HELP_IMAGE_MAX_BYTES, IMAGE_ACCEPT
from contacts import audience
from contacts.models import Contact
from contacts.segments import people_of
from core.exceptions import ApplicationError
from core.htmx import WorkspaceRequest
from outbound import audiences, placeholders, rendering, selectors, services
from outbound.forms import MessageForm, TestSendForm, initial_for
from outbound.models import OutboundMessage
from outbound.views import email_document, message_or_404, outbound_context
from workspaces.decorators import workspace_member_required

LOCKED = (OutboundMessage.State.LIVE, OutboundMessage.State.STOPPED)
CONTACT_CHOICES = 20


def _edit_url(request: WorkspaceRequest, message: OutboundMessage) -> str:
    return reverse("outbound:edit", kwargs={"workspace_slug": request.workspace.slug, "message_id": message.pk})


def placeholder_menu(workspace_id: int) -> list[tuple[str, str]]:
    """(label, text inserted) for the editor's placeholder menu."""
    menu = [
        (_("First name"), '{{first_name | fallback: "there"}}'),
        (_("Last name"), "{{last_name}}"),
        (_("Full name"), "{{name}}"),
        (_("Email"), "{{email}}"),
        (_("Company name"), "{{company.name}}"),
    ]
    menu += [(key, "{{%s}}" % key) for key in services.custom_keys(workspace_id)
             if placeholders.PLACEHOLDER.fullmatch("{{%s}}" % key)]
    return menu


def _preview_contacts(request: WorkspaceRequest, query: str = "") -> list[Contact]:
    people = people_of(request.workspace)
    if query:
        people = people.filter(Q(name__icontains=query) | Q(email__icontains=query))
    return list(people.only("pk", "name", "email", "role").order_by("-last_seen_at", "-id")[:CONTACT_CHOICES])


def _render_editor(request: WorkspaceRequest, *, message: OutboundMessage | None, form: MessageForm,
                   status: int = 200) -> HttpResponse:
    rule_json = form["rule"].value() if "rule" in form.fields else json.dumps(message.rule if message else {})
    if isinstance(rule_json, dict):
        rule_json = json.dumps(rule_json)
    if not rule_json or rule_json == "{}":
        rule_json = json.dumps(audience.EVERYONE)  # the builder edits a group, never nothing
    sentence = ""
    if message is not None and message.state in LOCKED:
        try:
            sentence = audience.describe(audience.parse(message.rule or audience.EVERYONE, workspace=request.workspace))
        except audience.RuleError as exc:
            sentence = exc.message
    context = outbound_context(
        request, "messages", message=message, form=form, rule_json=rule_json, sentence=sentence,
        schema=audience.builder_schema(request.workspace) if "rule" in form.fields else None,
        placeholder_menu=placeholder_menu(request.workspace.pk),
        upload_url=reverse("articles:image_upload", kwargs={"workspace_slug": request.workspace.slug}),
        image_accept=IMAGE_ACCEPT, image_max_bytes=HELP_IMAGE_MAX_BYTES, now=timezone.now(),
    )
    if message is not None:
        context.update(
            progress=selectors.message_progress(message=message),
            stats=selectors.message_stats(message=message),
            failures=selectors.failed_deliveries(message=message),
            preview_contacts=_preview_contacts(request),
        )
    return render(request, "outbound/editor.html", context, status=status)


def _save(request: WorkspaceRequest, form: MessageForm, message: OutboundMessage | None) -> OutboundMessage | None:
    try:
        with transaction.atomic():
            if message is None:
                return services.message_create(workspace=request.workspace, actor=request.membership,
                                               **form.message_fields())
            return services.message_update(message=message, **form.message_fields())
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    except audience.RuleError as exc:
        form.add_error(None, _("This audience cannot be used: %(reason)s") % {"reason": exc.message})
    return None


@require_http_methods(["GET", "POST"])
@workspace_member_required
def message_new(request: WorkspaceRequest) -> HttpResponse:
    form = MessageForm(request.POST if request.method == "POST" else None, workspace=request.workspace,
                       initial=initial_for(None, membership=request.membership))
    if request.method == "POST" and form.is_valid():
        message = _save(request, form, None)
        if message is not None:
            messages.success(request, _("Draft saved."))
            return redirect(_edit_url(request, message))
    return _render_editor(request, message=None, form=form)


@require_http_methods(["GET", "POST"])
@workspace_member_required
def message_edit(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    message = message_or_404(request, message_id)
    form = MessageForm(request.POST if request.method == "POST" else None, workspace=request.workspace,
                       initial=initial_for(message, membership=request.membership),
                       audience_locked=message.state in LOCKED)
    if request.method == "POST" and form.is_valid():
        if _save(request, form, message) is not None:
            messages.success(request, _("Saved."))
            if request.POST.get("action") == "close":
                return redirect("outbound:index", workspace_slug=request.workspace.slug)
            return redirect(_edit_url(request, message))
    return _render_editor(request, message=message, form=form)


@require_GET
@workspace_member_required
def audience_count(request: WorkspaceRequest) -> HttpResponse:
    """How many people the rule being edited reaches now (with an email, not suppressed),
    and the rule as a sentence; 400 with the reason for a rule that cannot be used."""
    context: dict[str, Any] = {}
    status = 200
    try:
        rule = audience.parse(request.GET.get("rule") or audience.EVERYONE, workspace=request.workspace)
        probe = OutboundMessage(workspace=request.workspace, rule=rule.as_json())
        context.update(total=audiences.audience_count(message=probe), sentence=audience.describe(rule))
    except audience.RuleError as exc:
        context["error"] = exc.message
        status = 400
    return render(request, "outbound/partials/_count.html", context, status=status)


@require_GET
@workspace_member_required
def contact_search(request: WorkspaceRequest) -> HttpResponse:
    """The <option>s of the preview's contact menu, for what was typed."""
    query = request.GET.get("q", "").strip()[:100]
    return render(request, "outbound/partials/_contact_options.html",
                  {"contacts": _preview_contacts(request, query)})


def _contact_for(request: WorkspaceRequest, raw: str | None) -> Contact | None:
    if not raw:
        return None
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    contact = people_of(request.workspace).filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


@require_GET
@workspace_member_required
def message_preview(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    """The email as `?contact=` (a user or lead of this workspace) would get it, or as the
    teammate, for the editor's sandboxed preview frame. No tracking, nothing recorded."""
    message = message_or_404(request, message_id)
    contact = _contact_for(request, request.GET.get("contact"))
    if contact is None:
        user = request.user
        contact = Contact(workspace=request.workspace, name=user.name, email=user.email)
        company = None
    else:
        from outbound.sending import _companies

        company = _companies([contact.pk], request.workspace.pk).get(contact.pk)
    rendered = rendering.preview(message, contact=contact, company=company)
    return email_document(rendered.html)


@require_POST
@workspace_member_required
def message_send_test(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    message = message_or_404(request, message_id)
    form = TestSendForm(request.POST)
    contact = _contact_for(request, str(form.cleaned_data["contact"] or "")) if form.is_valid() else None
    if not message.subject.strip() or not message.body.strip():
        messages.error(request, _("Write a subject and a body, and save, before sending a test."))
    else:
        try:
            services.message_send_test(message=message, membership=request.membership, as_contact=contact)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except Exception as exc:  # noqa: BLE001 - the provider's answer is what the teammate needs to see
            messages.error(request, _("The test could not be sent: %(reason)s") % {"reason": str(exc)[:300]})
        else:
            messages.success(request, _("A test was sent to %(email)s.") % {"email": request.user.email})
    return redirect(_edit_url(request, message))


def _act(request: WorkspaceRequest, message: OutboundMessage, action: str) -> HttpResponse:
    try:
        if action == "live":
            message = services.message_set_live(message=message, actor=request.membership)
            if message.state == OutboundMessage.State.SCHEDULED:
                messages.success(request, _("Scheduled: sending starts at the start date."))
            else:
                messages.success(request, _("Live: the email is being sent."))
        elif action == "pause":
            services.message_pause(message=message)
            messages.success(request, _("Paused: nothing more is sent until you resume."))
        elif action == "stop":
            services.message_stop(message=message)
            messages.success(request, _("Stopped: nothing more will be sent."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except audience.RuleError as exc:
        messages.error(request, _("This audience cannot be used: %(reason)s") % {"reason": exc.message})
    return redirect(_edit_url(request, message))


@require_POST
@workspace_member_required
def message_set_live(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    """Set live a draft, or resume a paused message."""
    return _act(request, message_or_404(request, message_id), "live")


@require_POST
@workspace_member_required
def message_pause(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    return _act(request, message_or_404(request, message_id), "pause")


@require_http_methods(["GET", "POST"])
@workspace_member_required
def message_stop(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    """GET asks for confirmation; POST stops for good."""
    message = message_or_404(request, message_id)
    if request.method == "POST":
        return _act(request, message, "stop")
    return render(request, "outbound/confirm.html", outbound_context(
        request, "messages", message=message, action="stop", cancel_url=_edit_url(request, message),
        progress=selectors.message_progress(message=message)))


@require_http_methods(["GET", "POST"])
@workspace_member_required
def message_delete(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes a draft."""
    message = message_or_404(request, message_id)
    if request.method == "POST":
        try:
            services.message_delete(message=message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_edit_url(request, message))
        messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": message.title})
        return redirect("outbound:index", workspace_slug=request.workspace.slug)
    return render(request, "outbound/confirm.html", outbound_context(
        request, "messages", message=message, action="delete", cancel_url=_edit_url(request, message)))


@require_GET
@workspace_member_required
def message_progress(request: WorkspaceRequest, message_id: int) -> HttpResponse:
    """The progress card, polled by htmx while the message sends."""
    message = message_or_404(request, message_id)
    return render(request, "outbound/partials/_progress.html", {
        "message": message, "progress": selectors.message_progress(message=message),
        "stats": selectors.message_stats(message=message),
    })
