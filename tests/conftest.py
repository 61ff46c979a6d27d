"""The fixture cast: `workspace` with its `owner`, `admin` and `agent`; `other_workspace`
with its `outsider`, who must see nothing of `workspace` (a 404 everywhere)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Membership


def _check_services() -> None:
    """The suite runs against real PostgreSQL and Redis. When either is down, stop at once
    and say so, rather than failing hundreds of tests or quietly using something else."""
    import psycopg
    import redis

    db = settings.DATABASES["default"]
    problems = []
    if db["ENGINE"] != "django.db.backends.postgresql":
        problems.append(f"DATABASE_URL must point at PostgreSQL for the tests, not {db['ENGINE']}.")
    else:
        try:
            psycopg.connect(
                host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                password=db["PASSWORD"] or None, dbname="postgres", connect_timeout=3,
            ).close()
        except psycopg.Error as exc:
            problems.append(f"PostgreSQL at {db['HOST']}:{db['PORT']} is unreachable ({exc}).")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {settings.REDIS_URL} is unreachable ({exc}).")
    if problems:
        pytest.exit(
            "Cannot run the tests:\n  " + "\n  ".join(problems)
            + "\nStart the services (see README, 'Running the tests') or set DATABASE_URL / REDIS_URL.",
            returncode=3,
        )


def pytest_sessionstart(session: pytest.Session) -> None:
    _check_services()
    import redis

    # Tasks published by earlier runs (no worker consumed them) must not reach this run's.
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture
def eager_celery():  # type: ignore[no-untyped-def]
    """Run tasks in this process when they are sent, for tests about what a task does once
    enqueued. tests/test_worker.py covers the real trip through Redis to a worker."""
    from config import celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def workspace(db):  # type: ignore[no-untyped-def]
    return WorkspaceFactory(name="Acme", slug="acme")


@pytest.fixture
def other_workspace(db):  # type: ignore[no-untyped-def]
    return WorkspaceFactory(name="Globex", slug="globex")


@pytest.fixture
def owner(workspace):  # type: ignore[no-untyped-def]
    return MembershipFactory(workspace=workspace, role=Membership.Role.OWNER, user__name="Olivia Owner")


@pytest.fixture
def admin(workspace):  # type: ignore[no-untyped-def]
    return MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__name="Adam Admin")


@pytest.fixture
def agent(workspace):  # type: ignore[no-untyped-def]
    return MembershipFactory(workspace=workspace, role=Membership.Role.AGENT, user__name="Aiko Agent")


@pytest.fixture
def outsider(other_workspace):  # type: ignore[no-untyped-def]
    """An owner of another workspace: as powerful as can be, but not here."""
    return MembershipFactory(workspace=other_workspace, role=Membership.Role.OWNER, user__name="Oscar Outsider")


def _client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user, backend="accounts.backends.EmailBackend")
    return client


@pytest.fixture
def client_owner(owner) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(owner)


@pytest.fixture
def client_admin(admin) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(admin)


@pytest.fixture
def client_agent(agent) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(agent)


@pytest.fixture
def client_outsider(outsider) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(outsider)


@pytest.fixture
def throttle_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Throttles count per time window (core/throttle.py); a test that fills one must not see
    it roll over half-way, so their clock stands still at a fixed instant."""
    import types

    import core.throttle

    monkeypatch.setattr(core.throttle, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0))
