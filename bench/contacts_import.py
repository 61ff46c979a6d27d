"""CSV import throughput: 50,000 generated rows (user ID, email, name, sign-up date, two tags,
a company, four typed custom attributes; 1 % of rows bad) imported through the
contacts.import_run task function, in this process, against PostgreSQL in its own database.

Prints rows/s for a first import (every row creates a person) and for the same file again
(every row updates one), and the queries per batch. The issue's target is ≥ 2,000 rows/s.

    python bench/contacts_import.py          # ROWS=200000 for a bigger file
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import ensure_database  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley_bench_contacts_import")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("MEDIA_ROOT", "/tmp/parley-bench-contacts-import-media")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
ROWS = int(os.environ.get("ROWS", "50000"))
PLANS = ["free", "starter", "pro", "enterprise"]
TAGS = ["vip", "beta", "newsletter", "churn-risk", "event-2024", "partner"]


def csv_text(rows: int) -> str:
    rng = random.Random(5)
    lines = ["user_id,email,名前,signed_up,tags,company,plan,seats,trial,renews"]
    for n in range(rows):
        email = f"person{n}@example.com" if n % 100 else f"person{n}-at-example.com"  # 1 % bad
        tags = ", ".join(rng.sample(TAGS, 2))
        lines.append(
            f'u-{n},{email},顧客 {n},2024-{1 + n % 12:02d}-{1 + n % 28:02d} 10:00,"{tags}",Company {n % 500},'
            f"{PLANS[n % 4]},{n % 50},{'true' if n % 3 else 'false'},2025/{1 + n % 12}/{1 + n % 28}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from contacts import imports, tasks
    from contacts.import_runner import BATCH_SIZE
    from contacts.models import ContactImport
    from workspaces import services
    from workspaces.models import Membership

    call_command("migrate", verbosity=0)
    # A fresh workspace per run, so the first import really creates everyone.
    stamp = int(time.time())
    owner = User.objects.create_user(email=f"import-owner-{stamp}@example.com", password="x" * 12, name="Owner")
    workspace = services.workspace_create(name="Bench import", slug=f"bench-import-{stamp}", owner=owner)
    actor = Membership.objects.for_workspace(workspace).get()
    text = csv_text(ROWS)
    print(f"{ROWS:,} rows, {len(text.encode()) / 1e6:.1f} MB, batches of {BATCH_SIZE:,}")

    # The task is run here, not by a worker: don't let the mapping's commit enqueue it.
    tasks.import_run.delay = lambda *args, **kwargs: None
    for label in ("first import (creates)", "same file again (updates)"):
        started = time.perf_counter()
        contact_import = imports.import_create(workspace=workspace, actor=actor, kind="users",
                                               upload=SimpleUploadedFile("bench.csv", text.encode()))
        mapping = [column.guess for column in imports.import_preview(contact_import=contact_import)]
        imports.import_start(contact_import=contact_import, mapping=mapping)
        prepared = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            tasks.import_run(workspace.pk, contact_import.pk)
        elapsed = time.perf_counter() - prepared
        done = ContactImport.objects.for_workspace(workspace).get(pk=contact_import.pk)
        assert done.status == "done" and done.processed_rows == ROWS, (done.status, done.processed_rows)
        batches = -(-ROWS // BATCH_SIZE)
        print(f"{label:28} {ROWS / elapsed:8,.0f} rows/s  ({elapsed:.1f} s; upload and mapping "
              f"{prepared - started:.1f} s; created {done.created_count:,}, updated {done.updated_count:,}, "
              f"failed {done.failed_count:,}; {len(captured.captured_queries) / batches:.1f} queries per batch)")


if __name__ == "__main__":
    main()
