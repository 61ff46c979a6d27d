"""Production: every secret and address comes from the environment, and a missing one stops
start-up with a message that names it."""

from config.env import env, env_bool, env_int, required

for _name, _hint in [
    ("SECRET_KEY", "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"),
    ("DATABASE_URL", "For example postgres://parley:secret@db:5432/parley"),
    ("REDIS_URL", "For example redis://redis:6379/0"),
    ("ALLOWED_HOSTS", "A comma-separated list of the host names Parley answers to."),
    ("SITE_URL", "The public https:// address of this Parley, used in emails and the messenger snippet."),
]:
    required(_name, hint=_hint)

from .base import *  # noqa: E402,F401,F403
from .base import SECRET_KEY, SITE_URL  # noqa: E402

if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 32:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 32 characters in production.")

DEBUG = False
from .base import ANYMAIL, INBOUND_EMAIL_DOMAIN  # noqa: E402

if INBOUND_EMAIL_DOMAIN and not ANYMAIL.get("WEBHOOK_SECRET"):
    # Without it anyone could post mail into any workspace's conversations.
    required("ANYMAIL_WEBHOOK_SECRET", hint="The user:password your provider's inbound webhook sends (Basic auth).")
STREAMS_URL = (env("STREAMS_URL") or SITE_URL).rstrip("/")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
