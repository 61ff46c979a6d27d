"""Server-Sent Event streams, served only by the ASGI process (uvicorn) under /streams/.

One Redis pub/sub connection per process (the Hub) turns nudges into rows: nothing sent
to a browser comes from Redis itself. On a nudge the hub reads the channel's new rows from
PostgreSQL once and hands them to the streams open in this process; a new or reconnecting
stream reads its backlog after Last-Event-ID itself. Order, content and replay all come
from the database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from core.models import RealtimeEvent
from core.realtime import REDIS_PREFIX

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
STREAM_LIFETIME_SECONDS = 300  # then the browser reconnects, so no stream lives forever
QUEUE_LIMIT = 100  # a consumer this far behind is cut off and replays on reconnect
BACKLOG_LIMIT = 500
_RESET = object()


async def release_database() -> None:
    """Give back this stream's database connection. A stream lives for minutes and touches
    the database only now and then; holding a connection each would cap a process at the
    server's max_connections (100 by default) instead of thousands of idle streams."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


async def streams_health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "served_by": "asgi"})


class Hub:
    """The process's single Redis subscription. On a nudge it reads the channel's new rows
    from PostgreSQL once and hands them to every stream of that channel in this process,
    so 50 agents watching one workspace cost one query per change, not 50."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self.workspace_of: dict[str, int] = {}
        self.fetched_up_to: dict[str, int] = {}
        self.fetch_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.pubsub = None
        self.reader: asyncio.Task | None = None
        self.fetches: set[asyncio.Task] = set()  # held so running reads are not collected
        self.lock = asyncio.Lock()

    async def subscribe(self, channel: str, workspace_id: int) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_LIMIT)
        async with self.lock:
            await self._ensure_reader()
            if not self.queues[channel]:
                newest = await (
                    RealtimeEvent.objects.for_workspace(workspace_id).filter(channel=channel)
                    .order_by("-id").values_list("id", flat=True).afirst()
                )
                self.workspace_of[channel], self.fetched_up_to[channel] = workspace_id, newest or 0
                await release_database()
                await self.pubsub.subscribe(REDIS_PREFIX + channel)
            self.queues[channel].add(queue)
        return queue

    async def _fetch(self, channel: str) -> None:
        async with self.fetch_locks[channel]:  # one read at a time per channel keeps the order
            if channel not in self.workspace_of:
                return
            rows = [
                event async for event in RealtimeEvent.objects.for_workspace(self.workspace_of[channel])
                .filter(channel=channel, id__gt=self.fetched_up_to[channel]).order_by("id")[:BACKLOG_LIMIT]
            ]
            await release_database()
            if not rows:
                return
            self.fetched_up_to[channel] = rows[-1].pk
            for queue in list(self.queues.get(channel, ())):
                self._offer(queue, rows)

    async def unsubscribe(self, channel: str, queue: asyncio.Queue) -> None:
        async with self.lock:
            self.queues[channel].discard(queue)
            if not self.queues[channel]:
                del self.queues[channel]
                self.workspace_of.pop(channel, None)
                self.fetched_up_to.pop(channel, None)
                if self.pubsub is not None:
                    with contextlib.suppress(Exception):
                        await self.pubsub.unsubscribe(REDIS_PREFIX + channel)

    async def _ensure_reader(self) -> None:
        if self.reader is not None and not self.reader.done():
            return
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(settings.REDIS_URL, health_check_interval=10)
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        await self.pubsub.ping()
        for channel in self.queues:
            await self.pubsub.subscribe(REDIS_PREFIX + channel)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                message = await self.pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    channel = message["channel"].decode()[len(REDIS_PREFIX) :]
                    signal = json.loads(message["data"]).get("signal")
                    if signal is not None:
                        # Passing signals are not rows: hand them over as unsaved events.
                        event = RealtimeEvent(channel=channel, kind=signal["kind"], data=signal["data"])
                        for queue in list(self.queues.get(channel, ())):
                            self._offer(queue, [event])
                    elif channel in self.queues:
                        task = asyncio.create_task(self._fetch(channel))
                        self.fetches.add(task)
                        task.add_done_callback(self.fetches.discard)
        except Exception:
            # Redis went away: end every stream; browsers reconnect and replay from the
            # database, and the next subscription starts a fresh reader.
            logger.warning("stream_hub_lost_redis", exc_info=True)
            for queues in list(self.queues.values()):
                for queue in list(queues):
                    self._offer(queue, _RESET)
            self.pubsub = None

    @staticmethod
    def _offer(queue: asyncio.Queue, item: object) -> None:
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull:
            # A stalled consumer must not grow memory or slow the others.
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            queue.put_nowait(_RESET)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def current_hub() -> Hub:
    """One hub per event loop (uvicorn has one per process; tests may start several)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]


def _frame(event: RealtimeEvent, public: dict[str, Any]) -> str:
    if event.pk is None:  # a passing signal: no id, so Last-Event-ID never points at it
        return f"event: {event.kind}\ndata: {json.dumps(public)}\n\n"
    return f"id: {event.pk}\nevent: {event.kind}\ndata: {json.dumps(public)}\n\n"


async def event_stream(
    *,
    workspace_id: int,
    channel: str,
    last_id: int | None,
    public: Callable[[RealtimeEvent], dict[str, Any] | None],
) -> AsyncIterator[str]:
    """Yield SSE frames for `channel` after `last_id`. `public` turns an event into what this
    browser may see, or None to skip it (visibility is decided per stream). Without a
    last_id (a first connection) the stream starts at the channel's newest event and tells
    the browser that id, so its next reconnect resumes from there."""
    hub = current_hub()
    queue = await hub.subscribe(channel, workspace_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_LIFETIME_SECONDS
    events = RealtimeEvent.objects.for_workspace(workspace_id).filter(channel=channel)
    try:
        yield "retry: 2000\n\n"
        if last_id is None:
            newest = await events.order_by("-id").values_list("id", flat=True).afirst()
            last_id = newest or 0
            yield f"id: {last_id}\n\n"
        # Subscribed first, then read the backlog: whatever the hub hands over later is
        # newer, and rows in both are skipped by id.
        while True:
            batch = [event async for event in events.filter(id__gt=last_id).order_by("id")[:BACKLOG_LIMIT]]
            for event in batch:
                last_id = event.pk
                visible = public(event)
                if visible is not None:
                    yield _frame(event, visible)
            if len(batch) < BACKLOG_LIMIT:
                break
        await release_database()
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                item = await asyncio.wait_for(queue.get(), timeout=min(HEARTBEAT_SECONDS, remaining))
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if item is _RESET:
                return
            for event in item:
                if event.pk is not None:
                    if event.pk <= last_id:
                        continue
                    last_id = event.pk
                visible = public(event)
                if visible is not None:
                    yield _frame(event, visible)
    finally:
        await hub.unsubscribe(channel, queue)
