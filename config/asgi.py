"""ASGI entry point, reserved for the live event streams (uvicorn in production).

Django's ASGI path is several times slower per request than WSGI on this project's
hardware (DESIGN.md), so the reverse proxy sends only `/streams/` here; every page and
API is served by the WSGI processes on the same origin. The inbox and messenger issues
add their Server-Sent Events views under `/streams/` (see core/streams.py).
"""

import os

from django.core.asgi import get_asgi_application  # settings load on the call below

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Streams borrow database connections from a pool (config/settings/base.py), only here.
os.environ.setdefault("PARLEY_DB_POOL", "1")

application = get_asgi_application()
