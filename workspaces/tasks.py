from celery import shared_task

from workspaces.scoping import workspace_scope


@shared_task(name="workspaces.invitation_send", bind=True, max_retries=6, default_retry_delay=30)
def invitation_send(self, workspace_id: int, invitation_id: int) -> bool:  # type: ignore[no-untyped-def]
    from workspaces.services import invitation_send as send

    with workspace_scope(workspace_id):
        try:
            return send(invitation_id=invitation_id)
        except OSError as exc:  # SMTP/provider connection trouble is transient
            raise self.retry(exc=exc, countdown=30 * (2**self.request.retries))


@shared_task(name="workspaces.expire_invitations")
def expire_invitations() -> int:
    from workspaces.services import invitations_expire

    return invitations_expire()
