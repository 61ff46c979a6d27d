"""The demo's "Sent mail" screen: what the embedded demo would have sent, read from the
kept .eml files of this workspace only (outbound/mailbox.py). Admins only: emails carry
customers' addresses."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.htmx import WorkspaceRequest
from outbound import mailbox
from outbound.views import outbound_context
from workspaces.decorators import workspace_member_required

MAILBOX_BACKEND = "outbound.mailbox.EmailBackend"


def mailbox_enabled() -> bool:
    return settings.EMAIL_BACKEND == MAILBOX_BACKEND


@require_GET
@workspace_member_required(admin=True)
def mailbox_list(request: WorkspaceRequest) -> HttpResponse:
    kept = mailbox.mailbox_list(app_id=request.workspace.app_id)
    return render(request, "outbound/mailbox.html", outbound_context(
        request, "mailbox", kept=kept, enabled=mailbox_enabled(),
    ))


@require_GET
@workspace_member_required(admin=True)
def mailbox_read(request: WorkspaceRequest, name: str) -> HttpResponse:
    kept = mailbox.mailbox_get(app_id=request.workspace.app_id, name=name)
    if kept is None:
        raise Http404
    return render(request, "outbound/mailbox_read.html", outbound_context(request, "mailbox", kept=kept))
