"""A real Celery worker process takes a real task off Redis: the invitation a service
creates is emailed by the worker, not by the test calling the task itself."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.factories import InvitationFactory, MembershipFactory, WorkspaceFactory
from tests.workers import READY_DEADLINE_SECONDS, TASK_DEADLINE_SECONDS, Worker, complete_mail_files, mail_text, wait_for
from workspaces.models import Invitation, Membership


@pytest.mark.worker
def test_a_real_worker_sends_the_invitation_the_service_enqueued(transactional_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config import celery_app

    queue = f"test-{uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    owner = MembershipFactory(
        workspace=WorkspaceFactory(name="Acme", slug="acme"), role=Membership.Role.OWNER, user__name="Olivia Owner"
    )

    worker = Worker(queue=queue, mail_dir=mail_dir)
    # Celery read its configuration when the app was first used, so overriding the Django
    # setting would change nothing; the app's own configuration is what `.delay` routes by.
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    passed = False
    try:
        worker.wait_until_ready(READY_DEADLINE_SECONDS)

        from workspaces.services import invitation_create

        # No atomic block around the call in a transactional test: the service's own
        # transaction commits on return, and its on_commit hook publishes the task then.
        invitation = invitation_create(
            workspace=owner.workspace, email="new.agent@example.com", role=Membership.Role.AGENT, invited_by=owner
        )

        sent_at = wait_for(
            lambda: Invitation.all_workspaces.get(pk=invitation.pk).sent_at, TASK_DEADLINE_SECONDS
        )
        assert sent_at is not None, "The worker did not mark the invitation as sent."
        # sent_at is claimed just before the message is written, so give the file a moment too.
        mails = wait_for(lambda: complete_mail_files(mail_dir), TASK_DEADLINE_SECONDS)
        assert len(mails) == 1, f"Expected one mail file in {mail_dir}, found {len(mails)}."
        text = mail_text(mails[0])
        assert "new.agent@example.com" in text
        assert "/invitations/" in text
        assert "Olivia Owner" in text
        passed = True
    finally:
        celery_app.conf.task_default_queue = previous_queue
        worker.stop()
        if not passed:
            print(f"--- Celery worker output (queue {queue}) ---\n{worker.output}")


def test_invitation_send_task_is_idempotent(db, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    from workspaces.tasks import invitation_send

    owner = MembershipFactory(workspace=WorkspaceFactory(name="Acme", slug="acme"), role=Membership.Role.OWNER)
    invitation = InvitationFactory(workspace=owner.workspace, email="new.agent@example.com", invited_by=owner.user)

    first = invitation_send.run(owner.workspace_id, invitation.pk)
    second = invitation_send.run(owner.workspace_id, invitation.pk)

    assert first is True
    assert second is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.agent@example.com"]
    assert "/invitations/" in mailoutbox[0].body
    assert Invitation.all_workspaces.get(pk=invitation.pk).sent_at is not None
