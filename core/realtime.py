"""Announcing changes to live browsers: commit first, then nudge (STYLE.md 3.11).

`realtime_emit` writes RealtimeEvent rows inside the caller's transaction and, after the
commit, publishes each row's id on the Redis channel `parley:rt:<channel>`. The stream
process (core/streams.py) forwards nudges and replays missed rows by id, so a dropped
connection or a Redis restart costs a replay, never a lost event."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import RealtimeEvent

logger = logging.getLogger(__name__)
REDIS_PREFIX = "parley:rt:"
RETENTION = dt.timedelta(days=1)

_publisher = None


def _redis():  # type: ignore[no-untyped-def]
    global _publisher
    if _publisher is None and getattr(settings, "REDIS_URL", ""):
        import redis

        _publisher = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _publisher


def contact_channel(contact_id: int) -> str:
    """Everything a contact's open messengers may need to hear about."""
    return f"contact:{contact_id}"


def workspace_channel(workspace_id: int) -> str:
    """Everything the workspace's teammates watching the inbox need to hear about."""
    return f"workspace:{workspace_id}"


def realtime_emit(
    *, workspace_id: int, channels: list[str], kind: str, data: dict[str, Any]
) -> list[RealtimeEvent]:
    events = RealtimeEvent.objects.bulk_create(
        RealtimeEvent(workspace_id=workspace_id, channel=channel, kind=kind, data=data)
        for channel in channels
    )
    transaction.on_commit(lambda: _publish(events))
    return events


def _publish(events: list[RealtimeEvent]) -> None:
    client = _redis()
    if client is None:
        return  # no Redis (the embedded demo): browsers poll instead
    try:
        pipe = client.pipeline(transaction=False)
        for event in events:
            pipe.publish(REDIS_PREFIX + event.channel, json.dumps({"id": event.pk}))
        pipe.execute()
    except Exception:  # the rows are committed; a missed nudge is caught up on reconnect
        logger.warning("realtime_publish_failed", exc_info=True)


def realtime_signal(*, channel: str, kind: str, data: dict[str, Any]) -> None:
    """A passing signal (someone is typing): published at once, never stored, never
    replayed; missing one costs nothing."""
    client = _redis()
    if client is None:
        return
    try:
        client.publish(REDIS_PREFIX + channel, json.dumps({"signal": {"kind": kind, "data": data}}))
    except Exception:
        logger.warning("realtime_signal_failed", exc_info=True)


def realtime_prune(*, now: dt.datetime | None = None) -> int:
    """Drop events older than a day; a browser away longer refetches its screen instead."""
    cutoff = (now or timezone.now()) - RETENTION
    # Crosses workspaces on purpose: a periodic sweep of every workspace's old events.
    deleted, _ = RealtimeEvent.all_workspaces.filter(created_at__lt=cutoff).delete()
    return deleted
