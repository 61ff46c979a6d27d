from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings

from django.http import HttpRequest, HttpResponse

# Scripts and styles come only from our own origin (vendored files, no inline code), so an
# injected <script> or on* attribute that slipped past sanitizing still does not run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        # Help-center articles embed YouTube and Vimeo players (articles/html.py allows no
        # other frame).
        "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", _policy(settings.STREAMS_URL))
        return response


@functools.lru_cache(maxsize=4)
def _policy(streams_url: str) -> str:
    if not streams_url:
        return CONTENT_SECURITY_POLICY
    # Live streams may come from the ASGI process's own address.
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {streams_url}")


# Paths that customers' sites call. They authenticate with the messenger token only, so the
# agent app's cookies (a teammate testing their own site while signed in) are dropped before
# the session and CSRF machinery could see them.
PUBLIC_PREFIXES = ("/messenger/", "/widget/", "/e/")


class PublicEndpointsWithoutCookiesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PUBLIC_PREFIXES):
            request.COOKIES = {}
        return self.get_response(request)
