"""Segments: saved rules whose members are kept current. Membership is a table
(SegmentMember), so outbound audiences, counts in the navigation and "in segment"
conditions read rows instead of re-running every rule.

Three things move it: saving a segment rebuilds it at once (INSERT … SELECT of the compiled
rule, then DELETE of who left); a change to a contact re-evaluates that contact against
every segment of its workspace, debounced, in a task; and a periodic sweep rebuilds every
segment, for rules that move with time ("last seen more than 30 days ago")."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts import audience
from contacts.audience.engine import ContactFacts
from contacts.models import Contact, Segment, SegmentMember
from core.events import publish_on_commit, subscribe
from core.exceptions import ApplicationError
from workspaces.models import Membership, Workspace

logger = logging.getLogger(__name__)

REFRESH_DEBOUNCE_SECONDS = 20


# --- built-in views ------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltinSegment:
    key: str
    label: str
    rule: dict


def _days(field: str, operator: str, days: int) -> dict:
    return {"field": field, "operator": operator, "value": days}


BUILTIN_SEGMENTS: tuple[BuiltinSegment, ...] = (
    BuiltinSegment("users", gettext_lazy("All users"), {"match": "all", "rules": [
        {"field": "role", "operator": "is", "value": "user"}]}),
    BuiltinSegment("leads", gettext_lazy("All leads"), {"match": "all", "rules": [
        {"field": "role", "operator": "is", "value": "lead"}]}),
    BuiltinSegment("active", gettext_lazy("Active"), {"match": "all", "rules": [
        _days("last_seen_at", "less_than_days_ago", 30)]}),
    BuiltinSegment("new", gettext_lazy("New"), {"match": "any", "rules": [
        {"match": "all", "rules": [{"field": "role", "operator": "is", "value": "user"},
                                   _days("signed_up_at", "less_than_days_ago", 7)]},
        {"match": "all", "rules": [{"field": "role", "operator": "is", "value": "lead"},
                                   _days("first_seen_at", "less_than_days_ago", 7)]}]}),
    BuiltinSegment("slipping", gettext_lazy("Slipping away"), {"match": "all", "rules": [
        _days("last_seen_at", "more_than_days_ago", 30), _days("last_seen_at", "less_than_days_ago", 60)]}),
)
BUILTINS_BY_KEY = {builtin.key: builtin for builtin in BUILTIN_SEGMENTS}


def people_of(workspace: Workspace):  # type: ignore[no-untyped-def]
    """Users and leads: the contacts screens leave anonymous visitors apart, as Intercom does."""
    return Contact.objects.for_workspace(workspace).filter(merged_into__isnull=True).exclude(role=Contact.Role.VISITOR)


# --- saving and rebuilding -----------------------------------------------------------------


@transaction.atomic
def segment_save(*, workspace: Workspace, segment: Segment | None, name: str, rule: object,
                 actor: Membership) -> Segment:
    """Create or change a segment. Its members are rebuilt by a task after the commit
    (a large workspace's rebuild takes seconds; the request should not)."""
    from contacts.tasks import segment_rebuild as rebuild_task

    name = " ".join(name.split())[:80]
    if not name:
        raise ApplicationError(_("A segment needs a name."))
    parsed = audience.parse(rule, workspace=workspace)
    segment = segment or Segment(workspace=workspace, created_by=actor)
    segment.name, segment.rule = name, parsed.as_json()
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError as exc:
        raise ApplicationError(_("A segment with that name already exists.")) from exc
    # Read back through the segment itself: a rule reaching this segment again through
    # another one is refused here, and the transaction rolls back.
    audience.parse({"match": "all", "rules": [{"field": "segment", "operator": "in", "value": segment.pk}]},
                   workspace=workspace)
    transaction.on_commit(lambda: rebuild_task.delay(segment.workspace_id, segment.pk))
    return segment


def segment_delete(*, segment: Segment) -> None:
    """Delete a segment no other segment refers to."""
    for other in Segment.objects.for_workspace(segment.workspace_id).exclude(pk=segment.pk):
        if _mentions_segment(other.rule, segment.pk):
            raise ApplicationError(_("The segment %(name)s uses this one; change it first.") % {"name": other.name})
    segment.delete()


def _mentions_segment(rule: object, segment_id: int) -> bool:
    if isinstance(rule, dict):
        if rule.get("field") == "segment" and rule.get("value") == segment_id:
            return True
        return any(_mentions_segment(child, segment_id) for child in rule.get("rules", []) or [])
    return False


def segment_rebuild(*, segment: Segment) -> int:
    """Make the members exactly the contacts the rule selects now. The rule runs once, into
    a temporary table; then one INSERT … SELECT adds the newcomers and one DELETE removes
    those who left. Returns the member count."""
    workspace = segment.workspace
    rule = audience.parse(segment.rule, workspace=workspace)
    selected = audience.contacts(rule, workspace=workspace).exclude(role=Contact.Role.VISITOR).values("id")
    sql, params = selected.query.sql_with_params()
    members = SegmentMember._meta.db_table
    scratch = f"segment_selected_{segment.pk}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch} AS {sql}", params)
        cursor.execute(
            f"INSERT INTO {members} (workspace_id, segment_id, contact_id, joined_at) "
            f"SELECT %s, %s, picked.id, %s FROM {scratch} AS picked WHERE NOT EXISTS ("
            f"SELECT 1 FROM {members} AS member WHERE member.segment_id = %s AND member.contact_id = picked.id) "
            # A contact refreshed at the same moment may have just been added: not an error.
            f"ON CONFLICT (segment_id, contact_id) DO NOTHING",
            [segment.workspace_id, segment.pk, timezone.now(), segment.pk],
        )
        cursor.execute(
            f"DELETE FROM {members} WHERE segment_id = %s AND NOT EXISTS ("
            f"SELECT 1 FROM {scratch} AS picked WHERE picked.id = {members}.contact_id)",
            [segment.pk],
        )
        cursor.execute(f"SELECT count(*) FROM {scratch}")
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {scratch}")
        Segment.objects.for_workspace(segment.workspace_id).filter(pk=segment.pk).update(
            member_count=count, refreshed_at=timezone.now()
        )
    segment.member_count = count
    return count


def segments_sweep() -> int:
    """Rebuild every segment (beat): time moves rules such as "last seen 30 to 60 days ago"."""
    # Crosses workspaces on purpose: a periodic sweep; each segment is rebuilt in its own scope.
    rebuilt = 0
    for segment in Segment.all_workspaces.select_related("workspace").order_by("refreshed_at"):
        try:
            segment_rebuild(segment=segment)
            rebuilt += 1
        except audience.RuleError:
            logger.warning("segment_rule_invalid", extra={"workspace_id": segment.workspace_id, "segment_id": segment.pk})
    return rebuilt


# --- one contact changed -------------------------------------------------------------------


@dataclass(frozen=True)
class ContactChanged:
    """A contact's data changed (attributes, tags, events, companies, role)."""

    workspace_id: int
    contact_id: int


def contact_changed(*, contact: Contact) -> None:
    """Call from services that change what rules read; segments follow after the commit."""
    publish_on_commit(ContactChanged(workspace_id=contact.workspace_id, contact_id=contact.pk))


@subscribe(ContactChanged)
def _schedule_refresh(event: ContactChanged) -> None:
    from contacts.tasks import segments_refresh_contact

    # One refresh per contact per window, however many changes arrive meanwhile (a visit
    # updates the contact on every page).
    if cache.add(f"segments-refresh:{event.contact_id}", 1, REFRESH_DEBOUNCE_SECONDS):
        segments_refresh_contact.apply_async((event.workspace_id, event.contact_id), countdown=REFRESH_DEBOUNCE_SECONDS)


def segments_refresh_contact(*, workspace_id: int, contact_id: int) -> tuple[int, int]:
    """Put the contact in the segments whose rules it matches now and out of the others.
    Returns (joined, left)."""
    contact = Contact.objects.for_workspace(workspace_id).select_related("workspace").filter(pk=contact_id).first()
    segments = list(Segment.objects.for_workspace(workspace_id))
    if contact is None or not segments:
        return 0, 0
    facts = ContactFacts.load(contact)
    fields = audience.catalogue(contact.workspace)
    wanted = set()
    for segment in segments:
        try:
            rule = audience.parse(segment.rule, workspace=contact.workspace, fields=fields)
        except audience.RuleError:
            continue
        if contact.role != Contact.Role.VISITOR and audience.matches(rule, contact, facts=facts):
            wanted.add(segment.pk)
    with transaction.atomic():
        current = set(
            SegmentMember.objects.for_workspace(workspace_id).filter(contact=contact).values_list("segment_id", flat=True)
        )
        joined, left = wanted - current, current - wanted
        SegmentMember.objects.bulk_create(
            [SegmentMember(workspace_id=workspace_id, segment_id=pk, contact=contact) for pk in joined],
            ignore_conflicts=True,
        )
        SegmentMember.objects.for_workspace(workspace_id).filter(contact=contact, segment_id__in=left).delete()
        from django.db.models import F

        for pk in joined:
            Segment.objects.for_workspace(workspace_id).filter(pk=pk).update(member_count=F("member_count") + 1)
        for pk in left:
            Segment.objects.for_workspace(workspace_id).filter(pk=pk, member_count__gt=0).update(
                member_count=F("member_count") - 1
            )
    return len(joined), len(left)
