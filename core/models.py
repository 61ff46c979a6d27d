from __future__ import annotations

from django.db import models

from workspaces.scoping import WorkspaceScopedModel


class RealtimeEvent(WorkspaceScopedModel):
    """A change announced to the browsers watching a channel ("contact:12", later
    "workspace:3" for the inbox). PostgreSQL is the truth: the row is written in the same
    transaction as the change, its id is the stream's Last-Event-ID, and a reconnecting
    browser replays from here. Redis only carries the nudge that a new row exists."""

    channel = models.CharField(max_length=64)
    kind = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["channel", "id"], name="realtime_channel_id"),
            models.Index(fields=["created_at"], name="realtime_created"),
        ]
