"""Nothing is lost when Redis restarts mid-conversation: the stream ends, the browser
reconnects with Last-Event-ID, and PostgreSQL replays what was committed meanwhile.

Runs its own redis-server on a free port, so restarting it disturbs nothing else."""

from __future__ import annotations

import json
import subprocess
import time

import redis

from core import realtime
from inbox.models import Conversation
from inbox.services import teammate_reply_create
from tests.messenger.conftest import Messenger
from tests.servers import free_port, uvicorn_server
from tests.test_streams import Stream


def _start_redis(port: int, directory: str) -> subprocess.Popen:
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(port=port, socket_connect_timeout=0.5).ping()
            return server
        except redis.RedisError:
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)


def customer_contact_id(messenger: Messenger) -> int:
    from messenger.selectors import session_for_token

    return session_for_token(token=messenger.session).contact_id


def test_a_redis_restart_loses_no_message(transactional_db, settings, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis_server = _start_redis(port, str(tmp_path))
    from core import throttle

    throttle_client = throttle._redis_client
    settings.REDIS_URL = url
    realtime._publisher = None  # publish to this test's Redis
    try:
        from tests.factories import MembershipFactory, WorkspaceFactory

        workspace = WorkspaceFactory(slug="demo")
        agent = MembershipFactory(workspace=workspace, role="owner")
        customer = Messenger(workspace.app_id)
        customer.boot()
        customer.start("Hello")
        conversation = Conversation.objects.for_workspace(workspace).get()
        received: list[int] = []
        with uvicorn_server(REDIS_URL=url) as asgi:
            stream = Stream(asgi, customer.session)
            stream.frame()  # retry
            start_id = stream.frame()["id"]
            teammate_reply_create(conversation=conversation, membership=agent, body="one")
            event = stream.next_event()
            received.append(json.loads(event["data"])["conversation"])
            last_id = event["id"]

            redis_server.terminate()
            redis_server.wait(timeout=10)
            # Committed while Redis is down: the nudge is lost, the row is not.
            teammate_reply_create(conversation=conversation, membership=agent, body="two")
            redis_server = _start_redis(port, str(tmp_path))

            # The stream notices the lost connection and ends; the browser reconnects.
            deadline = time.monotonic() + 20
            while True:
                try:
                    stream.frame(timeout=2)
                except (TimeoutError, OSError, ConnectionError):
                    pass
                if stream.response.isclosed() or time.monotonic() > deadline:
                    break
            stream.close()
            resumed = Stream(asgi, customer.session, last_event_id=last_id)
            resumed.frame()  # retry
            replayed = resumed.next_event()
            assert int(replayed["id"]) > int(last_id)  # "two", replayed from PostgreSQL
            teammate_reply_create(conversation=conversation, membership=agent, body="three")
            live = resumed.next_event()  # pushed through the new Redis connection
            assert int(live["id"]) > int(replayed["id"])
            resumed.close()
        from core.models import RealtimeEvent

        # Every reply committed after the stream began reached the browser, in order.
        emitted = list(
            RealtimeEvent.objects.for_workspace(workspace)
            .filter(channel=f"contact:{customer_contact_id(customer)}", id__gt=int(start_id))
            .order_by("id").values_list("id", flat=True)
        )
        assert emitted == [int(event["id"]), int(replayed["id"]), int(live["id"])]
        assert received == [conversation.number]
    finally:
        redis_server.terminate()
        realtime._publisher = None
        throttle._redis_client = throttle_client  # throttles keep the suite's Redis
