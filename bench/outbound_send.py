"""Outbound sending at scale (QUALITY scenario 7), two parts:

1. 100,000 contacts in their own database (parley_bench_outbound), one message: deliveries
   written by `audience_evaluate`, then every email rendered (placeholders, tracked links,
   open pixel, List-Unsubscribe) and handed to a backend that builds the MIME bytes and drops
   them, through `send_batch` in PROCESSES sender processes (2: one per core) sharing the
   batches through SKIP LOCKED. Prints emails/s and checks that every delivery was sent once
   (a count per recipient across the processes).
2. A dynamic audience over the 1M contacts of the contacts bench (parley_bench_contacts,
   seeded by bench/contacts.py): the first evaluation, then a second one that finds only the
   contacts who started matching since, timed.

    python bench/outbound_send.py   # CONTACTS=100000, PROCESSES=2 by default; seeds on first run
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ensure_database  # noqa: E402

DYNAMIC = "--dynamic" in sys.argv
if DYNAMIC:
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/parley_bench_contacts"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench_outbound")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
os.environ["EMAIL_BACKEND"] = "bench.outbound_send.DroppingBackend"
CONTACTS = int(os.environ.get("CONTACTS", "100000"))
NEW_MATCHES = 1000
PROCESSES = int(os.environ.get("PROCESSES", "2"))  # senders, as the bulk worker runs them on 2 cores

from django.core.mail.backends.base import BaseEmailBackend  # noqa: E402

class DroppingBackend(BaseEmailBackend):
    """Builds each message's bytes as an SMTP backend would, counts it, and drops it."""

    received: Counter[str] = Counter()

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        for message in email_messages:
            message.message().as_bytes()
            self.received[message.to[0]] += 1
        return len(email_messages)


def seed():  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from workspaces import services
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.filter(slug="bench-outbound").first()
    if workspace is not None:
        return workspace
    started = time.monotonic()
    owner = User.objects.create_user(email="outbound-owner@example.com", password="x" * 12, name="田中 愛子")
    workspace = services.workspace_create(name="Bench outbound", slug="bench-outbound", owner=owner)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_contact (workspace_id, role, name, email, name_is_generated, session_count,
                page_view_count, last_page_url, last_page_title, referrer, browser, browser_version, os, device_type,
                language, timezone, country, city, attributes, created_at, updated_at, is_troubled, external_id)
            SELECT %s, (ARRAY['user','user','user','lead'])[1 + g %% 4],
                (ARRAY['Aoi Tanaka','佐藤 花子','Ren Ito','Mia Kato'])[1 + g %% 4] || ' ' || g,
                'p' || g || '@example.com', false, 0, 0, '', '', '', '', '', '', '', 'ja', 'Asia/Tokyo', 'Japan',
                'Tokyo', jsonb_build_object('plan', (ARRAY['free','pro','team'])[1 + g %% 3]), now(), now(), false,
                'u' || g
            FROM generate_series(1, %s) AS g
            """, [workspace.pk, CONTACTS])
        cursor.execute("VACUUM ANALYZE contacts_contact")
    print(f"seeded {CONTACTS:,} contacts in {time.monotonic() - started:.0f}s")
    return workspace


def send_part() -> None:
    ensure_database()
    import django

    django.setup()
    from contacts.models import AttributeDefinition
    from outbound import audiences, sending, services
    from outbound.models import Delivery, OutboundMessage
    from workspaces.models import Membership

    workspace = seed()
    owner = Membership.objects.for_workspace(workspace).get(role="owner")
    AttributeDefinition.objects.for_workspace(workspace).get_or_create(
        workspace=workspace, target="contact", key="plan", defaults={"type": "string"})
    # Each run sends a new message; the previous runs' are removed first.
    OutboundMessage.objects.for_workspace(workspace).filter(title="Bench").update(state="stopped")
    OutboundMessage.objects.for_workspace(workspace).filter(title="Bench").delete()
    message = services.message_create(
        workspace=workspace, actor=owner, title="Bench", sender=owner, builtin_template="card",
        subject='{{first_name | fallback: "お客様"}}さん、新機能のお知らせ',
        body='<h2>Hello {{first_name | fallback: "there"}}</h2><p>Your {{plan | fallback: "free"}} plan now has '
             'reports. <a href="https://example.com/reports">See them</a> or '
             '<a href="https://example.com/help?from=email&amp;x=1">read the guide</a>.</p>'
             '<p>{{company.name | fallback: "Your team"}} · 新しいレポートをご覧ください。</p>',
    )
    services.message_set_live(message=message, actor=owner)
    started = time.perf_counter()
    added = audiences.audience_evaluate(message=message)
    evaluated = time.perf_counter() - started
    print(f"audience written: {added:,} deliveries in {evaluated:.2f} s ({added / evaluated:,.0f} rows/s)")

    from django.db import connections

    connections.close_all()  # each sender process opens its own
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        results = pool.map(_sender, [(workspace.pk, message.pk)] * PROCESSES)
    seconds = time.perf_counter() - started
    sent = sum(n for n, _counts in results)
    received: Counter[str] = Counter()
    for _n, counts in results:
        received.update(counts)
    print(f"sent {sent:,} emails in {seconds:.1f} s = {sent / seconds:,.0f} emails/s with {PROCESSES} sender "
          f"process(es) on {os.cpu_count()} cores (batches of {sending.BATCH_SIZE}; rendered, MIME bytes built, dropped)")
    statuses = Counter(Delivery.objects.for_workspace(workspace).filter(message=message).values_list("status", flat=True))
    duplicates = sum(1 for n in received.values() if n > 1)
    assert statuses == {"sent": added}, statuses
    assert len(received) == added and duplicates == 0, (len(received), duplicates)
    print(f"duplicates: {duplicates}; recipients {len(received):,}, each exactly once; deliveries {dict(statuses)}")


def _sender(ids: tuple[int, int]) -> tuple[int, dict[str, int]]:
    """One sender process: batches until none is left (SKIP LOCKED shares them out)."""
    from bench.outbound_send import DroppingBackend as Backend  # the module Django loads it from
    from outbound import sending
    from outbound.models import OutboundMessage

    workspace_id, message_id = ids
    message = OutboundMessage.objects.for_workspace(workspace_id).select_related(
        "workspace", "sender__user", "template").get(pk=message_id)
    sent = 0
    while True:
        result = sending.send_batch(message=message)
        if not result.claimed:
            return sent, dict(Backend.received)
        sent += result.sent


def dynamic_part() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from contacts.models import Contact
    from outbound import audiences, services
    from outbound.models import OutboundMessage
    from workspaces.models import Membership, Workspace

    call_command("migrate", verbosity=0)  # the contacts bench may predate the outbound tables
    workspace = Workspace.objects.get(slug="bench-contacts")
    owner = Membership.objects.for_workspace(workspace).get(role="owner")
    total = Contact.objects.for_workspace(workspace).count()
    OutboundMessage.objects.for_workspace(workspace).filter(title="Bench dynamic").delete()
    Contact.objects.for_workspace(workspace).filter(external_id__startswith="bench-new-").delete()
    rule = {"version": 1, "match": "all", "rules": [
        {"field": "country", "operator": "is", "value": "Japan"},
        {"field": "custom.plan", "operator": "is", "value": "pro"},
    ]}
    message = services.message_create(workspace=workspace, actor=owner, title="Bench dynamic", sender=owner,
                                      subject="Hi", body="<p>Hi</p>", rule=rule, delivery="dynamic")
    services.message_set_live(message=message, actor=owner)
    started = time.perf_counter()
    first = audiences.audience_evaluate(message=message)
    first_s = time.perf_counter() - started
    with connection.cursor() as cursor:  # people who start matching after the first evaluation
        cursor.execute(
            """
            INSERT INTO contacts_contact (workspace_id, role, name, email, name_is_generated, session_count,
                page_view_count, last_page_url, last_page_title, referrer, browser, browser_version, os, device_type,
                language, timezone, country, city, attributes, created_at, updated_at, is_troubled, external_id)
            SELECT %s, 'user', 'New ' || g, 'new' || g || '@example.com', false, 0, 0, '', '', '', '', '', '', '',
                'ja', 'Asia/Tokyo', 'Japan', 'Tokyo', '{"plan": "pro"}', now(), now(), false, 'bench-new-' || g
            FROM generate_series(1, %s) AS g
            """, [workspace.pk, NEW_MATCHES])
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        found = audiences.audience_evaluate(message=message)
        timings.append(time.perf_counter() - started)
        if len(timings) == 1:
            assert found == NEW_MATCHES, found
    print(f"dynamic audience over {total:,} contacts ({first:,} matching): first evaluation {first_s:.2f} s; "
          f"re-evaluation finding the {NEW_MATCHES:,} new matches {timings[0]:.2f} s; "
          f"again with none new {min(timings[1:]):.2f} s")
    OutboundMessage.objects.for_workspace(workspace).filter(pk=message.pk).update(state="stopped")
    OutboundMessage.objects.for_workspace(workspace).filter(pk=message.pk).delete()
    Contact.objects.for_workspace(workspace).filter(external_id__startswith="bench-new-").delete()


def main() -> None:
    if DYNAMIC:
        dynamic_part()
        return
    send_part()
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'parley_bench_contacts'").fetchone()
    if not exists:
        print("dynamic audience: skipped, run bench/contacts.py first to seed 1M contacts")
        return
    subprocess.run([sys.executable, __file__, "--dynamic"], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
