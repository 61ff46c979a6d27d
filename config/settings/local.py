"""The embedded demo and local development: SQLite, no Redis, mail printed to the console.
Every value can still be overridden from the environment (e.g. DATABASE_URL for PostgreSQL)."""

from config.env import env_bool

from .base import *  # noqa: F401,F403
from .base import STORAGES

DEBUG = env_bool("DEBUG", True)
# Serve static files straight from static/ so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # files are served from static/ by the finders; nothing is collected
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
DEMO_SITE_ENABLED = True
