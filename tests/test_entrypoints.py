"""The two ways Parley is served: WSGI (gunicorn) for pages and APIs, ASGI (uvicorn) for
the live streams under /streams/. Each is started here as a real server process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_and_get(command: list[str], port: int, path: str) -> tuple[int, bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                    return response.status, response.read()
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.terminate()
                    output = server.communicate(timeout=10)[0].decode(errors="replace")
                    pytest.fail(f"{command[0]} did not answer on {path}:\n{output}")
                time.sleep(0.2)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)


@pytest.mark.django_db
def test_gunicorn_serves_the_wsgi_application():
    port = _free_port()
    status, body = _serve_and_get(
        [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        port, "/healthz",
    )
    assert status == 200 and json.loads(body) == {"ok": True}


@pytest.mark.django_db
def test_uvicorn_serves_the_streams_over_asgi():
    port = _free_port()
    status, body = _serve_and_get(
        [str(BIN / "uvicorn"), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"],
        port, "/streams/health",
    )
    assert status == 200 and json.loads(body) == {"ok": True, "served_by": "asgi"}
