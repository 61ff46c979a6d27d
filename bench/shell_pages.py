"""Agent-app shell and settings pages through gunicorn (WSGI, 2 workers) on PostgreSQL.

Prints, per page: SQL queries per request, then p50/p95/p99 latency and requests/s for
a closed loop of CONCURRENCY clients on loopback for DURATION seconds.

    python bench/shell_pages.py            # uses postgres://postgres@127.0.0.1:5432/parley_bench
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ensure_database, free_port  # noqa: E402
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

CONCURRENCY = int(os.environ.get("CONCURRENCY", "8"))
DURATION = float(os.environ.get("DURATION", "5"))
PAGES = ["/w/bench/contacts/", "/w/bench/inbox/", "/w/bench/settings/teammates/", "/w/bench/settings/teams/", "/w/bench/settings/"]


def seed() -> str:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from workspaces import services
    from workspaces.models import Membership, Team, Workspace

    call_command("migrate", verbosity=0)
    owner = User.objects.filter(email="bench-owner@example.com").first() or User.objects.create_user(
        email="bench-owner@example.com", password="bench-password-1", name="Bench Owner"
    )
    workspace = Workspace.objects.filter(slug="bench").first() or services.workspace_create(
        name="Bench", slug="bench", owner=owner
    )
    members = list(Membership.objects.for_workspace(workspace))
    for index in range(len(members), 20):
        user = User.objects.create_user(email=f"bench-agent{index}@example.com", password="x" * 12, name=f"Agent {index}")
        members.append(Membership.objects.create(workspace=workspace, user=user))
    for index in range(Team.objects.for_workspace(workspace).count(), 5):
        services.team_save(workspace=workspace, team=None, name=f"Team {index}", members=members[index::5])
    session = SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.EmailBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.save()
    return session.session_key


def queries_per_page(session_key: str) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies["sessionid"] = session_key
    counts = {}
    for page in PAGES:
        client.get(page)  # warm
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = len(captured.captured_queries)
    return counts


def load(port: int, page: str, session_key: str) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + DURATION
    lock = threading.Lock()

    def worker() -> None:
        nonlocal errors
        opener = urllib.request.build_opener()
        opener.addheaders = [("Cookie", f"sessionid={session_key}")]
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                with opener.open(f"http://127.0.0.1:{port}{page}", timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def main() -> None:
    ensure_database()
    session_key = seed()
    counts = queries_per_page(session_key)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ},
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        print(f"gunicorn 2 workers, {CONCURRENCY} concurrent clients, {DURATION:.0f}s per page, PostgreSQL")
        print(f"{'page':34} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>6}")
        for page in PAGES:
            latencies, errors = load(port, page, session_key)
            latencies.sort()
            q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
            print(f"{page:34} {counts[page]:>7} {q[49]*1000:>8.1f} {q[94]*1000:>8.1f} {q[98]*1000:>8.1f} "
                  f"{len(latencies)/DURATION:>8.0f} {errors:>6}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
