"""The Docker deployment (docker-compose.yml, deploy/nginx.conf, Dockerfile) checked without a
Docker engine: the files are parsed and their wiring asserted, and the production settings
are started in a subprocess to prove they refuse a missing variable and accept the compose
environment. None of these tests touches the database."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
DOCKERFILE = ROOT / "Dockerfile"

REQUIRED_SERVICES = {"db", "redis", "migrate", "web", "streams", "worker", "worker-bulk", "beat", "proxy", "mail"}
PARLEY_SERVICES = ("migrate", "web", "streams", "worker", "worker-bulk", "beat")
REQUIRED_ENV = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_SETTINGS_MODULE")

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    # Comments out, so a commented-out directive cannot satisfy a check.
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))


def _env(service: dict) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or a KEY=VALUE list."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def _defaults(value: str) -> str:
    """What compose makes of a value when none of the variables it names is set."""
    value = str(value)

    def replace(match: re.Match) -> str:
        return match.group("arg") if match.group("op") in (":-", "-") else ""

    return _INTERPOLATION.sub(replace, value).replace("$$", "$")


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _depends_on(service: dict) -> dict[str, dict]:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return {name: {"condition": "service_started"} for name in depends_on}
    return {name: (spec or {"condition": "service_started"}) for name, spec in depends_on.items()}


def _volume_mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each mount; source is "" for an anonymous volume."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts.append((str(volume.get("source", "")), str(volume.get("target", ""))))
            continue
        parts = str(volume).split(":")
        mounts.append(("", parts[0]) if len(parts) == 1 else (parts[0], parts[1]))
    return mounts


def _is_bind_mount(source: str) -> bool:
    return source.startswith((".", "/", "~", "$"))


def _location_body(conf: str, path: str) -> str:
    match = re.search(r"location\s+(?:=\s*)?" + re.escape(path) + r"\s*\{(?P<body>[^{}]*)\}", conf)
    assert match, f"nginx.conf has no `location {path}` block"
    return match.group("body")


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_defines_exactly_the_required_services(services):
    assert set(services) == REQUIRED_SERVICES


def test_compose_has_no_obsolete_version_key(compose):
    assert "version" not in compose


def test_every_service_has_an_image_or_a_build(services):
    missing = [name for name, service in services.items() if not (service.get("image") or service.get("build"))]
    assert missing == []


@pytest.mark.parametrize("name", PARLEY_SERVICES)
def test_parley_service_gets_every_required_variable(services, name):
    env = _env(services[name])
    missing = [var for var in REQUIRED_ENV if not env.get(var, "").strip()]
    assert missing == [], f"{name} lacks {missing}"


def test_parley_services_share_one_environment(services):
    environments = {name: _env(services[name]) for name in PARLEY_SERVICES}
    assert all(env == environments["web"] for env in environments.values())


def test_web_runs_the_production_settings(services):
    assert _env(services["web"])["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_compose_environment_values(services):
    env = {key: _defaults(value) for key, value in _env(services["web"]).items()}
    assert env["SECURE_SSL_REDIRECT"].lower() == "false"  # the compose proxy speaks plain http
    assert env["EMAIL_HOST"] == "mail" and env["EMAIL_PORT"] == "1025"
    assert env["MEDIA_ROOT"] == "/var/lib/parley/media"
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
    # Long enough, and not the "insecure-" demo key that production settings reject.
    assert len(env["SECRET_KEY"]) >= 50 and not env["SECRET_KEY"].startswith("insecure-")


def test_trusted_proxies_is_the_proxy_address(compose, services):
    """core/net.py compares REMOTE_ADDR with TRUSTED_PROXIES as written, so a service name
    would never match: the proxy has a fixed address on the compose network and that
    address is what the Parley services trust."""
    trusted = [item.strip() for item in _defaults(_env(services["web"])["TRUSTED_PROXIES"]).split(",")]
    proxy_ip = _defaults(services["proxy"]["networks"]["default"]["ipv4_address"])
    assert trusted == [proxy_ip]
    subnet = _defaults(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(proxy_ip) in ipaddress.ip_network(subnet)


def test_application_commands(services):
    web = _command(services["web"])
    assert "gunicorn" in web and "config.wsgi" in web
    streams = _command(services["streams"])
    assert "uvicorn" in streams and "config.asgi" in streams
    assert "worker" in _command(services["worker"])
    assert "beat" in _command(services["beat"])
    assert "migrate" in _command(services["migrate"])


def test_every_dependency_is_a_defined_service(services):
    for name, service in services.items():
        for target in _depends_on(service):
            assert target in services, f"{name} depends on undefined service {target}"


def test_start_order(services):
    for name in ("db", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in ("web", "streams", "worker", "beat"):
        depends_on = _depends_on(services[name])
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["db"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert _depends_on(services["migrate"])["db"]["condition"] == "service_healthy"
    assert str(services["migrate"].get("restart", "no")) == "no"


def test_every_named_volume_is_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for source, _target in _volume_mounts(service):
            if source and not _is_bind_mount(source):
                assert source in declared, f"{name} mounts undeclared volume {source}"
    assert {"pgdata", "media"} <= declared


def test_state_lives_in_named_volumes(services):
    assert ("pgdata", "/var/lib/postgresql/data") in _volume_mounts(services["db"])
    assert ("media", "/var/lib/parley/media") in _volume_mounts(services["web"])
    beat_mounts = dict(_volume_mounts(services["beat"]))
    assert any(
        not _is_bind_mount(source) and "/var/lib/parley/celerybeat-schedule".startswith(target)
        for source, target in _volume_mounts(services["beat"])
    ), beat_mounts


def test_proxy_mounts_the_nginx_conf(services):
    proxy = services["proxy"]
    assert str(proxy["image"]).startswith("nginx:")
    mounts = _volume_mounts(proxy)
    assert any(
        os.path.normpath(source) == os.path.normpath("deploy/nginx.conf") and target == "/etc/nginx/nginx.conf"
        for source, target in mounts
    ), mounts
    assert NGINX_CONF.is_file()
    assert any(str(port).endswith("8080:80") for port in proxy.get("ports", []))


# --- deploy/nginx.conf ----------------------------------------------------------------


def test_nginx_conf_is_a_whole_config(nginx_conf):
    assert re.search(r"^\s*events\s*\{", nginx_conf, re.M)
    assert re.search(r"^\s*http\s*\{", nginx_conf, re.M)
    assert nginx_conf.count("{") == nginx_conf.count("}")
    assert re.search(r"client_max_body_size\s+10m\s*;", nginx_conf)


def test_nginx_upstreams(nginx_conf):
    assert re.search(r"upstream\s+web\s*\{[^}]*server\s+web:8000\b", nginx_conf)
    assert re.search(r"upstream\s+streams\s*\{[^}]*server\s+streams:8001\b", nginx_conf)


def test_nginx_sends_streams_to_asgi_unbuffered(nginx_conf):
    body = _location_body(nginx_conf, "/streams/")
    assert re.search(r"proxy_pass\s+http://streams\s*;", body)
    assert re.search(r"proxy_buffering\s+off\s*;", body)
    assert re.search(r"proxy_cache\s+off\s*;", body)
    assert re.search(r"proxy_http_version\s+1\.1\s*;", body)
    assert re.search(r'proxy_set_header\s+Connection\s+""\s*;', body)
    assert re.search(r"proxy_read_timeout\s+(1h|60m|3600s?)\s*;", body)


def test_nginx_sends_everything_else_to_wsgi(nginx_conf):
    body = _location_body(nginx_conf, "/")
    assert re.search(r"proxy_pass\s+http://web\s*;", body)


@pytest.mark.parametrize("path", ["/streams/", "/"])
def test_nginx_forwards_client_headers(nginx_conf, path):
    # proxy_set_header in a location replaces the inherited ones, so each location needs all.
    body = _location_body(nginx_conf, path)
    for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP"):
        assert re.search(r"proxy_set_header\s+" + re.escape(header) + r"\s", body), (path, header)
    # The last X-Forwarded-For entry (the one core/net.py believes) must be the real peer.
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for\s*;", body)


def test_nginx_does_not_compress_event_streams(nginx_conf):
    match = re.search(r"gzip_types\s+(?P<types>[^;]*);", nginx_conf)
    assert match and "text/event-stream" not in match.group("types")


# --- Dockerfile -----------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_image():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM\s+python:3\.11-slim\b", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "compilemessages" in text and "collectstatic --noinput" in text
    assert re.search(r"^EXPOSE\s+8000\b", text, re.M)
    assert re.search(r'^CMD\s+\[.*"gunicorn".*"config\.wsgi:application"', text, re.M)


# --- config/settings/production.py ----------------------------------------------------

_PRODUCTION_VARS = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_SETTINGS_MODULE")
_SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production'; django.setup()"


def _run_production(code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in _PRODUCTION_VARS}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _last_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    return lines[-1] if lines else ""


def test_production_refuses_to_start_without_secret_key():
    result = _run_production(_SETUP)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in _last_line(result.stderr) and "SECRET_KEY" in _last_line(result.stderr)


def test_production_names_a_missing_site_url():
    result = _run_production(
        _SETUP,
        SECRET_KEY="a-test-only-secret-key-that-is-long-enough-0123456789abcdef",
        DATABASE_URL="postgres://parley:parley@db:5432/parley",
        REDIS_URL="redis://redis:6379/0",
        ALLOWED_HOSTS="localhost",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in _last_line(result.stderr) and "SITE_URL" in _last_line(result.stderr)


def test_production_accepts_the_compose_environment(services):
    """Every Parley container starts from exactly this environment (nothing connects to the
    database or Redis during setup)."""
    env = {key: _defaults(value) for key, value in _env(services["web"]).items()}
    code = _SETUP + (
        "; from django.conf import settings as s; import json; print(json.dumps({"
        "'debug': s.DEBUG, 'ssl_redirect': s.SECURE_SSL_REDIRECT, 'trusted': s.TRUSTED_PROXIES,"
        " 'media_root': str(s.MEDIA_ROOT), 'email_port': s.EMAIL_PORT, 'hosts': s.ALLOWED_HOSTS,"
        " 'db_engine': s.DATABASES['default']['ENGINE']}))"
    )
    result = _run_production(code, **env)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["debug"] is False
    assert loaded["ssl_redirect"] is False
    assert loaded["trusted"] == [env["TRUSTED_PROXIES"]]
    assert loaded["media_root"] == "/var/lib/parley/media"
    assert loaded["email_port"] == 1025
    assert "web" in loaded["hosts"] and "localhost" in loaded["hosts"]
    assert loaded["db_engine"] == "django.db.backends.postgresql"


def test_outbound_sends_have_their_own_worker(services):
    """Campaign sends (the "bulk" queue) never share a worker with interactive tasks."""
    assert "-Q" in _command(services["worker-bulk"]) and "bulk" in _command(services["worker-bulk"])
    assert "bulk" not in _command(services["worker"])
