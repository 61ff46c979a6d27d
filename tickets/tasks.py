from celery import shared_task

from workspaces.scoping import workspace_scope


@shared_task(name="tickets.state_email", bind=True, max_retries=5, default_retry_delay=60)
def ticket_state_email(self, workspace_id: int, ticket_id: int, state: str) -> bool:  # type: ignore[no-untyped-def]
    from tickets.notifications import state_email_send

    with workspace_scope(workspace_id):
        try:
            return state_email_send(workspace_id=workspace_id, ticket_id=ticket_id, state=state)
        except OSError as exc:  # SMTP/provider connection trouble is transient
            raise self.retry(exc=exc, countdown=60 * (2**self.request.retries))
