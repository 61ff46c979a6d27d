"""Real server processes for tests: uvicorn for the ASGI streams, pointed at the test
database and the test Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The database this test process really uses (test_parley, not parley), so a child
    process sees the rows the test commits."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def uvicorn_server(**extra_env: str) -> Iterator[str]:
    """The ASGI application under uvicorn on a free port; yields its base URL. The process
    shares this one's SITE_URL (tests move it to the live server)."""
    from django.conf import settings

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": test_database_url(), "REDIS_URL": settings.REDIS_URL,
           "SITE_URL": settings.SITE_URL, **extra_env}
    server = subprocess.Popen(
        [str(BIN / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--lifespan", "off", "--log-level", os.environ.get("UVICORN_LEVEL", "warning")],
        cwd=ROOT, env=env, stdout=open(os.environ.get("UVICORN_LOG", os.devnull), "ab"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/streams/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.terminate()
                    raise RuntimeError("uvicorn did not start (set UVICORN_LOG=<file> to see its output)")
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
