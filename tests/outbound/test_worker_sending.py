"""Sending through real Celery worker processes on the `bulk` queue, Redis as the broker, and
a real SMTP server run by the test, which counts what it accepted (the worker's own outbox is
in another process): a 1,000-contact message arrives once per contact; a worker killed with
SIGKILL inside an SMTP conversation, then restarted next to a second one, leaves every
recipient with exactly one email, the lease sweep handing its rows back."""

from __future__ import annotations

import os
import signal
import threading
from uuid import uuid4

import pytest
import redis
from django.conf import settings

from contacts.models import Contact
from outbound import services
from outbound.models import Delivery
from outbound.tasks import BULK_QUEUE
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.outbound.sink import Sink, smtp_sink
from tests.workers import READY_DEADLINE_SECONDS, Worker, wait_for

SEND_DEADLINE_SECONDS = 120


def _workers_env(sink: Sink, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port), "EMAIL_TIMEOUT": "10", **extra,
    }


def _message(contacts: int, *, slow_every: int = 0):  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug=f"acme-{uuid4().hex[:6]}")
    owner = MembershipFactory(workspace=workspace, role="owner", user__name="Aiko")
    Contact.objects.bulk_create(
        Contact(workspace=workspace, role="user", name=f"Person {i}", email=f"p{i}@example.com") for i in range(contacts)
    )
    message = services.message_create(workspace=workspace, actor=owner, title="News", sender=owner,
                                      subject="News for {{first_name}}", body="<p>Hello {{first_name}}</p>")
    return message, owner


def _purge_bulk_queue() -> None:
    """Tasks another test left on the queue are not this test's to run."""
    redis.Redis.from_url(settings.REDIS_URL).delete(BULK_QUEUE)


def _all_sent(workspace_id: int, total: int) -> bool:
    return Delivery.all_workspaces.filter(workspace_id=workspace_id, status="sent").count() == total


@pytest.mark.worker
def test_a_worker_sends_a_thousand_contact_message_once_each(transactional_db):  # type: ignore[no-untyped-def]
    message, owner = _message(1000)
    _purge_bulk_queue()
    with smtp_sink() as sink:
        worker = Worker(queue=BULK_QUEUE, mail_dir=settings.MEDIA_ROOT, **_workers_env(sink))
        passed = False
        try:
            worker.wait_until_ready(READY_DEADLINE_SECONDS)
            services.message_set_live(message=message, actor=owner)  # commits, then enqueues
            assert wait_for(lambda: _all_sent(message.workspace_id, 1000), SEND_DEADLINE_SECONDS), (
                "The worker did not send every email.")
            wait_for(lambda: len(sink.received) >= 1000, 10)
            counts = sink.counts()
            assert len(counts) == 1000 and set(counts.values()) == {1}
            assert set(counts) == {f"p{i}@example.com" for i in range(1000)}
            message.refresh_from_db()
            assert message.audience_size == 1000
            passed = True
        finally:
            worker.stop()
            if not passed:
                print(f"--- worker output ---\n{worker.output[-5000:]}")


@pytest.mark.worker
def test_a_worker_killed_mid_conversation_leaves_everyone_one_email(transactional_db):  # type: ignore[no-untyped-def]
    total = 60
    message, owner = _message(total)
    # Some recipients are slow to accept, so the kill lands inside an SMTP conversation and a
    # batch outlives its (short) lease: renewing it is what keeps the sweep off its rows.
    slow = {f"p{i}@example.com": 1.0 for i in (10, 30, 45)}
    lease = "3"
    _purge_bulk_queue()
    stop_sweeping = threading.Event()

    def beat() -> None:  # the lease sweep, every half second instead of every two minutes
        from outbound.tasks import leases_sweep

        while not stop_sweeping.wait(0.5):
            leases_sweep()

    with smtp_sink(slow=slow) as sink:
        env = _workers_env(sink, OUTBOUND_SEND_LEASE_SECONDS=lease)
        first = Worker(queue=BULK_QUEUE, mail_dir=settings.MEDIA_ROOT, **env)
        workers = [first]
        sweeper = threading.Thread(target=beat, daemon=True)
        passed = False
        try:
            first.wait_until_ready(READY_DEADLINE_SECONDS)
            services.message_set_live(message=message, actor=owner)
            assert sink.in_slow_rcpt.wait(SEND_DEADLINE_SECONDS), "No email reached the slow recipient."
            os.kill(first.process.pid, signal.SIGKILL)
            first.process.wait(timeout=10)
            before = sink.counts()
            assert "p10@example.com" not in before and sum(before.values()) == 10  # p0..p9 only
            in_flight = Delivery.all_workspaces.get(workspace_id=message.workspace_id, email="p10@example.com")
            assert in_flight.status == "sending"  # the dead worker's lease holds it

            sweeper.start()
            workers += [Worker(queue=BULK_QUEUE, mail_dir=settings.MEDIA_ROOT, **env) for _ in range(2)]
            for worker in workers[1:]:
                worker.wait_until_ready(READY_DEADLINE_SECONDS)
            assert wait_for(lambda: _all_sent(message.workspace_id, total), SEND_DEADLINE_SECONDS), (
                "The restarted workers did not send every email.")
            wait_for(lambda: sum(sink.counts().values()) >= total, 10)
            counts = sink.counts()
            assert set(counts) == {f"p{i}@example.com" for i in range(total)}
            assert set(counts.values()) == {1}, {a: n for a, n in counts.items() if n != 1}
            in_flight.refresh_from_db()
            assert in_flight.attempts == 2
            passed = True
        finally:
            stop_sweeping.set()
            for worker in workers:
                worker.stop()
            if not passed:
                for worker in workers:
                    print(f"--- worker output ---\n{worker.output[-5000:]}")
