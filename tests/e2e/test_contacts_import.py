"""An admin imports 10,000 people from a CSV in the browser while a real Celery worker does
the work, and watches the progress bar move and the counts arrive.

The worker is fast (a few thousand rows a second), so a one-second poll could in principle
jump from 0 to 100 %. To make the "bar advances" observation certain rather than lucky, the
test briefly holds a row lock on the import once some rows are in: the worker's next batch
waits for it (batches take that lock to move the checkpoint), while the progress page reads
without locking and shows the intermediate count. Then the lock is released and the import
runs to the end."""

from __future__ import annotations

import time
from uuid import uuid4

import psycopg
import pytest
from playwright.sync_api import Page, expect

from contacts.models import Contact, ContactImport
from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory
from tests import servers
from tests.workers import READY_DEADLINE_SECONDS, Worker
from workspaces.models import Membership

ROWS = 10_000
BAD_EVERY = 1_000  # ten rows with an email that is not one


@pytest.fixture
def worker(tmp_path):  # type: ignore[no-untyped-def]
    from config import celery_app

    queue = f"test-{uuid4().hex[:8]}"
    process = Worker(queue=queue, mail_dir=tmp_path / "mail")
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        process.wait_until_ready(READY_DEADLINE_SECONDS)
        yield process
    finally:
        celery_app.conf.task_default_queue = previous_queue
        process.stop()


def _hold_the_import_part_way(import_id: int, deadline_seconds: float = 30) -> tuple[psycopg.Connection, int]:
    """Wait until some but not all rows are in, then keep the import row locked (the
    caller commits to let the worker go on). Returns the connection and the rows done."""
    connection = psycopg.connect(servers.test_database_url())
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        row = connection.execute(
            "SELECT processed_rows, total_rows FROM contacts_contactimport WHERE id = %s FOR UPDATE", [import_id]
        ).fetchone()
        if row and 0 < row[0] < row[1]:
            return connection, row[0]
        connection.rollback()
        time.sleep(0.02)
    connection.close()
    pytest.fail("The worker never got part-way through the import.")


def test_a_real_worker_imports_10000_rows_while_the_bar_advances(page: Page, live_server, worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme")
    MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__email="adam@example.com")
    csv_path = tmp_path / "顧客リスト.csv"
    lines = ["名前,メールアドレス,ユーザーID,タグ,Plan"]
    for n in range(ROWS):
        email = f"bad-{n}" if n % BAD_EVERY == 0 else f"person{n}@example.com"
        lines.append(f"顧客 {n},{email},u-{n},\"vip, beta\",{'pro' if n % 2 else 'free'}")
    csv_path.write_bytes(("\n".join(lines) + "\n").encode("cp932"))  # as Excel in Japan saves it

    sign_in(page, live_server, "adam@example.com")
    page.goto(f"{live_server.url}/w/acme/contacts/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_label("Users").check()
    page.get_by_role("button", name="Upload and choose columns").click()

    expect(page.get_by_role("heading", name="Choose what each column holds")).to_be_visible()
    expect(page.locator("#id_column_1")).to_have_value("email")
    expect(page.locator("#id_column_4")).to_have_value("new")  # Plan becomes a new attribute
    page.get_by_role("button", name="Start the import").click()

    bar = page.locator("#import-progress-bar")
    expect(bar).to_be_visible()
    contact_import = ContactImport.objects.for_workspace(workspace).get()
    expect(bar).to_have_attribute("max", str(ROWS))

    seen: list[int] = []
    lock, part_way = _hold_the_import_part_way(contact_import.pk)
    try:
        expect(bar).to_have_attribute("value", str(part_way), timeout=10_000)
        seen.append(int(bar.get_attribute("value") or 0))
        expect(page.locator("#import-progress")).to_have_attribute("data-status", "running")
    finally:
        lock.commit()
        lock.close()

    deadline = time.monotonic() + 40
    while page.locator("#import-progress").get_attribute("data-status") != "done":
        seen.append(int(bar.get_attribute("value") or 0))
        assert time.monotonic() < deadline, f"The import did not finish; the bar showed {seen[-5:]}"
        time.sleep(0.1)
    seen.append(int(bar.get_attribute("value") or 0))

    assert 0 < seen[0] < ROWS, seen[:3]
    assert seen == sorted(seen), "The bar went backwards"
    assert seen[-1] == ROWS
    bad = ROWS // BAD_EVERY
    expect(page.locator("#import-percent")).to_have_text("100%")
    expect(page.locator("#import-created")).to_have_text(str(ROWS - bad))
    expect(page.locator("#import-updated")).to_have_text("0")
    expect(page.locator("#import-failed")).to_have_text(str(bad))
    expect(page.get_by_role("link", name="Download the rows that failed (CSV)")).to_be_visible()
    expect(page.get_by_text("“bad-0” is not an email address.")).to_be_visible()
    # Polling stopped once the import was done.
    assert page.locator("#import-progress").get_attribute("hx-trigger") is None

    assert Contact.objects.for_workspace(workspace).count() == ROWS - bad
    person = Contact.objects.for_workspace(workspace).get(external_id="u-7")
    assert (person.name, person.email, person.attributes) == ("顧客 7", "person7@example.com", {"Plan": "pro"})
