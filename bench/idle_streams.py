"""1,000 idle inbox streams held by one uvicorn process: its memory (RSS) before and with
them open, all opened at once (a reconnect storm), and how many database connections the
process holds for them (its pool's). Streams send a keep-alive every 15 s and end after 5
minutes, so the test holds them for a short while only.

    python bench/idle_streams.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
CONNECTIONS = int(os.environ.get("CONNECTIONS", "1000"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    from bench.common import ensure_database, free_port

    ensure_database()
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from workspaces import services
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-idle").first()
    owner = User.objects.filter(email="idle-owner@example.com").first()
    if workspace is None:
        owner = owner or User.objects.create_user(email="idle-owner@example.com", password="x" * 12, name="Owner")
        workspace = services.workspace_create(name="Idle", slug="bench-idle", owner=owner)
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(owner.pk), "accounts.backends.EmailBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.save()

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--log-level", "warning", "--limit-concurrency", "5000"],
        cwd=ROOT, env={**os.environ},
    )
    sockets = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/streams/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        baseline = rss_mb(server.pid)
        request = (f"GET /streams/w/{workspace.slug}/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Cookie: sessionid={session.session_key}\r\n\r\n").encode()
        opened = 0
        # All at once, as after a network blip: the streams process borrows database
        # connections from its pool, so the storm waits for a few instead of opening 1,000.
        for _ in range(CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=60)
            sock.sendall(request)
            sockets.append(sock)
        for sock in sockets:
            if sock.recv(4096).startswith(b"HTTP/1.1 200"):
                opened += 1
        time.sleep(2)
        held = rss_mb(server.pid)
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as conn:
            database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
            db_connections = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [database]).fetchone()[0]
        print(f"uvicorn, 1 process: RSS {baseline:.0f} MB idle, {held:.0f} MB with {opened} open inbox streams "
              f"({(held - baseline) * 1024 / max(opened, 1):.0f} KB per stream); "
              f"database connections to its database meanwhile (pool of 10, plus this script's): {db_connections}")
    finally:
        for sock in sockets:
            sock.close()
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
