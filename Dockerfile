# Parley's one image: the same build runs the WSGI web processes (gunicorn, the default
# CMD), the ASGI streams process (uvicorn), the Celery worker and beat, and the one-shot
# migrate job. docker-compose.yml picks the role with `command:`.
FROM python:3.11-slim

# PYTHONPATH: the checkout in /app comes first on the import path for every process
# (gunicorn, uvicorn, celery, manage.py). `pip install .` also puts a copy of the packages
# into site-packages, but BASE_DIR (templates, static, locale) is computed from
# config/settings/base.py, so the code that runs must be the one under /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# gettext provides msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# Runs as this user; the code in /app stays root-owned, so the app cannot rewrite itself.
# /var/lib/parley holds the only state a container writes (uploaded media, beat's
# schedule); named volumes mounted there copy this ownership when they are first created.
RUN groupadd --system --gid 1000 parley \
    && useradd --system --uid 1000 --gid parley --home-dir /var/lib/parley --shell /usr/sbin/nologin parley \
    && mkdir -p /var/lib/parley/media \
    && chown -R parley:parley /var/lib/parley

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so editing code does not reinstall them
# (this builds an empty "parley" distribution, replaced below).
COPY pyproject.toml ./
RUN pip install --no-cache-dir .

COPY . .
RUN pip install --no-cache-dir --no-deps .

# Build-time manage.py runs. The production settings refuse to load without their required
# variables, so these are given throw-away values that exist only for this RUN and are not
# kept in the image; nothing here touches the database or Redis. collectstatic has to run
# with the production settings (not config.settings.local): only they use whitenoise's
# CompressedManifestStaticFilesStorage, whose staticfiles.json manifest and pre-compressed
# files the running web processes need (local settings would write neither, and every
# {% static %} would then fail in production).
RUN mkdir -p locale \
    && export DJANGO_SETTINGS_MODULE=config.settings.production \
       SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
       DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
       REDIS_URL=redis://build-only.invalid:6379/0 \
       ALLOWED_HOSTS=localhost \
       SITE_URL=http://localhost \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput \
    && rm -f /tmp/build-only.sqlite3

USER parley

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-"]
