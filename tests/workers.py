"""A real Celery worker process for tests whose behaviour crosses a task boundary: the test
commits, the service enqueues through Redis, the worker (another process, another database
connection) does the work, and the test watches its effects."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import test_database_url

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_DEADLINE_SECONDS = 60
TASK_DEADLINE_SECONDS = 30
MAIL_SEPARATOR = b"-" * 79


class Worker:
    """`celery worker` as a child process, its output collected by a thread so a full pipe
    never blocks it."""

    def __init__(self, *, queue: str, mail_dir: Path, **extra_env: str) -> None:
        env = os.environ.copy()
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=test_database_url(),
            REDIS_URL=settings.REDIS_URL,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env)  # a test may choose another email backend (SMTP to its own server)
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


def wait_for(condition, deadline_seconds: float, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + deadline_seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


def complete_mail_files(mail_dir: Path) -> list[bytes]:
    """Files the file-based backend has finished writing (each message ends with a separator)."""
    if not mail_dir.is_dir():
        return []
    contents = [path.read_bytes() for path in sorted(mail_dir.glob("*.log"))]
    return [content for content in contents if MAIL_SEPARATOR in content]


def mail_text(raw: bytes) -> str:
    """Headers and every decoded text part of the first message in a mail file."""
    message = email.message_from_bytes(raw.split(b"\n" + MAIL_SEPARATOR)[0], policy=policy.default)
    parts = [str(message["To"]), str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)
