"""Settings shared by every environment. Environment files (local, test, production)
override only what differs; concerns with many knobs live in components/."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("PARLEY_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", "insecure-demo-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
# Addresses of reverse proxies whose X-Forwarded-For is believed (core/net.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "anymail",
    "core",
    "accounts",
    "workspaces",
    "inbox",
    "contacts",
    "articles",
    "outbound",
    "bots",
    "tours",
    "tickets",
    "reports",
    "messenger",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.PublicEndpointsWithoutCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'parley.sqlite3'}"),
        conn_max_age=60,
        # Off by default: the check is a SELECT 1 round trip before the first query of every
        # request (a fifth of the messenger's page-view cost). Without it, a connection that
        # died with a database restart fails one request per process, then is replaced.
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo: web, worker and beat share one file. WAL lets readers and a writer
    # overlap, and IMMEDIATE transactions queue writers instead of failing with "locked".
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
elif env_bool("PARLEY_DB_POOL", False):
    # The streams process (config/asgi.py) borrows connections from a small pool and gives
    # them back between reads: a storm of a thousand browsers reconnecting at once waits a
    # moment for one of a few connections instead of opening a thousand (PostgreSQL allows
    # 100 by default). A pool and persistent connections exclude each other.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        application_name="parley-streams",
        pool={"min_size": 1, "max_size": env_int("DB_POOL_MAX_SIZE", 10), "timeout": 20},
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspaces:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reset links live for one day; Django's tokens also die once the password changes or the
# user signs in, which makes them single-use.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_MAX_AGE_DAYS = 7
# Sign-in throttle: this many failures within the window lock that email (and that IP) out.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
AVATAR_MAX_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

from config.settings.components.cache import *  # noqa: E402,F401,F403
from config.settings.components.celery import *  # noqa: E402,F401,F403
from config.settings.components.email import *  # noqa: E402,F401,F403

# Public messenger endpoints: requests per minute (core/throttle.py, fixed windows).
MESSENGER_RATE_LIMITS = {
    "per_ip_per_minute": env_int("MESSENGER_RATE_PER_IP", 1200),
    "per_session_per_minute": env_int("MESSENGER_RATE_PER_SESSION", 240),
    "messages_per_session_per_minute": env_int("MESSENGER_MESSAGES_PER_SESSION", 20),
}
MESSENGER_MAX_MESSAGE_LENGTH = 5000
MESSENGER_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Any file kept in a conversation, whichever way it came (messenger, inbox, email): core/uploads.py.
ATTACHMENT_MAX_BYTES = MESSENGER_MAX_UPLOAD_BYTES
# The pretend customer site at /demo/ (messenger/demo.py): on for the demo and tests only.
DEMO_SITE_ENABLED = env_bool("DEMO_SITE_ENABLED", False)
DEMO_WORKSPACE_SLUG = "demo"
# Where browsers open live streams (the ASGI process). Empty: no streams, pages poll (the
# embedded demo, which has no Redis to carry the nudges). Production defaults to SITE_URL,
# whose reverse proxy sends /streams/ to uvicorn.
STREAMS_URL = env("STREAMS_URL", "").rstrip("/")
MESSENGER_POLL_SECONDS = env_int("MESSENGER_POLL_SECONDS", 3)
