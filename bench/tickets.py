"""The tickets list at scale: 100k tickets (a quarter resolved; customer, back-office and
tracker types; 20 teammates, 5 teams), seeded once into its own database with INSERT …
SELECT generate_series; later runs reuse it.

Prints server time (in process, through the whole Django stack via the test Client) p50/p95
and SQL queries per request for the list's views, a deep keyset page and a filtered search.
Target: p95 ≤ 60 ms with the same number of queries whatever the view or page.

    python bench/tickets.py            # first run seeds (under a minute)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ensure_database  # noqa: E402
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench_tickets")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
TICKETS = 100_000
RUNS = int(os.environ.get("RUNS", "60"))


def seed():  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from tickets.models import TicketType
    from workspaces import services
    from workspaces.models import Membership, Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-tickets").first()
    if workspace is not None:
        return workspace
    started = time.monotonic()
    owner = User.objects.create_user(email="tickets-owner@example.com", password="x" * 12, name="Owner")
    workspace = services.workspace_create(name="Bench tickets", slug="bench-tickets", owner=owner)
    members = [Membership.objects.for_workspace(workspace).get()]
    for index in range(19):
        user = User.objects.create_user(email=f"tickets-agent{index}@example.com", password="x" * 12,
                                        name=f"Agent {index}")
        members.append(Membership.objects.create(workspace=workspace, user=user))
    teams = [services.team_save(workspace=workspace, team=None, name=f"Team {i}", members=members[i::5])
             for i in range(5)]
    kinds = [TicketType.objects.create(workspace=workspace, category=category, name=name)
             for category, name in (("customer", "Bug report"), ("customer", "Refund"),
                                    ("back_office", "Billing check"), ("tracker", "Outage"))]
    ws, m0, t0, k0 = workspace.pk, min(m.pk for m in members), min(t.pk for t in teams), kinds[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_contact (workspace_id, role, name, email, name_is_generated, session_count,
                page_view_count, last_page_url, last_page_title, referrer, browser, browser_version, os, device_type,
                language, timezone, country, city, attributes, created_at, updated_at, is_troubled)
            SELECT %s, 'user', 'Customer ' || g, 'c' || g || '@example.com', false, 1, 1, '', '', '', '', '', '', '',
                'ja', 'Asia/Tokyo', 'Japan', 'Tokyo', '{}', now(), now(), false
            FROM generate_series(1, %s) AS g
            """, [ws, TICKETS])
        cursor.execute("SELECT min(id) FROM contacts_contact WHERE workspace_id = %s", [ws])
        c0 = cursor.fetchone()[0]
        # Type by g % 4 (ids are consecutive): 0, 1 customer, 2 back-office, 3 tracker (no customer).
        cursor.execute(
            """
            INSERT INTO tickets_ticket (workspace_id, number, ticket_type_id, category, title, description, state,
                values, contact_id, assignee_id, team_id, created_at, updated_at, state_changed_at, team_seconds,
                waiting_seconds, unread_by_customer)
            SELECT %s, g, %s + g %% 4,
                CASE g %% 4 WHEN 2 THEN 'back_office' WHEN 3 THEN 'tracker' ELSE 'customer' END,
                'Ticket number ' || g, '',
                CASE WHEN g %% 4 = 0 THEN 'resolved' WHEN g %% 4 = 1 THEN 'submitted'
                     WHEN g %% 8 = 2 THEN 'in_progress' ELSE 'waiting' END,
                '{}', CASE WHEN g %% 4 = 3 THEN NULL ELSE %s + g - 1 END,
                CASE WHEN g %% 3 = 0 THEN NULL ELSE %s + g %% 20 END, %s + g %% 5,
                now() - g * interval '1 minute', now() - g * interval '1 minute', now(), 0, 0, false
            FROM generate_series(1, %s) AS g
            """, [ws, k0, c0, m0, t0, TICKETS])
        cursor.execute("UPDATE workspaces_workspace SET ticket_seq = %s WHERE id = %s", [TICKETS, ws])
        cursor.execute("ANALYZE")
    print(f"seeded in {time.monotonic() - started:.0f}s")
    return workspace


class QueryLog:
    """Every SQL statement a request runs, with its time (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - started) * 1000, sql))


def measure(client, url: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    from django.db import connection

    client.get(url)
    log = QueryLog()
    with connection.execute_wrapper(log):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if os.environ.get("SHOW_SQL"):
        for ms, sql in log.queries:
            print(f"    {ms:7.1f} {sql[:160]}")
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[94], len(log.queries)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from tickets import selectors
    from tickets.models import TicketType
    from workspaces.models import Membership

    workspace = seed()
    client = Client()
    owner = User.objects.get(email="tickets-owner@example.com")
    client.force_login(owner, backend="accounts.backends.EmailBackend")
    member = Membership.objects.for_workspace(workspace).get(user=owner)
    tracker = TicketType.objects.for_workspace(workspace).get(name="Outage")
    deep_row = selectors.ticket_list(workspace=workspace, member=member, filters=selectors.TicketFilters(),
                                     limit=selectors.PAGE_SIZE * 1000)[0][-1]
    deep = selectors.Cursor(at=deep_row.updated_at, pk=deep_row.pk)
    base = f"/w/{workspace.slug}/tickets/"
    rows = [
        ("all open, 25 rows", base),
        ("mine", base + "?view=mine"),
        ("my teams", base + "?view=teams"),
        ("unassigned", base + "?view=unassigned"),
        ("resolved", base + "?view=resolved"),
        ("by type (tracker)", base + f"?view=all&type={tracker.pk}"),
        ("by state (waiting)", base + "?view=all&state=waiting"),
        ("page 1,000 (keyset)", base + f"?after={deep.encode()}"),
        ("search by number", base + "?view=all&q=%2354321"),
    ]
    print(f"{TICKETS:,} tickets, 20 teammates, 5 teams; {RUNS} runs each; {connection.vendor}")
    print(f"{'request':24} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url in rows:
        p50, p95, queries = measure(client, url)
        print(f"{label:24} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
