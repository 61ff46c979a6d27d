"""`make demo`: migrate, seed, then run web, a Celery worker and the beat scheduler on the
embedded default (SQLite, the filesystem broker), print the addresses, and stop all three
together on Ctrl-C or when any of them dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
VAR = Path(os.environ.get("PARLEY_VAR_DIR", ROOT / "var"))


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    started = time.monotonic()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("SITE_URL", f"http://{HOST}:{PORT}")
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    processes = {
        "web": [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"{HOST}:{PORT}",
                "--workers", "2", "--threads", "4", "--access-logfile", "-"],
        "worker": [str(BIN / "celery"), "-A", "config", "worker", "--pool", "threads", "--concurrency", "2",
                   "-l", "warning", "-Q", "default,bulk"],
        "beat": [str(BIN / "celery"), "-A", "config", "beat", "-l", "warning",
                 "--schedule", str(VAR / "celerybeat-schedule")],
    }
    children = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in processes.items()}

    def stop(*_args: object) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        url = f"http://{HOST}:{PORT}"
        # The customer's site must be another origin than Parley, as it is in real life.
        demo_site = url.replace("127.0.0.1", "localhost") if HOST == "127.0.0.1" else url
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/accounts/sign-in/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            print("The web process did not answer within 60 seconds.", file=sys.stderr)
            stop()
            return 1
        print(
            f"\nParley is running (first page served {time.monotonic() - started:.1f}s after start).\n"
            f"  Agent app:            {url}/\n"
            f"  Sign in with the owner's email and password printed above.\n"
            f"  Demo customer site:   {demo_site}/demo/  (embeds the messenger from another origin;\n"
            f"                        switch between an anonymous visitor and a logged-in user there)\n"
            f"  Help center:          {url}/help/demo/\n"
            f"  Sent mail:            {url}/w/demo/outbound/mailbox/  (emails are kept, not sent)\n"
            f"Press Ctrl-C to stop web, worker and beat.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        dead = [name for name, child in children.items() if child.poll() is not None]
        print(f"{', '.join(dead)} stopped; stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
