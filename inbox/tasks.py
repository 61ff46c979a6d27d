from celery import shared_task


@shared_task(name="inbox.conversations_wake")
def conversations_wake() -> int:
    from inbox.services import conversations_wake as wake

    return wake()


@shared_task(name="inbox.reply_email_send", bind=True, max_retries=5)
def reply_email_send(self, workspace_id: int, part_id: int) -> str:  # type: ignore[no-untyped-def]
    from inbox.reply_emails import TransientSendError, reply_email_deliver

    try:
        return reply_email_deliver(
            workspace_id=workspace_id, part_id=part_id, final_attempt=self.request.retries >= self.max_retries
        )
    except TransientSendError as exc:
        # Backoff well inside the broker's visibility timeout (an hour).
        raise self.retry(exc=exc, countdown=30 * (2**self.request.retries))


@shared_task(name="inbox.reply_emails_sweep")
def reply_emails_sweep() -> int:
    from inbox.reply_emails import reply_emails_sweep as sweep

    return sweep()


@shared_task(name="inbox.inbound_email_process")
def inbound_email_process(workspace_id: int, inbound_id: int) -> str:
    from inbox.inbound_email import inbound_email_process as process

    return process(workspace_id=workspace_id, inbound_id=inbound_id)


@shared_task(name="inbox.inbound_emails_sweep")
def inbound_emails_sweep() -> int:
    from inbox.inbound_email import inbound_emails_sweep as sweep

    return sweep()
