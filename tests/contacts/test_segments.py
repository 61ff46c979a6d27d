"""Segments keep their members current: rebuilt on save and by the sweep, and following a
contact whose data changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contacts import segments
from contacts.models import Segment, SegmentMember
from contacts.services import contact_tag, contact_untag, event_track
from core.exceptions import ApplicationError
from contacts.audience import RuleError
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def japan():  # type: ignore[no-untyped-def]
    return {"version": 1, "match": "all", "rules": [{"field": "country", "operator": "is", "value": "Japan"}]}


def members(segment):  # type: ignore[no-untyped-def]
    return sorted(SegmentMember.objects.for_workspace(segment.workspace_id).filter(segment=segment)
                  .values_list("contact__name", flat=True))


def test_saving_builds_the_members_after_commit(workspace, owner, eager_celery, django_capture_on_commit_callbacks):
    ContactFactory(workspace=workspace, name="Aoi", country="Japan")
    ContactFactory(workspace=workspace, name="Ben", country="France")
    ContactFactory(workspace=workspace, name="Visitor", country="Japan", role="visitor")
    with django_capture_on_commit_callbacks(execute=True):
        segment = segments.segment_save(workspace=workspace, segment=None, name="Japan", rule=japan(), actor=owner)
    segment.refresh_from_db()
    assert members(segment) == ["Aoi"] and segment.member_count == 1 and segment.refreshed_at


def test_rebuild_adds_newcomers_and_removes_leavers(workspace):
    aoi = ContactFactory(workspace=workspace, name="Aoi", country="Japan")
    segment = Segment.objects.create(workspace=workspace, name="Japan", rule=japan())
    assert segments.segment_rebuild(segment=segment) == 1
    aoi.country = "France"
    aoi.save()
    ContactFactory(workspace=workspace, name="Chie", country="Japan")
    assert segments.segment_rebuild(segment=segment) == 1
    assert members(segment) == ["Chie"]


def test_a_changed_contact_enters_and_leaves_through_the_event_bus(workspace, eager_celery,
                                                                   django_capture_on_commit_callbacks):
    from workspaces.models import Tag

    vip = Tag.objects.create(workspace=workspace, name="VIP")
    segment = Segment.objects.create(workspace=workspace, name="VIPs", rule={
        "version": 1, "match": "all", "rules": [{"field": "tag", "operator": "has", "value": vip.pk}]})
    aoi = ContactFactory(workspace=workspace, name="Aoi")
    with django_capture_on_commit_callbacks(execute=True):
        contact_tag(contact=aoi, name="vip")
    assert members(segment) == ["Aoi"]
    from django.core.cache import cache

    cache.clear()  # the debounce window, as if it had passed
    with django_capture_on_commit_callbacks(execute=True):
        contact_untag(contact=aoi, tag=vip)
    assert members(segment) == []
    segment.refresh_from_db()
    assert segment.member_count == 0


def test_events_move_people_too(workspace):
    segment = Segment.objects.create(workspace=workspace, name="Exporters", rule={
        "version": 1, "match": "all", "rules": [{"field": "event.exported", "operator": "performed"}]})
    aoi = ContactFactory(workspace=workspace, name="Aoi")
    event_track(contact=aoi, name="exported", metadata={})
    assert segments.segments_refresh_contact(workspace_id=workspace.pk, contact_id=aoi.pk) == (1, 0)
    assert segments.segments_refresh_contact(workspace_id=workspace.pk, contact_id=aoi.pk) == (0, 0)
    assert members(segment) == ["Aoi"]


def test_the_sweep_catches_rules_that_move_with_time(workspace):
    ContactFactory(workspace=workspace, name="Aoi", last_seen_at=timezone.now() - dt.timedelta(days=29, hours=23))
    segment = Segment.objects.create(workspace=workspace, name="Gone quiet", rule={
        "version": 1, "match": "all", "rules": [{"field": "last_seen_at", "operator": "more_than_days_ago", "value": 30}]})
    segments.segment_rebuild(segment=segment)
    assert members(segment) == []
    from contacts.models import Contact

    Contact.objects.for_workspace(workspace).update(last_seen_at=timezone.now() - dt.timedelta(days=31))
    assert segments.segments_sweep() >= 1
    assert members(segment) == ["Aoi"]


def test_names_are_unique_and_required(workspace, owner):
    segments.segment_save(workspace=workspace, segment=None, name="Japan", rule=japan(), actor=owner)
    with pytest.raises(ApplicationError):
        segments.segment_save(workspace=workspace, segment=None, name="japan", rule=japan(), actor=owner)
    with pytest.raises(ApplicationError):
        segments.segment_save(workspace=workspace, segment=None, name="  ", rule=japan(), actor=owner)


def test_a_segment_cannot_be_made_to_include_itself(workspace, owner):
    first = segments.segment_save(workspace=workspace, segment=None, name="A", rule=japan(), actor=owner)
    second = segments.segment_save(workspace=workspace, segment=None, name="B", rule={
        "version": 1, "match": "all", "rules": [{"field": "segment", "operator": "in", "value": first.pk}]}, actor=owner)
    with pytest.raises(RuleError):
        segments.segment_save(workspace=workspace, segment=first, name="A", rule={
            "version": 1, "match": "all", "rules": [{"field": "segment", "operator": "in", "value": second.pk}]},
            actor=owner)
    first.refresh_from_db()
    assert first.rule == japan()  # nothing half-written
    with pytest.raises(ApplicationError, match="uses this one"):
        segments.segment_delete(segment=first)


class TestViews:
    def test_save_update_and_delete_through_the_page(self, workspace, client_agent, eager_celery):
        base = f"/w/{workspace.slug}/contacts/"
        import json

        response = client_agent.post(base + "segments/", {"name": "Japan", "rule": json.dumps(japan())})
        segment = Segment.objects.for_workspace(workspace).get()
        assert response.status_code == 302 and response["Location"].endswith(f"?segment={segment.pk}")
        page = client_agent.get(base + f"?segment={segment.pk}").content.decode()
        assert 'data-segment="%d"' % segment.pk in page and "Japan" in page
        client_agent.post(base + f"segments/{segment.pk}/", {"rule": json.dumps({"match": "all", "rules": []})})
        segment.refresh_from_db()
        assert segment.rule["rules"] == []
        client_agent.post(base + f"segments/{segment.pk}/delete/")
        assert not Segment.objects.for_workspace(workspace).exists()

    def test_a_bad_rule_is_refused_with_its_reason_and_nothing_saved(self, workspace, client_agent):
        response = client_agent.post(f"/w/{workspace.slug}/contacts/segments/", follow=True, data={
            "name": "Broken", "rule": '{"match":"all","rules":[{"field":"password","operator":"is","value":"x"}]}'})
        assert "Unknown field" in response.content.decode()
        assert not Segment.objects.for_workspace(workspace).exists()

    def test_bulk_tag_touches_only_this_workspaces_people(self, workspace, other_workspace, client_agent):
        ours = ContactFactory(workspace=workspace)
        theirs = ContactFactory(workspace=other_workspace)
        client_agent.post(f"/w/{workspace.slug}/contacts/bulk/tag/", {"contact": [ours.pk, theirs.pk], "tag": "Webinar"})
        assert list(ours.tags.values_list("name", flat=True)) == ["Webinar"]
        assert not theirs.tags.exists()


def test_members_go_with_their_contact_and_their_segment(workspace):
    aoi = ContactFactory(workspace=workspace, name="Aoi", country="Japan")
    ben = ContactFactory(workspace=workspace, name="Ben", country="Japan")
    segment = Segment.objects.create(workspace=workspace, name="Japan", rule=japan())
    segments.segment_rebuild(segment=segment)
    aoi.delete()
    assert members(segment) == ["Ben"]
    segment.delete()
    assert not SegmentMember.objects.for_workspace(workspace).filter(contact=ben).exists()
