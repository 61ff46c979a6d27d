"""The inbox at scale: 100k conversations, 1M parts, 20 agents, 5 teams (seeded once into
its own database with INSERT … SELECT generate_series; later runs reuse it).

Prints server time (in process, through the whole Django stack) p50/p95 and SQL queries per
request for: the list (25 rows; all open, mine, a team), page 1 vs page 4,000 by keyset and
the OFFSET equivalent, the one-query counts, and a conversation with 1,000 and 10,000 parts.

    python bench/inbox.py            # first run seeds (about a minute)
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
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench_inbox")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
CONVERSATIONS = 100_000
PARTS_PER = 10
RUNS = int(os.environ.get("RUNS", "60"))


def seed():  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from workspaces import services
    from workspaces.models import Membership, Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-inbox").first()
    if workspace is not None:
        return workspace
    started = time.monotonic()
    owner = User.objects.create_user(email="inbox-owner@example.com", password="x" * 12, name="Owner")
    workspace = services.workspace_create(name="Bench inbox", slug="bench-inbox", owner=owner)
    members = [Membership.objects.for_workspace(workspace).get()]
    for index in range(19):
        user = User.objects.create_user(email=f"inbox-agent{index}@example.com", password="x" * 12, name=f"Agent {index}")
        members.append(Membership.objects.create(workspace=workspace, user=user))
    teams = [services.team_save(workspace=workspace, team=None, name=f"Team {i}", members=members[i::5]) for i in range(5)]
    ws, m0, t0 = workspace.pk, min(m.pk for m in members), min(t.pk for t in teams)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_contact (workspace_id, role, name, email, name_is_generated, session_count,
                page_view_count, last_page_url, last_page_title, referrer, browser, browser_version, os, device_type,
                language, timezone, country, city, attributes, created_at, updated_at, is_troubled)
            SELECT %s, 'lead', 'Customer ' || g, 'c' || g || '@example.com', false, 1, 1, '', '', '', '', '', '', '',
                'ja', 'Asia/Tokyo', 'Japan', 'Tokyo', '{}', now(), now(), g %% 50 = 0
            FROM generate_series(1, %s) AS g
            """, [ws, CONVERSATIONS])
        cursor.execute("SELECT min(id) FROM contacts_contact WHERE workspace_id = %s", [ws])
        c0 = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO inbox_conversation (workspace_id, number, contact_id, state, source, assignee_id, team_id,
                is_priority, browser_id, preview, created_at, updated_at, last_activity_at, unread_by_customer,
                unread_by_team, csat_remark, subject)
            SELECT %s, g, %s + g - 1,
                CASE WHEN g %% 10 < 7 THEN 'open' WHEN g %% 10 = 7 THEN 'snoozed' ELSE 'closed' END,
                'messenger', CASE WHEN g %% 4 = 0 THEN NULL ELSE %s + g %% 20 END, %s + g %% 5, g %% 17 = 0, '',
                'Question number ' || g, now() - g * interval '1 minute', now(), now() - g * interval '1 minute',
                false, false, '', ''
            FROM generate_series(1, %s) AS g
            """, [ws, c0, m0, t0, CONVERSATIONS])
        cursor.execute("UPDATE workspaces_workspace SET conversation_seq = %s WHERE id = %s", [CONVERSATIONS, ws])
        cursor.execute("SELECT min(id) FROM inbox_conversation WHERE workspace_id = %s", [ws])
        v0 = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO inbox_conversationpart (workspace_id, conversation_id, kind, author_contact_id, body, event,
                event_data, created_at)
            SELECT %s, %s + (g / %s), CASE WHEN g %% 2 = 0 THEN 'customer' ELSE 'reply' END, NULL,
                'Message body ' || g, '', '{}', now() - (%s * %s - g) * interval '1 second'
            FROM generate_series(0, %s * %s - 1) AS g
            """, [ws, v0, PARTS_PER, CONVERSATIONS, PARTS_PER, CONVERSATIONS, PARTS_PER])
        for number, count in ((CONVERSATIONS - 1, 1_000), (CONVERSATIONS, 10_000)):
            cursor.execute(
                """
                INSERT INTO inbox_conversationpart (workspace_id, conversation_id, kind, body, event, event_data, created_at)
                SELECT %s, (SELECT id FROM inbox_conversation WHERE workspace_id = %s AND number = %s),
                    'customer', 'Long history ' || g, '', '{}', now()
                FROM generate_series(1, %s) AS g
                """, [ws, ws, number, count])
        cursor.execute("ANALYZE")
    print(f"seeded in {time.monotonic() - started:.0f}s")
    return workspace


def measure(client, url: str, forget_counts: bool = False) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """p50, p95 and queries of a page. `forget_counts`: each request first drops the
    remembered navigation counts (outside the timing), as right after a change."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django.db import reset_queries

    client.get(url)
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured.captured_queries)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(RUNS):
        if forget_counts:
            cache.clear()
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[94], queries


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from inbox import selectors
    from workspaces.models import Membership, Team

    workspace = seed()
    # Keep the query log across requests (Django clears it when each request starts).
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)
    client = Client()
    owner = User.objects.get(email="inbox-owner@example.com")
    client.force_login(owner, backend="accounts.backends.EmailBackend")
    member = Membership.objects.for_workspace(workspace).get(user=owner)
    team = Team.objects.for_workspace(workspace).order_by("id").first()
    base = f"/w/{workspace.slug}/inbox/"

    # A cursor 4,000 pages deep, as the "load more" link would carry it.
    deep_row = selectors.conversation_list(workspace=workspace, member=member, view=selectors.InboxView("open"),
                                           limit=25 * 4000)[0][-1]
    deep = selectors.Cursor(at=deep_row.last_activity_at, pk=deep_row.pk)

    rows = [
        ("list: all open, 25 rows", base),
        ("list: all open, counts changed", base, True),
        ("list: mine", base + "?view=mine"),
        ("list: a team", base + f"?team={team.pk}"),
        ("list: waiting longest", base + "?sort=oldest"),
        ("list: page 4,000 (keyset)", base + f"?after={deep.encode()}"),
        ("conversation: 1,000 parts", base + f"c/{selectors.Conversation.objects.for_workspace(workspace).count() - 1}/"),
        ("conversation: 10,000 parts", base + f"c/{selectors.Conversation.objects.for_workspace(workspace).count()}/"),
        ("conversation: 1,000, counts changed", base + f"c/{selectors.Conversation.objects.for_workspace(workspace).count() - 1}/", True),
    ]
    print(f"{CONVERSATIONS:,} conversations, {CONVERSATIONS * PARTS_PER + 11_000:,} parts, 20 agents; {RUNS} runs each")
    print(f"{'request':30} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url, *forget in rows:
        p50, p95, queries = measure(client, url, forget_counts=bool(forget))
        print(f"{label:30} {p50:8.1f} {p95:8.1f} {queries:8d}")
        if os.environ.get("SHOW_SQL"):
            from django.test.utils import CaptureQueriesContext

            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            for query in captured.captured_queries:
                print(f"    {query['time']:>6} {query['sql'][:150]}")

    def timed(sql: str, params: list) -> float:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)  # warm
            started = time.perf_counter()
            for _ in range(10):
                cursor.execute(sql, params)
                cursor.fetchall()
        return (time.perf_counter() - started) * 100

    offset_ms = timed(
        "SELECT id FROM inbox_conversation WHERE workspace_id = %s AND state = 'open' "
        "ORDER BY last_activity_at DESC, id DESC LIMIT 25 OFFSET 100000", [workspace.pk])
    keyset_ms = timed(
        "SELECT id FROM inbox_conversation WHERE workspace_id = %s AND state = 'open' AND "
        "(last_activity_at, id) < (%s, %s) ORDER BY last_activity_at DESC, id DESC LIMIT 25",
        [workspace.pk, deep.at, deep.pk])
    teams = list(Team.objects.for_workspace(workspace))
    counts_started = time.perf_counter()
    for _ in range(10):
        selectors.inbox_counts(workspace=workspace, member=member, teams=teams)
    counts_ms = (time.perf_counter() - counts_started) * 100
    print(f"page 4,000 query alone: keyset {keyset_ms:.2f} ms, OFFSET 100000 {offset_ms:.2f} ms "
          f"({offset_ms / keyset_ms:.0f}x slower)")
    print(f"all view counts in one COUNT(*) FILTER query: {counts_ms:.1f} ms")


if __name__ == "__main__":
    main()
