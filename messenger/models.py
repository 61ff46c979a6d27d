from __future__ import annotations

import hashlib

from django.db import models

from workspaces.scoping import WorkspaceScopedModel


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class MessengerSession(WorkspaceScopedModel):
    """One boot of the messenger in one browser. Its token (kept only as a SHA-256) is the
    messenger's credential: it travels in the X-Parley-Session header, never in a URL or a
    cookie. `verified` records whether the identity was proven (user_hash or JWT): only a
    verified session sees the contact's whole history; any other sees only what its own
    browser started."""

    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    browser_id = models.CharField(max_length=64)
    verified = models.BooleanField(default=False)
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "contact"], name="messenger_session_contact")]
