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


@shared_task(name="contacts.import_run", bind=True, max_retries=5)
def import_run(self, workspace_id: int, import_id: int) -> int:  # type: ignore[no-untyped-def]
    """Transient database trouble is retried with backoff: the run resumes from the last
    committed batch. After the last retry the import is marked failed, visibly."""
    from django.db import IntegrityError, InterfaceError, OperationalError

    from contacts.import_runner import import_fail
    from contacts.import_runner import import_run as run
    from contacts.models import ContactImport

    with workspace_scope(workspace_id):
        try:
            contact_import = run(workspace_id=workspace_id, import_id=import_id)
        except (OperationalError, InterfaceError, IntegrityError) as exc:
            # IntegrityError: someone created the same user ID between lookup and insert
            # (the messenger identifying them); the retry's lookup finds them.
            if self.request.retries >= self.max_retries:
                import_fail(workspace_id=workspace_id, import_id=import_id,
                            failure=ContactImport.Failure.INTERRUPTED)
                return 0
            raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
        return contact_import.processed_rows if contact_import is not None else 0
