"""A contact import through a real Celery worker: the mapping's commit enqueues the task on
Redis, another process imports the rows, and this one watches the checkpoint move."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts import imports
from contacts.models import Contact, ContactImport
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.workers import READY_DEADLINE_SECONDS, TASK_DEADLINE_SECONDS, Worker, wait_for
from workspaces.models import Membership


@pytest.mark.worker
def test_a_real_worker_imports_the_csv(transactional_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config import celery_app

    workspace = WorkspaceFactory(name="Acme", slug="acme")
    admin = MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN)
    rows = "".join(f"u-{n},person{n}@example.com,顧客 {n}\n" for n in range(2_500)) + "u-x,not-an-email,Bad\n"
    contact_import = imports.import_create(
        workspace=workspace, actor=admin, kind="users",
        upload=SimpleUploadedFile("people.csv", ("ユーザーID,メールアドレス,名前\n" + rows).encode("cp932")))

    queue = f"test-{uuid4().hex[:8]}"
    worker = Worker(queue=queue, mail_dir=tmp_path / "mail")
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    passed = False
    try:
        worker.wait_until_ready(READY_DEADLINE_SECONDS)
        mapping = [column.guess for column in imports.import_preview(contact_import=contact_import)]
        assert [entry["field"] for entry in mapping] == ["user_id", "email", "name"]
        # Commits on return; its on_commit hook publishes the task to the worker's queue.
        imports.import_start(contact_import=contact_import, mapping=mapping)

        done = wait_for(lambda: ContactImport.all_workspaces.filter(pk=contact_import.pk, status="done").first(),
                        TASK_DEADLINE_SECONDS)
        assert done is not None, "The worker did not finish the import."
        assert (done.processed_rows, done.created_count, done.failed_count) == (2_501, 2_500, 1)
        assert Contact.objects.for_workspace(workspace).count() == 2_500
        assert Contact.objects.for_workspace(workspace).get(external_id="u-7").name == "顧客 7"
        passed = True
    finally:
        celery_app.conf.task_default_queue = previous_queue
        worker.stop()
        if not passed:
            print(f"--- Celery worker output (queue {queue}) ---\n{worker.output}")
