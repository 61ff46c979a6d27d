from celery import shared_task


@shared_task(name="inbox.conversations_wake")
def conversations_wake() -> int:
    from inbox.services import conversations_wake as wake

    return wake()
