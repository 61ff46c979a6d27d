"""A real Celery worker process takes a real task off Redis: the invitation a service
creates is emailed by the worker, not by the test calling the task itself."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import InvitationFactory, MembershipFactory, WorkspaceFactory
from workspaces.models import Invitation, Membership

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_DEADLINE_SECONDS = 60
TASK_DEADLINE_SECONDS = 30
MAIL_SEPARATOR = b"-" * 79


def _test_database_url() -> str:
    """The database this test process really uses (test_parley, not parley), so the worker
    sees the rows the test commits."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


class Worker:
    """`celery worker` as a child process, its output collected by a thread so a full pipe
    never blocks it."""

    def __init__(self, *, queue: str, mail_dir: Path) -> None:
        env = os.environ.copy()
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=_test_database_url(),
            REDIS_URL=settings.REDIS_URL,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
            PYTHONUNBUFFERED="1",
        )
        env.pop("CELERY_BROKER_URL", None)  # the broker is the suite's Redis, as for the test process
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool", "solo", "--concurrency", "1", "-Q", queue,
                "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line or line.rstrip().endswith("ready."):
                self.ready.set()

    def wait_until_ready(self, deadline_seconds: float) -> None:
        deadline = time.monotonic() + deadline_seconds
        while not self.ready.wait(0.2):
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode} before it was ready.")
            if time.monotonic() > deadline:
                pytest.fail(f"The Celery worker was not ready within {deadline_seconds} s.")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._reader.join(timeout=5)

    @property
    def output(self) -> str:
        return "".join(self.lines)


def _wait_for(condition, deadline_seconds: float, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + deadline_seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


def _complete_mail_files(mail_dir: Path) -> list[bytes]:
    """Files the file-based backend has finished writing (each message ends with a separator)."""
    if not mail_dir.is_dir():
        return []
    contents = [path.read_bytes() for path in sorted(mail_dir.glob("*.log"))]
    return [content for content in contents if MAIL_SEPARATOR in content]


def _mail_text(raw: bytes) -> str:
    """Headers and every decoded text part of the first message in a mail file."""
    message = email.message_from_bytes(raw.split(b"\n" + MAIL_SEPARATOR)[0], policy=policy.default)
    parts = [str(message["To"]), str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


@pytest.mark.worker
def test_a_real_worker_sends_the_invitation_the_service_enqueued(transactional_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config import celery_app

    queue = f"test-{uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    owner = MembershipFactory(
        workspace=WorkspaceFactory(name="Acme", slug="acme"), role=Membership.Role.OWNER, user__name="Olivia Owner"
    )

    worker = Worker(queue=queue, mail_dir=mail_dir)
    # Celery read its configuration when the app was first used, so overriding the Django
    # setting would change nothing; the app's own configuration is what `.delay` routes by.
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    passed = False
    try:
        worker.wait_until_ready(READY_DEADLINE_SECONDS)

        from workspaces.services import invitation_create

        # No atomic block around the call in a transactional test: the service's own
        # transaction commits on return, and its on_commit hook publishes the task then.
        invitation = invitation_create(
            workspace=owner.workspace, email="new.agent@example.com", role=Membership.Role.AGENT, invited_by=owner
        )

        sent_at = _wait_for(
            lambda: Invitation.all_workspaces.get(pk=invitation.pk).sent_at, TASK_DEADLINE_SECONDS
        )
        assert sent_at is not None, "The worker did not mark the invitation as sent."
        # sent_at is claimed just before the message is written, so give the file a moment too.
        mails = _wait_for(lambda: _complete_mail_files(mail_dir), TASK_DEADLINE_SECONDS)
        assert len(mails) == 1, f"Expected one mail file in {mail_dir}, found {len(mails)}."
        text = _mail_text(mails[0])
        assert "new.agent@example.com" in text
        assert "/invitations/" in text
        assert "Olivia Owner" in text
        passed = True
    finally:
        celery_app.conf.task_default_queue = previous_queue
        worker.stop()
        if not passed:
            print(f"--- Celery worker output (queue {queue}) ---\n{worker.output}")


def test_invitation_send_task_is_idempotent(db, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    from workspaces.tasks import invitation_send

    owner = MembershipFactory(workspace=WorkspaceFactory(name="Acme", slug="acme"), role=Membership.Role.OWNER)
    invitation = InvitationFactory(workspace=owner.workspace, email="new.agent@example.com", invited_by=owner.user)

    first = invitation_send.run(owner.workspace_id, invitation.pk)
    second = invitation_send.run(owner.workspace_id, invitation.pk)

    assert first is True
    assert second is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.agent@example.com"]
    assert "/invitations/" in mailoutbox[0].body
    assert Invitation.all_workspaces.get(pk=invitation.pk).sent_at is not None
