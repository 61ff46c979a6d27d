"""The public help center: what customers read, without signing in."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from articles.models import HelpImage


@require_GET
def media(request: HttpRequest, token: str) -> HttpResponse:
    """A picture of an article, a logo or a header: public (articles are), found only by its
    random token, always a PNG or JPEG that Pillow wrote (articles/services.help_image_create)."""
    # all_workspaces: the token (24 random URL-safe characters) is the address of a public
    # picture; the public help center's pages link to it from any workspace's site.
    image = HelpImage.all_workspaces.filter(token=token).first()
    if image is None:
        raise Http404
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
