"""What a recipient's mail client or browser reaches from an outbound email: the open
pixel, the click tracker and the unsubscribe page. No session and no workspace in the
address: the delivery's random token (or a signature over it) is the only permission, and
it names one delivery, so nothing here can touch another recipient, message or workspace.

The pixel answers the same picture whatever the token; the click tracker redirects only to
a target signed into its address (anything else is a 404, never an open redirect)."""

from __future__ import annotations

import base64
import re

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.net import client_ip
from core.throttle import Throttle, consume_all
from outbound import tracking, tracking_services
from outbound.models import Delivery, Suppression

# The smallest transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
TOKEN = re.compile(r"^[0-9a-f]{32}$")

# Opens and clicks over these limits are still answered (the picture, the redirect: the
# reader must get where the link goes) but no longer recorded. Gmail's and Apple's proxies
# fetch for many readers from few addresses, hence the generous per-address figure; one
# email's token fetched again and again is what a loop or a scanner does.
TRACK_BY_IP = Throttle("outbound-track-ip", limit=1200, window_seconds=60)
TRACK_BY_TOKEN = Throttle("outbound-track-token", limit=20, window_seconds=60)
UNSUBSCRIBE_BY_IP = Throttle("outbound-unsubscribe-ip", limit=30, window_seconds=60)

ONE_CLICK = "One-Click"


def _delivery(token: str) -> Delivery | None:
    if not TOKEN.match(token):
        return None
    # all_workspaces: a sent email carries only its delivery's random token (122 bits, never
    # listed anywhere), which names one delivery; everything after is scoped to its workspace.
    return Delivery.all_workspaces.select_related("workspace").filter(token=token).first()


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in the address: never hand it to the sites a page links to.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _may_record(request: HttpRequest, token: str) -> bool:
    ip = client_ip(request)
    return request.method == "GET" and not consume_all(
        [(TRACK_BY_IP, ip), (TRACK_BY_TOKEN, f"{ip}|{token}")])


@require_http_methods(["GET", "HEAD"])
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """The same picture for every token, known or not, tracking on or off."""
    if TOKEN.match(token) and _may_record(request, token):
        delivery = _delivery(token)
        if delivery is not None and delivery.workspace.email_tracking_enabled and delivery.sent_at is not None:
            tracking_services.delivery_opened(delivery=delivery, user_agent=request.headers.get("User-Agent", ""))
    return _private(HttpResponse(PIXEL, content_type="image/gif"))


@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, signed: str) -> HttpResponse:
    """Record the click and go where the email linked. A HEAD (link checkers) only answers."""
    read = tracking.click_read(signed)
    if read is None:
        raise Http404
    token, target = read
    if _may_record(request, token):
        delivery = _delivery(token)
        if delivery is not None and delivery.workspace.email_tracking_enabled and delivery.sent_at is not None:
            tracking_services.delivery_clicked(delivery=delivery, url=target,
                                               user_agent=request.headers.get("User-Agent", ""))
    return _private(HttpResponseRedirect(target))


def _language(delivery: Delivery) -> str:
    """The recipient's language when we know it (their browser's, from the messenger), else
    the workspace's."""
    from contacts.models import Contact

    spoken = (
        Contact.objects.for_workspace(delivery.workspace_id).filter(pk=delivery.contact_id)
        .values_list("language", flat=True).first()
    )
    code = (spoken or "").lower().split("-")[0]
    return code if code in ("en", "ja") else delivery.workspace.default_language


def _unsubscribe_page(request: HttpRequest, delivery: Delivery, *, saved: str = "", status: int = 200) -> HttpResponse:
    suppression = tracking_services.suppression_of(delivery=delivery)
    language = _language(delivery)
    with translation.override(language):
        response = render(request, "outbound/unsubscribe.html", {
            "delivery": delivery, "workspace": delivery.workspace, "language": language, "saved": saved,
            "state": "subscribed" if suppression is None else suppression.reason,
            "unsubscribed": Suppression.Reason.UNSUBSCRIBED,
        }, status=status)
    return _private(response)


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without cookies or a CSRF token;
# the unguessable token in the address is what authorises it (and what stops a forged
# cross-site POST: the forger would need it). GET only shows the page, so a link scanner
# that follows the address unsubscribes nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    delivery = _delivery(token)
    if delivery is None:
        raise Http404
    if request.method == "GET":
        return _unsubscribe_page(request, delivery)
    wait = consume_all([(UNSUBSCRIBE_BY_IP, client_ip(request))])
    if wait:
        response = _unsubscribe_page(request, delivery, status=429)
        response["Retry-After"] = str(wait)
        return response
    one_click = request.POST.get("List-Unsubscribe") == ONE_CLICK
    choice = request.POST.get("choice", "")
    if one_click or choice == "unsubscribe":
        tracking_services.delivery_unsubscribed(delivery=delivery)
        return _unsubscribe_page(request, delivery, saved="unsubscribe")
    if choice == "subscribe":
        tracking_services.delivery_resubscribe(delivery=delivery)
        return _unsubscribe_page(request, delivery, saved="subscribe")
    return _unsubscribe_page(request, delivery, status=400)
