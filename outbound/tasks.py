"""Thin task wrappers (STYLE 3.5): ids in, services do the work. Sends run on the `bulk`
queue so a large campaign never delays the interactive work on the default queue."""

from __future__ import annotations

from celery import shared_task

BULK_QUEUE = "bulk"
PARALLEL_SENDERS = 2  # batch chains per message (the demo and CI machines have two cores)


@shared_task(name="outbound.message_evaluate", queue=BULK_QUEUE)
def message_evaluate(workspace_id: int, message_id: int) -> int:
    """Write deliveries for the audience's new matches, then start sending them."""
    from contacts.audience import RuleError
    from outbound.audiences import audience_evaluate
    from outbound.models import OutboundMessage
    from workspaces.scoping import workspace_scope

    with workspace_scope(workspace_id):
        message = OutboundMessage.objects.for_workspace(workspace_id).select_related("workspace").filter(
            pk=message_id).first()
        if message is None or message.state != OutboundMessage.State.LIVE:
            return 0
        try:
            added = audience_evaluate(message=message)
        except RuleError:
            return 0
    for _ in range(PARALLEL_SENDERS):
        message_send_batch.delay(workspace_id, message_id)
    return added


@shared_task(name="outbound.message_send_batch", queue=BULK_QUEUE)
def message_send_batch(workspace_id: int, message_id: int) -> int:
    """One batch; enqueues the next while rows wait (a retry waits out its backoff)."""
    from outbound.models import OutboundMessage
    from outbound.sending import send_batch
    from workspaces.scoping import workspace_scope

    with workspace_scope(workspace_id):
        message = OutboundMessage.objects.for_workspace(workspace_id).select_related(
            "workspace", "sender__user", "template").filter(pk=message_id).first()
        if message is None:
            return 0
        result = send_batch(message=message)
    if result.claimed and result.more:
        message_send_batch.delay(workspace_id, message_id)
    elif result.retry_in:
        message_send_batch.apply_async((workspace_id, message_id), countdown=result.retry_in)
    return result.sent


@shared_task(name="outbound.dynamic_sweep", queue=BULK_QUEUE)
def dynamic_sweep() -> int:
    """Beat: scheduled messages whose time came go live; live dynamic messages find their
    new matches."""
    from outbound.models import OutboundMessage
    from outbound.services import scheduled_start

    scheduled_start()
    # Crosses workspaces on purpose: a periodic sweep naming messages to their own tasks.
    live = OutboundMessage.all_workspaces.filter(
        state=OutboundMessage.State.LIVE, delivery=OutboundMessage.DeliveryMode.DYNAMIC
    ).values_list("workspace_id", "pk")
    for workspace_id, message_id in live:
        message_evaluate.delay(workspace_id, message_id)
    return len(live)


@shared_task(name="outbound.leases_sweep", queue=BULK_QUEUE)
def leases_sweep() -> int:
    """Beat: deliveries whose worker died mid-send go back to their message's queue."""
    from outbound.sending import leases_sweep as sweep

    pairs = sweep()
    for workspace_id, message_id in pairs:
        message_send_batch.delay(workspace_id, message_id)
    return len(pairs)
