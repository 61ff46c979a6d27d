from celery import shared_task


@shared_task(name="core.realtime_prune")
def realtime_prune() -> int:
    from core.realtime import realtime_prune as prune

    return prune()
