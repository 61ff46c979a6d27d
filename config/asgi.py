"""ASGI entry point, reserved for the live event streams (uvicorn in production).

Django's ASGI path is several times slower per request than WSGI on this project's
hardware (DESIGN.md), so the reverse proxy sends only `/streams/` here; every page and
API is served by the WSGI processes on the same origin. The inbox and messenger issues
add their Server-Sent Events views under `/streams/` (see core/streams.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_asgi_application()
