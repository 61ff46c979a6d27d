"""What every page of the public help center does before and after its own work: find the help
center from its address, speak the page's language, recognise an identified reader (the
access cookie), enforce private mode, and build the head of the page (title, description,
canonical and alternate addresses, the language switch).

A reader is identified by the signed link the messenger hands out (`?access=<token>`,
articles/access.py): its token is checked, kept in a cookie scoped to this help center's
path, and the reader is sent on to the same address without it, so the token is neither
bookmarked nor leaked through a Referer. The contact must still exist in the workspace, not
be merged away, and be a user (identified by the customer's product)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django_htmx.middleware import HtmxDetails

from articles import access, selectors, theme
from articles.models import LANGUAGE_CODES, HelpCenter
from contacts.models import Contact
from contacts.selectors import contact_get
from workspaces.scoping import workspace_scope

LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}  # each in its own language, as switches show them
OG_LOCALES = {"en": "en_US", "ja": "ja_JP"}
READER_COOKIE = "hc_reader"
READER_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
_READER_VALUE = re.compile(r"^[0-9a-f]{32}$")


class HelpCenterRequest(HttpRequest):
    htmx: HtmxDetails
    help_center: HelpCenter
    language: str
    reader_contact: Contact | None


def absolute(path: str) -> str:
    """The public address of a path: SITE_URL is what Parley is reached at, whatever Host
    header a proxy passed along."""
    return f"{settings.SITE_URL}{path}"


def home_path(help_center: HelpCenter, language: str) -> str:
    return reverse("help_center:home", kwargs={"help_center_slug": help_center.slug, "language": language})


def _identified_contact(help_center: HelpCenter, token: str) -> Contact | None:
    contact_id = access.contact_id_from_token(help_center=help_center, token=token)
    if contact_id is None:
        return None
    contact = contact_get(workspace=help_center.workspace, contact_id=contact_id)
    return contact if contact is not None and contact.role == Contact.Role.USER else None


def _cookie_path(help_center: HelpCenter) -> str:
    return reverse("help_center:root", kwargs={"help_center_slug": help_center.slug})


def _accept_access(request: HelpCenterRequest, token: str) -> HttpResponse:
    help_center = request.help_center
    contact = _identified_contact(help_center, token[:2048])
    if contact is None and help_center.private:
        response = private_page(request)
        response.delete_cookie(access.cookie_name(help_center), path=_cookie_path(help_center))
        return response
    query = request.GET.copy()
    query.pop("access", None)
    clean = request.path + (f"?{query.urlencode()}" if query else "")
    response = HttpResponseRedirect(clean)
    if contact is not None:
        response.set_cookie(
            access.cookie_name(help_center), token, max_age=access.ACCESS_MAX_AGE, path=_cookie_path(help_center),
            secure=request.is_secure(), httponly=True, samesite="Lax",
        )
    return response


def private_page(request: HelpCenterRequest) -> HttpResponse:
    """What a private help center shows to anyone it does not know (403)."""
    meta = PageMeta(
        title=translation.gettext("This help center is private"), description="",
        canonical_path=home_path(request.help_center, request.language), noindex=True,
    )
    # No messenger here: it would start a conversation with someone the page cannot place.
    return render_page(request, "help_center/private.html", {"hide_search": True}, meta=meta, status=403,
                       messenger=False)


def not_found_page(request: HelpCenterRequest, *, other_language: tuple[str, str] | None = None) -> HttpResponse:
    """A 404 inside the help center's own look. `other_language`, (language, path): the
    article exists in that language only, and the page says so and links to it."""
    meta = PageMeta(
        title=translation.gettext("Page not found"), description="",
        canonical_path=home_path(request.help_center, request.language), noindex=True,
    )
    context: dict[str, Any] = {"other_language": other_language}
    if other_language is not None:
        context["other_language_name"] = LANGUAGE_NAMES.get(other_language[0], other_language[0])
    return render_page(request, "help_center/not_found.html", context, meta=meta, status=404)


def _finish(request: HelpCenterRequest, response: HttpResponse) -> HttpResponse:
    response["Content-Language"] = request.language
    if request.help_center.private:
        # Private content: no search engine indexes it, no shared cache keeps it.
        response["X-Robots-Tag"] = "noindex, nofollow"
        patch_cache_control(response, private=True, no_store=True)
    return response


def help_center_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve /help/<help_center_slug>/[<language>/]… once: unknown help centers and
    languages are 404s; every read afterwards is scoped to the help center's workspace; a
    private help center answers 403 to readers it does not know."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, help_center_slug: str, language: str | None = None,
                **kwargs: Any) -> HttpResponse:
        help_center = selectors.help_center_by_slug(slug=help_center_slug)
        if help_center is None or (language is not None and language not in LANGUAGE_CODES):
            raise Http404
        language = language or help_center.default_language
        request = _as_help_center_request(request, help_center, language)
        with workspace_scope(help_center.workspace_id), translation.override(language):
            token = request.GET.get("access")
            if token is not None:
                return _finish(request, _accept_access(request, token))
            cookie = request.COOKIES.get(access.cookie_name(help_center), "")
            request.reader_contact = _identified_contact(help_center, cookie[:2048]) if cookie else None
            if help_center.private and request.reader_contact is None:
                response = private_page(request)
                if cookie:  # expired, forged or for someone who left: forget it
                    response.delete_cookie(access.cookie_name(help_center), path=_cookie_path(help_center))
                return _finish(request, response)
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = not_found_page(request)
            return _finish(request, response)

    return wrapper


def _as_help_center_request(request: HttpRequest, help_center: HelpCenter, language: str) -> HelpCenterRequest:
    request.help_center = help_center  # type: ignore[attr-defined]
    request.language = language  # type: ignore[attr-defined]
    request.reader_contact = None  # type: ignore[attr-defined]
    return request  # type: ignore[return-value]


def reader_key(request: HelpCenterRequest) -> tuple[str, str | None]:
    """Who is reacting: the identified contact (`c:<id>`), else an anonymous browser, known by
    a random first-party cookie and stored only as a hash of it (`b:<sha256 prefix>`), so the
    table holds nothing that could be replayed as that browser. Returns the key and, when the
    browser had no cookie yet, the new value to set."""
    if request.reader_contact is not None:
        return f"c:{request.reader_contact.pk}", None
    value = request.COOKIES.get(READER_COOKIE, "")
    new_value = None
    if not _READER_VALUE.match(value):
        value = new_value = secrets.token_hex(16)
    return "b:" + hashlib.sha256(value.encode()).hexdigest()[:32], new_value


def set_reader_cookie(request: HttpRequest, response: HttpResponse, value: str) -> None:
    response.set_cookie(READER_COOKIE, value, max_age=READER_COOKIE_MAX_AGE, path="/help/",
                        secure=request.is_secure(), httponly=True, samesite="Lax")


# --- the head of every page -------------------------------------------------------------------

@dataclass
class PageMeta:
    title: str
    description: str
    canonical_path: str
    # language -> path of this same page in that language (only languages where it exists)
    alternates: dict[str, str] = field(default_factory=dict)
    og_type: str = "website"
    noindex: bool = False


def render_page(request: HelpCenterRequest, template: str, context: dict[str, Any], *, meta: PageMeta,
                status: int = 200, messenger: bool = True) -> HttpResponse:
    help_center, language = request.help_center, request.language
    hreflang = []
    if len(meta.alternates) > 1 and not meta.noindex:
        hreflang = [{"language": code, "url": absolute(path)} for code, path in meta.alternates.items()]
        default = meta.alternates.get(help_center.default_language)
        if default:
            hreflang.append({"language": "x-default", "url": absolute(default)})
    switch = [
        {"code": code, "name": LANGUAGE_NAMES.get(code, code), "current": code == language,
         "href": meta.alternates.get(code) or home_path(help_center, code)}
        for code in LANGUAGE_CODES
    ]
    base = {
        "help_center": help_center,
        "language": language,
        "meta": meta,
        "canonical_url": absolute(meta.canonical_path),
        "hreflang": hreflang,
        "language_switch": switch,
        "og_locale": OG_LOCALES.get(language, language),
        "home_url": home_path(help_center, language),
        "search_url": reverse("help_center:search", kwargs={"help_center_slug": help_center.slug,
                                                             "language": language}),
        "theme_version": theme.theme_version(help_center),
        # The workspace's messenger, booted with its app_id only: nothing about the reader.
        "app_id": help_center.workspace.app_id if messenger else "",
    }
    return render(request, template, {**base, **context}, status=status)
