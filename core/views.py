from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.areas import AREAS_BY_KEY
from core.htmx import HtmxRequest, WorkspaceRequest


def area_placeholder(request: WorkspaceRequest, *, area: str) -> HttpResponse:
    """The honest page of an area that is not built yet: what it will do, nothing fake."""
    return render(request, "core/area_placeholder.html", {"area": AREAS_BY_KEY[area], "current_area": area})


@require_GET
def livez(request: HtmxRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing (readiness, with the database, is
    /healthz); benchmarks use it as the trivial-view baseline."""
    return HttpResponse(b"ok", content_type="text/plain")


@require_GET
def healthz(request: HtmxRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
