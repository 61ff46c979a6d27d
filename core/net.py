from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. X-Forwarded-For is believed only when the request came from a
    proxy listed in TRUSTED_PROXIES; anyone else could write whatever they like in it."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if remote in getattr(settings, "TRUSTED_PROXIES", []):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return remote
