"""Uploaded files that are safe to show inline. Avatars are re-encoded PNGs (accounts/
services.py), so they are served by name from one folder and nothing else under MEDIA_ROOT
is reachable here. Attachments get their own, stricter view in the inbox issue."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

urlpatterns = [
    re_path(
        r"^(?P<path>avatars/[A-Za-z0-9_-]{16,64}\.png)$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
        name="media_avatar",
    ),
]
