"""A pretend customer website that embeds the messenger the way a real one would (Intercom's
standard snippet), for `make demo` and the browser tests. It can browse anonymously, as a
logged-in user with a valid user_hash, or with a forged one."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from messenger.identity import user_hash
from workspaces.models import Workspace

DEMO_USER = {"user_id": "demo-yuki", "email": "yuki@example.com", "name": "Yuki Tanaka"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@xframe_options_exempt
@require_GET
def demo_site(request: HttpRequest, page: str = "home") -> HttpResponse:
    if not settings.DEMO_SITE_ENABLED:
        raise Http404
    workspace = Workspace.objects.filter(slug=settings.DEMO_WORKSPACE_SLUG).first()
    if workspace is None:
        raise Http404
    mode = request.GET.get("as", "visitor")
    intercom_settings: dict = {"app_id": workspace.app_id}
    if mode in ("user", "forged"):
        intercom_settings.update(DEMO_USER)
        intercom_settings["created_at"] = int(time.time()) - 86400 * 30
        intercom_settings["plan"] = "Pro"
        intercom_settings["company"] = {"company_id": "acme-cloud", "name": "Acme Cloud", "plan": "Pro"}
        proof = user_hash(secret=workspace.identity_secret, subject=DEMO_USER["user_id"])
        intercom_settings["user_hash"] = proof if mode == "user" else "0" * 64
    nonce = secrets.token_urlsafe(16)
    parley = _origin(settings.SITE_URL)
    response = render(
        request,
        "messenger/demo_site.html",
        {
            "workspace": workspace,
            "settings_json": intercom_settings,
            "mode": mode,
            "page": page,
            "nonce": nonce,
            "loader_url": f"{settings.SITE_URL}/widget/{workspace.app_id}",
        },
    )
    # This page plays a customer's site: it trusts Parley's origin for the messenger only.
    response["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'nonce-{nonce}' {parley}; style-src 'nonce-{nonce}' {parley}; "
        f"connect-src {parley}; frame-src {parley}; img-src 'self' {parley} data:"
    )
    return response
