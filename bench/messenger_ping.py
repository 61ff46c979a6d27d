"""The messenger's page-view endpoint (POST /messenger/api/ping, with its database writes:
one INSERT of a page view, one UPDATE of the contact) under load, against a trivial Django
view served the same way in the same run.

Served as deployed (Dockerfile, docker-compose.yml): gunicorn, 2 workers x 4 threads, PostgreSQL, Redis for the throttles. Load:
wrk on loopback, 8 connections, each request with its own session token from a pool of
visitors. The per-session and per-IP rate limits are raised for the run (a single load
generator is one IP); the throttle checks still run on every request.

    python bench/messenger_ping.py        # needs wrk: apt-get install wrk
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ensure_database, free_port  # noqa: E402
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["MESSENGER_RATE_PER_IP"] = "100000000"
os.environ["MESSENGER_RATE_PER_SESSION"] = "100000000"
DURATION = os.environ.get("DURATION", "6")
CONNECTIONS = os.environ.get("CONNECTIONS", "8")
VISITORS = 200
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def boot_visitors(base: str, app_id: str) -> list[str]:
    tokens = []
    for _ in range(VISITORS):
        body = json.dumps({"app_id": app_id, "browser_id": secrets.token_hex(16), "settings": {},
                           "page": {"url": "https://shop.example/", "title": "Shop"},
                           "client": {"language": "ja", "timezone": "Asia/Tokyo"}}).encode()
        request = urllib.request.Request(base + "/messenger/api/boot", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            tokens.append(json.loads(response.read())["session"])
    return tokens


def wrk(url: str, script: str | None = None) -> tuple[float, str]:
    command = ["wrk", "-t", "1", "-c", CONNECTIONS, "-d", f"{DURATION}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = " ".join(
        f"p{label}={value}" for label, value in re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.M)
    )
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        latency += f" non-2xx={errors.group(1)}"
    return rps, latency


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk (make bench installs it)")
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from contacts.models import PageView
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-ping").first() or Workspace.objects.create(name="Ping", slug="bench-ping")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", os.environ.get("WORKERS", "2"), "--threads", os.environ.get("THREADS", "4"), "--log-level", "warning"], cwd=ROOT, env={**os.environ},
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/livez", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        tokens = boot_visitors(base, workspace.app_id)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(
                "local tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}\n"
                "local n = 0\n"
                "request = function()\n"
                "  n = n + 1\n"
                "  local body = '{\"page\": {\"url\": \"https://shop.example/p/' .. n .. '\", \"title\": \"Product\"}}'\n"
                "  return wrk.format('POST', '/messenger/api/ping', {['Content-Type'] = 'application/json',"
                " ['X-Parley-Session'] = tokens[(n % #tokens) + 1]}, body)\n"
                "end\n"
            )
        before = PageView.objects.for_workspace(workspace).count()
        # Alternate the two, several rounds, and report medians: background work of the
        # database (checkpoints, autovacuum) makes single runs on 2 cores swing widely.
        rounds = []
        # Warm-up, not counted: every worker thread opens its database connection and
        # psycopg prepares the statement after its fifth use on that connection.
        subprocess.run(["wrk", "-t", "1", "-c", CONNECTIONS, "-d", "3s", "-s", lua.name,
                        base + "/messenger/api/ping"], capture_output=True, check=True)
        for _ in range(ROUNDS):
            rounds.append((wrk(base + "/livez"), wrk(base + "/messenger/api/ping", lua.name)))
        written = PageView.objects.for_workspace(workspace).count() - before
        rounds.sort(key=lambda pair: pair[1][0])
        (trivial_rps, trivial_latency), (ping_rps, ping_latency) = rounds[len(rounds) // 2]
        print("ping req/s per round: " + ", ".join(f"{pair[1][0]:.0f}" for pair in rounds))
        print(f"gunicorn {os.environ.get('WORKERS', '2')} workers x {os.environ.get('THREADS', '4')} threads, "
              f"wrk 1 thread x {CONNECTIONS} connections, {DURATION}s each, median of {ROUNDS} rounds")
        print(f"trivial view  /livez              {trivial_rps:8.0f} req/s  {trivial_latency}")
        print(f"messenger ping (INSERT + UPDATE)  {ping_rps:8.0f} req/s  {ping_latency}")
        print(f"ratio ping / trivial              {ping_rps / trivial_rps:8.2f}")
        print(f"page views written during the run: {written}")
        os.unlink(lua.name)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
