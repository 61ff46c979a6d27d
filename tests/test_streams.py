"""Live streams through a real uvicorn process and real Redis: what a messenger hears, what
it must not hear, and the replay after a reconnect."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest

from core.models import RealtimeEvent
from core.realtime import realtime_prune
from inbox.models import Conversation
from inbox.services import teammate_reply_create
from tests.messenger.conftest import Messenger
from tests.servers import uvicorn_server


class Stream:
    """A raw SSE client: reads frames with a deadline."""

    def __init__(self, base: str, token: str, last_event_id: str | None = None) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        headers = {"X-Parley-Session": token}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.connection.request("GET", "/streams/messenger", headers=headers)
        self.response = self.connection.getresponse()
        self.buffer = b""

    def frame(self, timeout: float = 10) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while b"\n\n" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no frame")
            self.buffer += self.response.read1(4096)
        raw, self.buffer = self.buffer.split(b"\n\n", 1)
        fields: dict[str, str] = {}
        for line in raw.decode().splitlines():
            key, _, value = line.partition(": ")
            fields[key] = value
        return fields

    def next_event(self, timeout: float = 10) -> dict[str, str]:
        while True:
            frame = self.frame(timeout)
            if "event" in frame:
                return frame

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def asgi(transactional_db):  # type: ignore[no-untyped-def]
    with uvicorn_server() as base:
        yield base


@pytest.fixture
def chat(transactional_db):  # type: ignore[no-untyped-def]
    from tests.factories import MembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(slug="demo")
    agent = MembershipFactory(workspace=workspace, role="owner")
    customer = Messenger(workspace.app_id)
    customer.boot()
    customer.start("Hello")
    conversation = Conversation.objects.for_workspace(workspace).get()
    return workspace, agent, customer, conversation


def test_a_reply_reaches_the_customers_stream_and_replays_after_a_reconnect(asgi, chat):
    workspace, agent, customer, conversation = chat
    stream = Stream(asgi, customer.session)
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type") == "text/event-stream"
        assert stream.frame() == {"retry": "2000"}
        start = stream.frame()["id"]  # the newest event when the stream began
        teammate_reply_create(conversation=conversation, membership=agent, body="Hi there")
        event = stream.next_event()
        assert event["event"] == "part"
        assert json.loads(event["data"]) == {"conversation": conversation.number}  # no ids of other things
    finally:
        stream.close()
    # Gone for a while; a second reply lands; the reconnect replays it from the database.
    teammate_reply_create(conversation=conversation, membership=agent, body="Still there?")
    resumed = Stream(asgi, customer.session, last_event_id=event["id"])
    try:
        resumed.frame()  # retry
        replayed = resumed.next_event()
        assert int(replayed["id"]) > int(event["id"]) > int(start)
    finally:
        resumed.close()


def test_someone_claiming_the_user_without_proof_hears_nothing_of_their_conversations(asgi, transactional_db):
    from messenger.identity import user_hash
    from tests.factories import MembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(slug="demo")
    agent = MembershipFactory(workspace=workspace, role="owner")
    real = Messenger(workspace.app_id)
    real.boot({"user_id": "u-1", "user_hash": user_hash(secret=workspace.identity_secret, subject="u-1")})
    real.start("About my contract")
    conversation = Conversation.objects.for_workspace(workspace).get()
    impostor = Messenger(workspace.app_id)
    impostor.boot({"user_id": "u-1", "user_hash": "0" * 64})  # same contact, no proof
    stream = Stream(asgi, impostor.session, last_event_id="0")  # even asking for everything
    try:
        stream.frame()
        teammate_reply_create(conversation=conversation, membership=agent, body="Your contract")
        with pytest.raises(TimeoutError):
            stream.next_event(timeout=3)
    finally:
        stream.close()
    verified = Stream(asgi, real.session, last_event_id="0")
    try:
        verified.frame()
        assert json.loads(verified.next_event()["data"]) == {"conversation": conversation.number}
    finally:
        verified.close()


def test_a_bad_token_is_refused(asgi):
    refused = Stream(asgi, "forged-token")
    assert refused.response.status == 401
    refused.close()


def test_the_wsgi_process_refuses_to_hold_a_stream(client, chat):
    from concurrent.futures import ThreadPoolExecutor

    _workspace, _agent, customer, _conversation = chat
    # In a thread of its own: the browser tests leave Playwright's event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(client.get, "/streams/messenger", HTTP_X_PARLEY_SESSION=customer.session).result()
    assert response.status_code == 503


@pytest.mark.django_db
def test_old_events_are_pruned(workspace):
    import datetime as dt

    from django.utils import timezone

    old = RealtimeEvent.objects.create(workspace=workspace, channel="contact:1", kind="part", data={})
    RealtimeEvent.objects.for_workspace(workspace).filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    RealtimeEvent.objects.create(workspace=workspace, channel="contact:1", kind="part", data={})
    assert realtime_prune() == 1
    assert RealtimeEvent.objects.for_workspace(workspace).count() == 1


class InboxStream(Stream):
    def __init__(self, base: str, slug: str, session_cookie: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.connection.request("GET", f"/streams/w/{slug}/inbox", headers={"Cookie": f"sessionid={session_cookie}"})
        self.response = self.connection.getresponse()
        self.buffer = b""


def _session_cookie(membership) -> str:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(membership.user, backend="accounts.backends.EmailBackend")
    return client.cookies["sessionid"].value


def test_the_inbox_stream_tells_members_what_changed_and_hides_from_outsiders(asgi, transactional_db):
    from tests.factories import MembershipFactory, WorkspaceFactory

    workspace = WorkspaceFactory(slug="acme")
    agent = MembershipFactory(workspace=workspace)
    outsider = MembershipFactory(workspace=WorkspaceFactory(slug="globex"), role="owner")
    customer = Messenger(workspace.app_id)
    customer.boot()
    stream = InboxStream(asgi, "acme", _session_cookie(agent))
    try:
        assert stream.response.status == 200
        stream.frame()  # retry
        stream.frame()  # the starting id
        customer.start("New here")
        event = stream.next_event()
        assert event["event"] == "conversation" and json.loads(event["data"]) == {"conversation": 1, "customer": True}
    finally:
        stream.close()
    foreign = InboxStream(asgi, "acme", _session_cookie(outsider))
    assert foreign.response.status == 404
    foreign.close()
    anonymous = InboxStream(asgi, "acme", "not-a-session")
    assert anonymous.response.status == 401
    anonymous.close()


def test_typing_passes_both_ways_without_being_stored(asgi, chat):
    from core.models import RealtimeEvent
    from inbox.services import customer_typing, teammate_typing

    workspace, agent, customer, conversation = chat
    stored = RealtimeEvent.objects.for_workspace(workspace).count()
    customer_stream = Stream(asgi, customer.session)
    inbox_stream = InboxStream(asgi, workspace.slug, _session_cookie(agent))
    try:
        for stream in (customer_stream, inbox_stream):
            stream.frame()  # retry
            stream.frame()  # starting id
        teammate_typing(conversation=conversation, membership=agent)
        typing = customer_stream.next_event()
        assert typing["event"] == "typing" and "id" not in typing
        assert json.loads(typing["data"])["conversation"] == conversation.number
        customer_typing(conversation=conversation)
        heard = inbox_stream.next_event()
        assert heard["event"] == "typing" and json.loads(heard["data"])["conversation"] == conversation.number
        assert RealtimeEvent.objects.for_workspace(workspace).count() == stored  # nothing stored
        # The streams carry on after a passing signal.
        customer.post(f"/messenger/panel/conversations/{conversation.number}/messages", {"body": "still here"})
        assert inbox_stream.next_event()["event"] == "conversation"
        assert customer_stream.next_event()["event"] == "part"
    finally:
        customer_stream.close()
        inbox_stream.close()


def test_typing_endpoints(chat, client):
    workspace, agent, customer, conversation = chat
    assert customer.post(f"/messenger/panel/conversations/{conversation.number}/typing", {}).status_code == 204
    client.force_login(agent.user)
    assert client.post(f"/w/{workspace.slug}/inbox/c/{conversation.number}/typing/").status_code == 204


def test_a_reconnect_storm_shares_a_few_pooled_database_connections(chat):
    """Forty browsers open their streams at once against a pool of three connections:
    every one is served, hears the next reply, and PostgreSQL never sees more than three
    connections from the streams process."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    workspace, agent, customer, conversation = chat
    peak = 0

    def streams_connections() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'parley-streams'")
            return cursor.fetchone()[0]

    with uvicorn_server(DB_POOL_MAX_SIZE="3") as base, ThreadPoolExecutor(max_workers=40) as pool:
        opening = [pool.submit(Stream, base, customer.session) for _ in range(40)]
        while not all(future.done() for future in opening):
            peak = max(peak, streams_connections())
            time.sleep(0.01)
        streams = [future.result() for future in opening]
        try:
            assert all(stream.response.status == 200 for stream in streams)
            for stream in streams:
                stream.frame()  # retry
                stream.frame()  # where it starts
            teammate_reply_create(conversation=conversation, membership=agent, body="Back online")
            heard = list(pool.map(lambda stream: stream.next_event()["event"], streams))
            peak = max(peak, streams_connections())
        finally:
            for stream in streams:
                stream.close()
    assert heard == ["part"] * 40
    assert 1 <= peak <= 3
