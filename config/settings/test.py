"""The test suite: real PostgreSQL and Redis on localhost (tests/conftest.py refuses to run
without them rather than falling back to anything else)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley")
# Database 15 keeps the suite's queues and cache apart from anything else on this Redis.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: E402,F401,F403
from .base import STORAGES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # files are served from static/ by the finders; nothing is collected
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/tmp/parley-test-media")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "/tmp/parley-test-mailbox")  # the demo backend's folder
ALLOWED_HOSTS = ["*"]
DEMO_SITE_ENABLED = True
INBOUND_EMAIL_DOMAIN = "mail.parley.test"
ANYMAIL = {**ANYMAIL, "WEBHOOK_SECRET": "hook:test-secret"}  # noqa: F405
INBOX_REPLY_EMAIL_DELAY_SECONDS = int(os.environ.get("INBOX_REPLY_EMAIL_DELAY_SECONDS", "0"))
