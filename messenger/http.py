"""HTTP plumbing shared by the messenger's public endpoints: open CORS without credentials,
the session header, throttles and JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from core.net import client_ip
from core.throttle import Throttle, consume_all
from messenger.models import MessengerSession
from messenger.selectors import session_for_token
from workspaces.scoping import workspace_scope

SESSION_HEADER = "HTTP_X_PARLEY_SESSION"
MAX_JSON_BYTES = 64 * 1024

_rates = settings.MESSENGER_RATE_LIMITS
BY_IP = Throttle("messenger-ip", _rates["per_ip_per_minute"], 60)
BY_SESSION = Throttle("messenger-session", _rates["per_session_per_minute"], 60)
MESSAGES_BY_SESSION = Throttle("messenger-messages", _rates["messages_per_session_per_minute"], 60)


class MessengerRequest(HttpRequest):
    messenger_session: MessengerSession


def cors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Any site may embed the messenger. Requests carry no cookies (the token is in a
    header), so `*` without credentials is both enough and safe; CSRF does not apply."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(status=204) if request.method == "OPTIONS" else view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Headers"] = "Content-Type, X-Parley-Session"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Expose-Headers"] = "Retry-After, X-Parley-Unread"
        response["Access-Control-Max-Age"] = "600"
        return response

    return wrapper


def too_many(wait: int) -> JsonResponse:
    response = JsonResponse({"error": "Too many requests. Slow down."}, status=429)
    response["Retry-After"] = str(wait)
    return response


def throttled(*extra: Throttle) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Per IP and per messenger session (plus any `extra` per-session limits), checked
    before anything touches the database."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            token = request.META.get(SESSION_HEADER, "")
            checks = [(BY_IP, client_ip(request))]
            if token:
                checks += [(BY_SESSION, token)] + [(throttle, token) for throttle in extra]
            wait = consume_all(checks)
            if wait:
                return too_many(wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def no_session() -> JsonResponse:
    return JsonResponse({"error": "The messenger session is missing or has expired."}, status=401)


def session_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the X-Parley-Session header; 401 tells the loader to boot again."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = session_for_token(token=request.META.get(SESSION_HEADER, ""))
        if session is None:
            return no_session()
        request.messenger_session = session  # type: ignore[attr-defined]
        with workspace_scope(session.workspace_id), translation.override(session.language):
            return view(request, *args, **kwargs)

    return wrapper


class BadJson(ValueError):
    pass


def json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BYTES:
        raise BadJson("The request body is too large.")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadJson("The request body must be a JSON object.")
    return data
