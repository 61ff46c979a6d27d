"""The messenger's live stream: new parts in the conversations this session may see."""

from __future__ import annotations

from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from core.models import RealtimeEvent
from core.realtime import contact_channel
from core.streams import event_stream, release_database
from messenger.http import SESSION_HEADER
from messenger.models import MessengerSession, hash_session_token


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Headers"] = "X-Parley-Session, Last-Event-ID"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Max-Age"] = "600"
    return response


async def messenger_stream(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if not isinstance(request, ASGIRequest):
        # Under WSGI a stream would hold a worker thread for minutes: refuse, and the
        # panel keeps polling.
        return _cors(JsonResponse({"error": "Streams are served by the ASGI process."}, status=503))
    token = request.META.get(SESSION_HEADER, "")
    session = None
    if token and len(token) <= 128:
        from django.utils import timezone

        # Crosses workspaces on purpose: the token is the credential and names its workspace.
        session = await (
            MessengerSession.all_workspaces.filter(
                token_hash=hash_session_token(token), expires_at__gt=timezone.now()
            )
            .only("workspace_id", "contact_id", "browser_id", "verified")
            .afirst()
        )
    await release_database()
    if session is None:
        return _cors(JsonResponse({"error": "The messenger session is missing or has expired."}, status=401))
    raw_last_id = request.META.get("HTTP_LAST_EVENT_ID")
    try:
        last_id = max(int(raw_last_id), 0) if raw_last_id else None
    except ValueError:
        last_id = None

    def public(event: RealtimeEvent) -> dict[str, Any] | None:
        if event.kind == "ticket":
            # Only customer tickets reach the contact channel (tickets.services._announce). An
            # unproven session is told only that something changed, never which ticket: the
            # panel re-fetches what it shows through messenger/ticket_access.py.
            return {"ticket": event.data.get("ticket") if session.verified else None}
        # The same rule as messenger.selectors.conversations_for_session.
        if not session.verified and event.data.get("browser_id") != session.browser_id:
            return None
        if event.kind == "typing":
            return {"conversation": event.data.get("conversation"), "name": event.data.get("name", "")}
        return {"conversation": event.data.get("conversation")}

    stream = event_stream(
        workspace_id=session.workspace_id,
        channel=contact_channel(session.contact_id),
        last_id=last_id,
        public=public,
    )
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return _cors(response)
