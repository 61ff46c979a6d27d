"""The embedded demo and local development: SQLite, no Redis, mail kept in var/mailbox/ (one
.eml file per email, filed by workspace: outbound/mailbox.py).
Every value can still be overridden from the environment (e.g. DATABASE_URL for PostgreSQL)."""

from config.env import env, env_bool

from .base import *  # noqa: F401,F403
from .base import STORAGES, VAR_DIR

DEBUG = env_bool("DEBUG", True)
# Serve static files straight from static/ so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # files are served from static/ by the finders; nothing is collected
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
DEMO_SITE_ENABLED = True
# Mail is kept, not sent: an admin reads what went out (outbound/mailbox.py).
EMAIL_BACKEND = env("EMAIL_BACKEND", "outbound.mailbox.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mailbox"))
