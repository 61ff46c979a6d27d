"""What a recipient's mail client or browser reaches from an outbound email."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outbound import tracking, tracking_services
from outbound.models import Delivery

# The smallest transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _delivery(token: str) -> Delivery | None:
    if not token or len(token) != 32:
        return None
    # all_workspaces: a sent email carries only its delivery's random token (128 bits, never
    # listed anywhere), which names one delivery; everything after is scoped to its workspace.
    return Delivery.all_workspaces.select_related("message", "workspace").filter(token=token).first()


@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    delivery = _delivery(token)
    if delivery is not None:
        tracking_services.delivery_opened(delivery=delivery, user_agent=request.headers.get("User-Agent", ""))
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


@require_GET
def click(request: HttpRequest, signed: str) -> HttpResponse:
    """Record the click and go where the email linked: only a target signed into the link."""
    read = tracking.click_read(signed)
    if read is None:
        raise Http404
    token, target = read
    delivery = _delivery(token)
    if delivery is not None:
        tracking_services.delivery_clicked(delivery=delivery, url=target,
                                           user_agent=request.headers.get("User-Agent", ""))
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store, private"
    return response


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without cookies or a CSRF token;
# the unguessable token in the address is what authorises it. GET only shows a page, so a
# link scanner that follows the address unsubscribes nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    delivery = _delivery(token)
    if delivery is None:
        raise Http404
    done = False
    if request.method == "POST":
        if request.POST.get("resubscribe"):
            tracking_services.delivery_resubscribe(delivery=delivery)
        else:
            tracking_services.delivery_unsubscribed(delivery=delivery)
            done = True
    suppressed = tracking_services.is_suppressed(delivery=delivery)
    return render(request, "outbound/unsubscribe.html", {
        "delivery": delivery, "workspace": delivery.workspace, "done": done, "suppressed": suppressed,
    })
