"""Async views served only by the ASGI process (uvicorn), under /streams/.

The inbox and messenger issues add their Server-Sent Events endpoints here. Until then the
health check lets the reverse proxy and the tests prove that the ASGI path is wired."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


async def streams_health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "served_by": "asgi"})
