"""Contacts at scale: 1M contacts (typed columns plus ~20 custom attributes in JSONB) and 5M
events, seeded once into their own database with INSERT … SELECT generate_series; later
runs reuse it.

Prints:
- the count of a 3-condition segment (typed column + custom attribute by jsonb @> + date
  range) through the audience engine, p50/p95, beside a hand-written SQL query for the same
  rule timed in the same script;
- a worst case: a range on a custom attribute (no index can help), under the engine's
  statement_timeout guard;
- segment membership materialised (INSERT … SELECT), rows/s;
- the filter builder's field list (read from attribute definitions, never from contacts);
- the people list page (server time in process, through the whole Django stack), p50/p95
  and SQL queries, default order and filtered.

    python bench/contacts.py            # first run seeds (a few minutes)
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

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench_contacts")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
CONTACTS = int(os.environ.get("CONTACTS", "1000000"))
EVENTS = CONTACTS * 5
RUNS = int(os.environ.get("RUNS", "20"))

CUSTOM = [("plan", "string"), ("seats", "number"), ("beta", "boolean"), ("renewal", "date"), ("industry", "string"),
          ("score", "number"), ("region", "string"), ("trial", "boolean"), ("mrr", "number"), ("source", "string"),
          ("nps", "number"), ("team_size", "number"), ("locale", "string"), ("tier", "string"), ("churn_risk", "number"),
          ("last_order", "date"), ("newsletter", "boolean"), ("referrer_code", "string"), ("app_version", "string"),
          ("logins", "number")]


def seed():  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from contacts.models import AttributeDefinition
    from workspaces import services
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-contacts").first()
    if workspace is not None:
        return workspace
    started = time.monotonic()
    owner = User.objects.create_user(email="contacts-owner@example.com", password="x" * 12, name="Owner")
    workspace = services.workspace_create(name="Bench contacts", slug="bench-contacts", owner=owner)
    AttributeDefinition.objects.bulk_create(
        AttributeDefinition(workspace=workspace, target="contact", key=key, type=kind) for key, kind in CUSTOM
    )
    for name in ("login", "export", "invite"):
        AttributeDefinition.objects.create(workspace=workspace, target="event", key=name, type="event")
    ws = workspace.pk
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE contacts_contact SET (autovacuum_enabled = false)")
        cursor.execute(
            """
            INSERT INTO contacts_contact (workspace_id, role, name, email, name_is_generated, session_count,
                page_view_count, last_page_url, last_page_title, referrer, browser, browser_version, os, device_type,
                language, timezone, country, city, attributes, created_at, updated_at, is_troubled,
                last_seen_at, first_seen_at, signed_up_at, external_id)
            SELECT %s, (ARRAY['user','user','user','user','lead'])[1 + g %% 5], 'Person ' || g, 'p' || g || '@example.com',
                false, g %% 40, g %% 300, 'https://example.com/p/' || (g %% 50), '', '',
                (ARRAY['Chrome','Safari','Firefox','Edge'])[1 + g %% 4], '1', (ARRAY['macOS','Windows','iOS','Android'])[1 + g %% 4],
                (ARRAY['desktop','mobile'])[1 + g %% 2], (ARRAY['ja','ja','en','fr','de'])[1 + g %% 5], 'Asia/Tokyo',
                (ARRAY['Japan','Japan','Japan','United States','France','Germany','Brazil'])[1 + g %% 7], 'Tokyo',
                jsonb_build_object(
                    'plan', (ARRAY['free','pro','team','enterprise','trial'])[1 + g %% 5], 'seats', g %% 97,
                    'beta', g %% 3 = 0, 'renewal', to_char(now() + (g %% 365) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                    'industry', (ARRAY['retail','saas','media','finance'])[1 + g %% 4], 'score', g %% 1000,
                    'region', (ARRAY['kanto','kansai','kyushu','hokkaido'])[1 + g %% 4], 'trial', g %% 7 = 0,
                    'mrr', (g %% 500) * 10, 'source', (ARRAY['ads','seo','referral'])[1 + g %% 3], 'nps', g %% 11,
                    'team_size', g %% 60, 'locale', 'ja-JP', 'tier', (ARRAY['gold','silver','bronze'])[1 + g %% 3],
                    'churn_risk', (g %% 100) / 100.0,
                    'last_order', to_char(now() - (g %% 200) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                    'newsletter', g %% 2 = 0, 'referrer_code', 'R' || (g %% 1000), 'app_version', '2.' || (g %% 30),
                    'logins', g %% 400),
                now(), now(), g %% 97 = 0,
                now() - (g %% 400) * interval '1 day' - (g %% 1440) * interval '1 minute',
                now() - (400 + g %% 400) * interval '1 day',
                now() - (g %% 800) * interval '1 day', 'u' || g
            FROM generate_series(1, %s) AS g
            """, [ws, CONTACTS])
        cursor.execute("SELECT min(id) FROM contacts_contact WHERE workspace_id = %s", [ws])
        c0 = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO contacts_contactevent (workspace_id, contact_id, name, metadata, created_at)
            SELECT %s, %s + (g %% %s), (ARRAY['login','login','login','export','invite'])[1 + g %% 5], '{}',
                now() - (g %% 300) * interval '1 day'
            FROM generate_series(1, %s) AS g
            """, [ws, c0, CONTACTS, EVENTS])
        cursor.execute(
            """
            INSERT INTO contacts_contacteventsummary (workspace_id, contact_id, name, count, first_at, last_at)
            SELECT workspace_id, contact_id, name, count(*), min(created_at), max(created_at)
            FROM contacts_contactevent WHERE workspace_id = %s GROUP BY workspace_id, contact_id, name
            """, [ws])
        cursor.execute("ALTER TABLE contacts_contact SET (autovacuum_enabled = true)")
        cursor.execute("VACUUM ANALYZE contacts_contact")
        cursor.execute("ANALYZE contacts_contacteventsummary")
    print(f"seeded {CONTACTS:,} contacts and {EVENTS:,} events in {time.monotonic() - started:.0f}s")
    return workspace


def quantiles(timings: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(timings, n=100)
    return cuts[49], cuts[94]


def timed(fn, runs: int = RUNS) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return quantiles(timings)


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client

    from accounts.models import User
    from contacts import audience
    from contacts.models import Segment
    from contacts.segments import people_of, segment_rebuild

    workspace = seed()
    segment_rule = {"version": 1, "match": "all", "rules": [
        {"field": "country", "operator": "is", "value": "Japan"},
        {"field": "custom.plan", "operator": "is", "value": "pro"},
        {"field": "last_seen_at", "operator": "less_than_days_ago", "value": 30},
    ]}
    rule = audience.parse(segment_rule, workspace=workspace)
    engine = timed(lambda: audience.count(rule, workspace=workspace, base=people_of(workspace)))
    expected = audience.count(rule, workspace=workspace, base=people_of(workspace))

    def hand_written() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM contacts_contact WHERE workspace_id = %s AND merged_into_id IS NULL "
                "AND role <> 'visitor' AND country = 'Japan' AND attributes @> '{\"plan\": \"pro\"}' "
                "AND last_seen_at >= now() - interval '30 days'", [workspace.pk])
            return cursor.fetchone()[0]

    manual = timed(hand_written)
    assert hand_written() == expected, (hand_written(), expected)
    print(f"{CONTACTS:,} contacts, {EVENTS:,} events; {RUNS} runs each")
    print(f"3-condition segment count ({expected:,} people): engine p50 {engine[0]:.1f} ms, p95 {engine[1]:.1f} ms; "
          f"hand-written SQL p50 {manual[0]:.1f} ms, p95 {manual[1]:.1f} ms; ratio {engine[0] / manual[0]:.2f}x")

    worst = audience.parse({"version": 1, "match": "all", "rules": [
        {"field": "custom.score", "operator": "gt", "value": 900}]}, workspace=workspace)
    try:
        slow = timed(lambda: audience.count(worst, workspace=workspace, base=people_of(workspace), timeout_ms=2000), runs=5)
        print(f"worst case (a range on a custom number, a full scan): p50 {slow[0]:.0f} ms, p95 {slow[1]:.0f} ms "
              f"(refused past the 2 s statement_timeout)")
    except audience.RuleError as exc:
        print(f"worst case refused by the guard: {exc.message}")

    segment, _created = Segment.objects.for_workspace(workspace).get_or_create(
        name="Bench Japan", defaults={"workspace": workspace, "rule": {"version": 1, "match": "all", "rules": [
            {"field": "country", "operator": "is", "value": "Japan"}]}})
    Segment.objects.for_workspace(workspace).filter(pk=segment.pk).update(member_count=0)
    from contacts.models import SegmentMember

    SegmentMember.objects.for_workspace(workspace).filter(segment=segment).delete()
    started = time.perf_counter()
    members = segment_rebuild(segment=segment)
    seconds = time.perf_counter() - started
    print(f"materialise a segment: {members:,} members in {seconds:.2f} s = {members / seconds:,.0f} rows/s "
          f"(INSERT … SELECT, then DELETE of leavers)")
    again = time.perf_counter()
    segment_rebuild(segment=segment)
    print(f"rebuild with nobody joining or leaving: {(time.perf_counter() - again) * 1000:.0f} ms")

    fields = timed(lambda: audience.builder_schema(workspace))
    print(f"filter builder's field list: p50 {fields[0]:.1f} ms, p95 {fields[1]:.1f} ms (from attribute definitions)")

    from django.core.signals import request_started

    request_started.disconnect(reset_queries)
    client = Client()
    client.force_login(User.objects.get(email="contacts-owner@example.com"), backend="accounts.backends.EmailBackend")
    import json
    from urllib.parse import quote

    base = f"/w/{workspace.slug}/contacts/"
    pages = [
        ("people list, last seen first", base),
        ("people list, filtered (3 conditions)", base + "?rule=" + quote(json.dumps(segment_rule))),
        ("people list, a saved segment", base + f"?segment={segment.pk}"),
        ("people list, sorted by a custom number", base + "?sort=custom.seats&dir=desc"),
    ]
    for label, url in pages:
        client.get(url)
        statements: list[str] = []
        with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        p50, p95 = timed(lambda url=url: client.get(url))
        print(f"{label:42} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {len(statements)} queries")


if __name__ == "__main__":
    main()
