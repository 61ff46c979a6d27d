from celery import shared_task

from workspaces.scoping import workspace_scope


@shared_task(name="contacts.segment_rebuild")
def segment_rebuild(workspace_id: int, segment_id: int) -> int:
    from contacts.models import Segment
    from contacts.segments import segment_rebuild as rebuild

    with workspace_scope(workspace_id):
        segment = Segment.objects.for_workspace(workspace_id).select_related("workspace").filter(pk=segment_id).first()
        return rebuild(segment=segment) if segment is not None else 0


@shared_task(name="contacts.segments_refresh_contact")
def segments_refresh_contact(workspace_id: int, contact_id: int) -> tuple[int, int]:
    from contacts.segments import segments_refresh_contact as refresh

    with workspace_scope(workspace_id):
        return refresh(workspace_id=workspace_id, contact_id=contact_id)


@shared_task(name="contacts.segments_sweep")
def segments_sweep() -> int:
    from contacts.segments import segments_sweep as sweep

    return sweep()
