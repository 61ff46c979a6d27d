"""The addresses an outbound email carries for one delivery, and reading them back.

- open pixel and unsubscribe: /e/o/<token>.gif, /e/u/<token>/ — the delivery's token is 128
  random bits, so the addresses cannot be guessed or enumerated;
- clicks: /e/c/<signed (token, target)>/ — the target is inside the signature, so the
  tracker redirects only where the email itself linked (never an open redirect);
- replies: <app_id>+m<delivery id>-<signature>@INBOUND_EMAIL_DOMAIN (inbox/email_addresses)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

from outbound.models import Delivery

CLICK_SALT = "parley.outbound.click"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def open_pixel_url(delivery: Delivery) -> str:
    return _absolute(reverse("outbound_public:open", kwargs={"token": delivery.token}))


def unsubscribe_url(delivery: Delivery) -> str:
    return _absolute(reverse("outbound_public:unsubscribe", kwargs={"token": delivery.token}))


def click_url(delivery: Delivery, target: str) -> str:
    signed = signing.dumps([delivery.token, target], salt=CLICK_SALT, compress=True)
    return _absolute(reverse("outbound_public:click", kwargs={"signed": signed}))


def redirect_target_valid(target: str) -> bool:
    """An absolute http(s) address with a host and nothing that could break out of the
    Location header (control characters, backslashes that browsers read as '/')."""
    if not target or len(target) > 4000 or any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def click_read(signed: str) -> tuple[str, str] | None:
    """(delivery token, target) of a genuine click address, else None: a signature made
    with another key, or over anything but [token, http(s) target], reads as nothing."""
    if len(signed) > 8000:
        return None
    try:
        payload = signing.loads(signed, salt=CLICK_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(payload, list) or len(payload) != 2:
        return None
    token, target = payload
    if not isinstance(token, str) or not isinstance(target, str) or not redirect_target_valid(target):
        return None
    return token, target
