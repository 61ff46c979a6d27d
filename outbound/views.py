"""The teammates' outbound screens, under /w/<workspace>/outbound/: the list of messages (this
module), the email editor with its preview, audience and actions (message_views.py), and
saved layouts (template_views.py).

Any teammate may write and send emails, as in Intercom; saved layouts are whole HTML
documents that are never sanitized (a layout needs <style> and <head>), so only admins edit
them, and they are shown only as emails: inside a sandboxed frame with a CSP of their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.htmx import WorkspaceRequest
from core.paging import page_links
from outbound import selectors
from outbound.forms import MessageFilterForm
from outbound.models import OutboundMessage
from workspaces.decorators import workspace_member_required

PAGE_SIZE = 50
# What an email preview may load: its own inline styles and pictures; nothing runs, nothing
# posts, and it cannot reach the app around it (sandbox: an opaque origin).
EMAIL_PREVIEW_CSP = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                     "frame-ancestors 'self'; sandbox")


def outbound_context(request: WorkspaceRequest, section: str, **extra: Any) -> dict[str, Any]:
    """What every page of the area passes to templates/outbound/_layout.html."""
    return {"current_area": "outbound", "outbound_section": section, **extra}


def message_or_404(request: WorkspaceRequest, message_id: int) -> OutboundMessage:
    message = (
        OutboundMessage.objects.for_workspace(request.workspace)
        .select_related("workspace", "sender__user", "template").filter(pk=message_id).first()
    )
    if message is None:
        raise Http404
    return message


def email_document(html: str) -> HttpResponse:
    """An email's HTML as a page of its own, for a sandboxed preview frame only."""
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_PREVIEW_CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@dataclass
class MessageRow:
    message: OutboundMessage

    def _rate(self, name: str) -> int | None:
        return selectors.rate(getattr(self.message, name), self.message.sent_count)

    @property
    def opened_rate(self) -> int | None:
        return self._rate("opened_count")

    @property
    def clicked_rate(self) -> int | None:
        return self._rate("clicked_count")

    @property
    def replied_rate(self) -> int | None:
        return self._rate("replied_count")

    @property
    def unsubscribed_rate(self) -> int | None:
        return self._rate("unsubscribed_count")


@require_GET
@workspace_member_required
def index(request: WorkspaceRequest) -> HttpResponse:
    """Every email with its state, audience and counts; filtered by state. Two queries for
    the page (its messages with their counts, and the total), whatever it holds."""
    form = MessageFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    state = data.get("state", "")
    page = Paginator(selectors.message_list(workspace=request.workspace, state=state), PAGE_SIZE).get_page(
        data.get("page") or 1)
    filters = {"state": state} if state else {}
    context = outbound_context(
        request, "messages", form=form, state=state, filtered=bool(filters),
        rows=[MessageRow(message) for message in page.object_list],
        **page_links(page, filters),
    )
    if request.htmx and not request.htmx.boosted:
        return render(request, "outbound/list.html#message-results", context)
    return render(request, "outbound/list.html", context)
