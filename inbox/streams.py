"""The inbox's live stream: which conversations of the workspace changed."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from core.models import RealtimeEvent
from core.realtime import workspace_channel
from core.streams import event_stream, release_database
from workspaces.models import Membership


def _site_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # Behind the proxy the stream shares the app's origin and none of this applies; when the
    # ASGI process has an address of its own, only the app's origin may read it, with cookies.
    if request.headers.get("Origin") == _site_origin():
        response["Access-Control-Allow-Origin"] = _site_origin()
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    return response


async def inbox_stream(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    if not isinstance(request, ASGIRequest):
        return JsonResponse({"error": "Streams are served by the ASGI process."}, status=503)
    user = await request.auser()
    if not user.is_authenticated:
        return _cors(request, JsonResponse({"error": "Sign in first."}, status=401))
    # Crosses workspaces on purpose, as workspace_member_required does: bounded by the user.
    membership = await (
        Membership.all_workspaces.filter(user=user, workspace__slug=workspace_slug, is_active=True)
        .only("workspace_id")
        .afirst()
    )
    await release_database()
    if membership is None:
        raise Http404
    raw = request.META.get("HTTP_LAST_EVENT_ID")
    try:
        last_id = max(int(raw), 0) if raw else None
    except ValueError:
        last_id = None

    def public(event: RealtimeEvent) -> dict:
        if event.kind == "typing":
            return {"conversation": event.data.get("conversation"), "name": event.data.get("name", "")}
        return {"conversation": event.data.get("conversation"), "customer": bool(event.data.get("customer"))}

    stream = event_stream(
        workspace_id=membership.workspace_id, channel=workspace_channel(membership.workspace_id),
        last_id=last_id, public=public,
    )
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return _cors(request, response)
