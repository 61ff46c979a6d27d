"""Message fan-out to agents: a customer's message (messenger POST → PostgreSQL → Redis →
SSE) reaching 50 connected agents' inbox streams.

gunicorn (2 workers x 4 threads) serves the messenger, uvicorn (1 worker) the streams, as
in docker-compose. 50 agents hold inbox streams; customers start 20 conversations a second
for DURATION seconds; each agent records when it hears each one. Prints end-to-end p50/p95/
p99 over every (message, agent) pair and how many were never heard.

    python bench/fanout.py
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["MESSENGER_RATE_PER_IP"] = "100000000"
os.environ["MESSENGER_RATE_PER_SESSION"] = "100000000"
os.environ["MESSENGER_MESSAGES_PER_SESSION"] = "100000000"
AGENTS = int(os.environ.get("AGENTS", "50"))
RATE = float(os.environ.get("RATE", "20"))
DURATION = float(os.environ.get("DURATION", "10"))
BIN = Path(sys.executable).parent


def wait_for(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


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
    from workspaces.models import Membership, Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-fanout").first()
    if workspace is None:
        owner = User.objects.create_user(email="fanout-owner@example.com", password="x" * 12, name="Owner")
        workspace = services.workspace_create(name="Fan-out", slug="bench-fanout", owner=owner)
    cookies = []
    for index in range(AGENTS):
        user = User.objects.filter(email=f"fanout{index}@example.com").first() or User.objects.create_user(
            email=f"fanout{index}@example.com", password="x" * 12, name=f"Agent {index}")
        Membership.objects.for_workspace(workspace).get_or_create(user=user, defaults={"workspace": workspace})
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "accounts.backends.EmailBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(session.session_key)

    web_port, streams_port = free_port(), free_port()
    env = {**os.environ}
    web = subprocess.Popen([str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
                            "--workers", "2", "--threads", "4", "--log-level", "warning"], cwd=ROOT, env=env)
    streams = subprocess.Popen([str(BIN / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1", "--port",
                                str(streams_port), "--lifespan", "off", "--log-level", "warning"], cwd=ROOT, env=env)
    heard: dict[int, list[float]] = {}
    lock = threading.Lock()
    stop = threading.Event()
    connected = threading.Barrier(AGENTS + 1)

    def agent(cookie: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", streams_port, timeout=60)
        connection.request("GET", f"/streams/w/{workspace.slug}/inbox", headers={"Cookie": f"sessionid={cookie}"})
        response = connection.getresponse()
        buffer = b""
        waited = False
        while not stop.is_set():
            chunk = response.read1(65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                if not waited and frame.startswith(b"id:"):
                    waited = True
                    connected.wait()
                if b"event: conversation" in frame:
                    now = time.perf_counter()
                    data = json.loads(frame.split(b"data: ", 1)[1])
                    with lock:
                        heard.setdefault(data["conversation"], []).append(now)
        connection.close()

    try:
        wait_for(f"http://127.0.0.1:{web_port}/livez")
        wait_for(f"http://127.0.0.1:{streams_port}/streams/health")
        threads = [threading.Thread(target=agent, args=(cookie,), daemon=True) for cookie in cookies]
        for thread in threads:
            thread.start()
        connected.wait(timeout=60)
        tokens = []
        for _ in range(20):
            body = json.dumps({"app_id": workspace.app_id, "browser_id": secrets.token_hex(16)}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{web_port}/messenger/api/boot", body,
                                             {"Content-Type": "application/json"})
            tokens.append(json.loads(urllib.request.urlopen(request).read())["session"])
        from inbox.models import Conversation

        sent: dict[int, float] = {}
        posted: dict[int, float] = {}
        interval = 1 / RATE
        start = time.perf_counter()
        count = int(RATE * DURATION)
        for index in range(count):
            target = start + index * interval
            time.sleep(max(0.0, target - time.perf_counter()))
            before = time.perf_counter()
            request = urllib.request.Request(
                f"http://127.0.0.1:{web_port}/messenger/panel/conversations/start",
                f"body=fan-out+{index}".encode(),
                {"Content-Type": "application/x-www-form-urlencoded", "X-Parley-Session": tokens[index % len(tokens)]})
            urllib.request.urlopen(request).read()
            answered = time.perf_counter()
            number = Conversation.objects.for_workspace(workspace).values_list("number", flat=True)
            key = number.filter(preview=f"fan-out {index}").order_by("-id").first()
            sent[key] = before
            posted[key] = answered
        time.sleep(3)
        stop.set()
        latencies, post_ms, missing = [], [], 0
        for number, sent_at in sent.items():
            times = heard.get(number, [])
            missing += AGENTS - len(times)
            latencies += [(t - sent_at) * 1000 for t in times]
            post_ms.append((posted[number] - sent_at) * 1000)
        q = statistics.quantiles(latencies, n=100)
        print(f"{AGENTS} agents on inbox streams, {RATE:.0f} new conversations/s for {DURATION:.0f}s "
              f"({len(sent)} messages, {len(latencies)} deliveries)")
        print(f"end to end (POST sent -> agent heard): p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms")
        print(f"the POST's own response (commit, then rendering the panel's thread): p50 {statistics.median(post_ms):.1f} ms"
              " (agents usually hear the message before the customer's panel has its answer)")
        print(f"deliveries missing: {missing}")
    finally:
        stop.set()
        for process in (web, streams):
            process.terminate()
        for process in (web, streams):
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # uvicorn waits for open streams to end
                process.kill()


if __name__ == "__main__":
    main()
