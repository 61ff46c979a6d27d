"""The JSON endpoints the loader script calls from the customer's site."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from messenger import selectors, services
from messenger.http import (
    SESSION_HEADER,
    BadJson,
    MessengerRequest,
    cors,
    json_body,
    no_session,
    session_required,
    throttled,
)
from messenger.inputs import browser_id_valid, page_parse, settings_parse
from messenger.page_views import page_view_record
from workspaces.models import Workspace
from workspaces.scoping import workspace_scope

EVENT_NAME_MAX = 255


def _contact_json(contact) -> dict:  # type: ignore[no-untyped-def]
    return {"role": contact.role, "name": contact.display_name}


def _launcher_label(language: str) -> str:
    with translation.override(language):
        return _("Open the messenger")


@cors
@require_http_methods(["POST", "OPTIONS"])
@throttled()
def boot(request: HttpRequest) -> HttpResponse:
    try:
        data = json_body(request)
    except BadJson as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    app_id = data.get("app_id")
    workspace = (
        Workspace.objects.filter(app_id=app_id).first() if isinstance(app_id, str) and app_id else None
    )
    if workspace is None:
        return JsonResponse({"error": "Unknown app_id."}, status=404)
    if not browser_id_valid(data.get("browser_id")):
        return JsonResponse({"error": "browser_id must be 32 lowercase hexadecimal characters."}, status=400)
    parsed = settings_parse(data.get("settings"))
    client = data.get("client") if isinstance(data.get("client"), dict) else {}
    language = client.get("language") if isinstance(client.get("language"), str) else ""
    timezone_name = client.get("timezone") if isinstance(client.get("timezone"), str) else ""
    with workspace_scope(workspace.pk):
        result = services.messenger_boot(
            workspace=workspace,
            browser_id=data["browser_id"],
            settings=parsed,
            page=page_parse(data.get("page")),
            browser_language=language[:16],
            timezone_name=timezone_name[:64],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        unread = selectors.unread_count(session=result.session)
    warnings = list(parsed.warnings)
    if result.proof_rejected:
        warnings.append("user_hash or intercom_user_jwt did not verify; the user's history is not shown")
    return JsonResponse(
        {
            "session": result.token,
            "contact": _contact_json(result.session.contact),
            "messenger": {
                "color": workspace.messenger_color,
                "alignment": workspace.launcher_alignment,
                "horizontal_padding": 20,
                "vertical_padding": 20,
                "language": result.session.language,
                "launcher_label": "メッセンジャーを開く"
                if result.session.language == "ja"
                else "Open the messenger",
            },
            "unread_count": unread,
            "panel_url": f"/messenger/panel/?app_id={workspace.app_id}",
            "warnings": warnings,
        }
    )


@cors
@require_http_methods(["POST", "OPTIONS"])
@throttled()
def ping(request: HttpRequest) -> HttpResponse:
    """A page view, or `Intercom('update', {...})` from the host page. A plain page view
    (the common case) is one SQL statement; attribute changes take the full path."""
    try:
        data = json_body(request)
    except BadJson as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    page = page_parse(data.get("page"))
    parsed = settings_parse(data.get("settings"))
    if parsed.update.is_empty:
        visit = page_view_record(token=request.META.get(SESSION_HEADER, ""), page=page)
        if visit is None:
            return no_session()
        return JsonResponse(
            {
                "contact": {"role": visit.role, "name": visit.name or _("Unknown")},
                "unread_count": visit.unread_count,
                "warnings": parsed.warnings,
            }
        )
    return _ping_with_attributes(request, parsed=parsed, page=page)


@session_required
def _ping_with_attributes(request: MessengerRequest, *, parsed, page) -> HttpResponse:  # type: ignore[no-untyped-def]
    contact = services.messenger_ping(session=request.messenger_session, settings=parsed, page=page)
    return JsonResponse(
        {
            "contact": _contact_json(contact),
            "unread_count": selectors.unread_count(session=request.messenger_session),
            "warnings": parsed.warnings,
        }
    )


@cors
@require_http_methods(["POST", "OPTIONS"])
@throttled()
@session_required
def events(request: MessengerRequest) -> HttpResponse:
    try:
        data = json_body(request)
    except BadJson as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > EVENT_NAME_MAX:
        return JsonResponse(
            {"error": "name must be a non-empty string of at most 255 characters."}, status=400
        )
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    clean = {
        str(key)[:100]: value
        for key, value in list(metadata.items())[:20]
        if isinstance(value, (str, int, float, bool)) or value is None
    }
    services.messenger_event(session=request.messenger_session, name=name.strip(), metadata=clean)
    return JsonResponse({"ok": True}, status=202)


@cors
@require_http_methods(["GET", "OPTIONS"])
@throttled()
@session_required
def unread(request: MessengerRequest) -> HttpResponse:
    return JsonResponse({"unread_count": selectors.unread_count(session=request.messenger_session)})


def loader(request: HttpRequest, app_id: str = "") -> HttpResponse:
    """The loader script, at Intercom's path shape (/widget/<app_id>) too, so a site switches
    by changing the script URL. Served by Django (not whitenoise) to keep that address."""
    from django.contrib.staticfiles import finders

    path = finders.find("messenger/loader.js")
    with open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response
