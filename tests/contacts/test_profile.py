"""The contact profile: what it shows, what a teammate may change, and what it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts import profile_views
from contacts.models import AttributeDefinition, Contact, ContactEvent, Note, PageView
from contacts.services import contact_tag
from tests.contacts.profile_factories import AttributeDefinitionFactory, CompanyFactory
from tests.factories import ContactFactory, conversation_create

pytestmark = pytest.mark.django_db


def profile_url(contact: Contact) -> str:
    return reverse("contacts:contact", kwargs={"workspace_slug": contact.workspace.slug, "contact_id": contact.pk})


def fill(contact: Contact, rows: int) -> None:
    """Give the contact `rows` of everything the profile lists."""
    workspace = contact.workspace
    now = timezone.now()
    for n in range(rows):
        ContactEvent.objects.create(workspace=workspace, contact=contact, name=f"event-{n}", metadata={"n": n})
        PageView.objects.create(workspace=workspace, contact=contact, url=f"https://example.com/{n}",
                                created_at=now - dt.timedelta(minutes=n))
        Note.objects.create(workspace=workspace, contact=contact, body=f"note {n}")
        contact_tag(contact=contact, name=f"tag-{n}")
        contact.companies.add(CompanyFactory(workspace=workspace))
        AttributeDefinitionFactory(workspace=workspace, key=f"custom_{contact.pk}_{n}")
        conversation_create(workspace=workspace, contact=contact, body=f"hello {n}")


@pytest.fixture
def contact(workspace):  # type: ignore[no-untyped-def]
    return ContactFactory(workspace=workspace, role="user", name="Hana Sato", email="hana@example.com",
                          external_id="u-1", browser="Chrome", os="Mac OS X", device_type="desktop", language="ja",
                          timezone="Asia/Tokyo", country="Japan", city="Tokyo", session_count=4, page_view_count=9)


def test_the_profile_shows_who_the_person_is_and_what_they_did(client_agent, workspace, contact):
    company = CompanyFactory(workspace=workspace, name="Acme KK", plan="Pro")
    contact.companies.add(company)
    ContactEvent.objects.create(workspace=workspace, contact=contact, name="exported-report", metadata={"rows": 12})
    PageView.objects.create(workspace=workspace, contact=contact, url="https://example.com/pricing", title="Pricing",
                            created_at=timezone.now())
    conversation = conversation_create(workspace=workspace, contact=contact, body="Where is my invoice?")
    contact_tag(contact=contact, name="vip")
    Note.objects.create(workspace=workspace, contact=contact, body="Prefers email")

    response = client_agent.get(profile_url(contact))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Hana Sato", "hana@example.com", "u-1", "Chrome", "Japan", "Asia/Tokyo", "exported-report",
                 "Pricing", "Where is my invoice?", "vip", "Prefers email", "Acme KK",
                 "Articles viewed", "Messages received", "Tickets"):
        assert text in page, text
    assert reverse("inbox:conversation", kwargs={"workspace_slug": "acme", "number": conversation.number}) in page
    assert reverse("contacts:company", kwargs={"workspace_slug": "acme", "company_id": company.pk}) in page
    assert "_merge_form" not in page


def test_the_profile_costs_the_same_queries_for_3_or_30_rows(client_agent, workspace, django_assert_num_queries):
    few, many = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
    fill(few, 3)
    fill(many, 30)
    client_agent.get(profile_url(few))  # the navigation's counts are cached after the first page
    with CaptureQueriesContext(connection) as baseline:
        assert client_agent.get(profile_url(few)).status_code == 200
    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client_agent.get(profile_url(many))
    assert response.status_code == 200
    assert b"event-29" in response.content and b"note 29" in response.content


def test_events_page_by_keyset_and_the_older_page_is_a_fragment_for_htmx(client_agent, workspace, contact):
    for n in range(25):
        event = ContactEvent.objects.create(workspace=workspace, contact=contact, name=f"step-{n:02d}")
        # Two events share each second, so the cursor's id breaks the tie.
        ContactEvent.objects.for_workspace(workspace).filter(pk=event.pk).update(
            created_at=timezone.now() - dt.timedelta(seconds=100 - n // 2))
    first = client_agent.get(profile_url(contact))
    older_url = first.context["older_events_url"]
    assert [e.name for e in first.context["profile"].events] == [f"step-{n:02d}" for n in range(24, 4, -1)]
    assert older_url

    fragment = client_agent.get(profile_url(contact) + older_url, headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    assert [f"step-{n:02d}" in body for n in range(5)] == [True] * 5
    assert "step-05" not in body and "Older events" not in body


def test_a_teammate_edits_the_built_in_and_custom_attributes(client_agent, workspace, contact):
    plan = AttributeDefinitionFactory(workspace=workspace, key="plan", type="list", options=["free", "pro"])
    seats = AttributeDefinitionFactory(workspace=workspace, key="seats", type="number")
    beta = AttributeDefinitionFactory(workspace=workspace, key="beta", type="boolean")
    renewal = AttributeDefinitionFactory(workspace=workspace, key="renews_at", type="date")
    team = AttributeDefinitionFactory(workspace=workspace, key="team", type="string")

    response = client_agent.post(profile_url(contact), {
        "name": "Hana Suzuki", "email": "hana@suzuki.example", "external_id": "u-2", "signed_up": "2026-04-01",
        f"custom_{plan.pk}": "pro", f"custom_{seats.pk}": "12", f"custom_{beta.pk}": "on",
        f"custom_{renewal.pk}": "2026-09-30", f"custom_{team.pk}": "  Support  ",
    })

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.external_id) == ("Hana Suzuki", "hana@suzuki.example", "u-2")
    assert contact.signed_up_at == dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.timezone.utc)  # midnight in Tokyo
    assert contact.attributes == {"plan": "pro", "seats": 12, "beta": True,
                                  "renews_at": "2026-09-29T15:00:00+00:00", "team": "Support"}
    page = client_agent.get(profile_url(contact)).content.decode()
    assert 'value="2026-09-30"' in page and 'value="12"' in page


def test_saving_untouched_fields_leaves_unknown_attributes_unknown(client_agent, workspace, contact):
    AttributeDefinitionFactory(workspace=workspace, key="beta", type="boolean")
    AttributeDefinitionFactory(workspace=workspace, key="team", type="string")
    seats = AttributeDefinitionFactory(workspace=workspace, key="seats", type="number")
    contact.attributes = {"seats": 3}
    contact.save()

    client_agent.post(profile_url(contact), {"name": contact.name, "email": contact.email, "external_id": "u-1",
                                             f"custom_{seats.pk}": ""})

    contact.refresh_from_db()
    assert contact.attributes == {}  # seats cleared on purpose; beta and team never written


def test_mass_assignment_changes_nothing_but_the_allowed_fields(client_agent, workspace, other_workspace, contact, agent):
    other = ContactFactory(workspace=workspace)
    response = client_agent.post(profile_url(contact), {
        "name": "Still Hana", "email": contact.email, "external_id": "u-1",
        "role": "visitor", "workspace": other_workspace.pk, "workspace_id": other_workspace.pk,
        "merged_into": other.pk, "merged_into_id": other.pk, "is_staff": "on", "is_troubled": "on",
        "session_count": "999", "browser_id": "stolen", "attributes": '{"plan": "hacked"}',
    })

    assert response.status_code == 302
    contact.refresh_from_db()
    agent.user.refresh_from_db()
    assert contact.name == "Still Hana"
    assert (contact.role, contact.workspace_id, contact.merged_into_id) == ("user", workspace.pk, None)
    assert (contact.session_count, contact.browser_id, contact.is_troubled, contact.attributes) == (4, None, False, {})
    assert agent.user.is_staff is False


@pytest.mark.parametrize("kind, options, posted, error", [
    ("number", [], "twelve", "Enter a number."),
    ("number", [], "1e16", "less than or equal to"),
    ("list", ["free", "pro"], "enterprise", "Select a valid choice."),
    ("date", [], "2026-02-30", "Enter a valid date."),
    ("string", [], "x" * 256, "at most 255 characters"),
])
def test_custom_attributes_are_validated_by_their_type(client_agent, workspace, contact, kind, options, posted, error):
    definition = AttributeDefinitionFactory(workspace=workspace, key="value", type=kind, options=options)

    response = client_agent.post(profile_url(contact), {"name": "Changed", "email": contact.email,
                                                       "external_id": "u-1", f"custom_{definition.pk}": posted})

    assert response.status_code == 400
    assert error in response.content.decode()
    contact.refresh_from_db()
    assert contact.name == "Hana Sato" and contact.attributes == {}


def test_built_in_fields_are_validated_and_the_form_shows_why(client_agent, workspace, contact):
    ContactFactory(workspace=workspace, external_id="taken")

    response = client_agent.post(profile_url(contact), {"name": "Hana", "email": "not-an-email",
                                                       "external_id": "taken"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page and "Another person already has this user ID." in page
    contact.refresh_from_db()
    assert (contact.email, contact.external_id) == ("hana@example.com", "u-1")


def test_an_email_makes_a_visitor_a_lead(client_agent, workspace):
    visitor = ContactFactory(workspace=workspace, role="visitor", email="", name="Blue Fox from Kyoto")

    client_agent.post(profile_url(visitor), {"name": "Blue Fox from Kyoto", "email": "fox@example.com"})

    visitor.refresh_from_db()
    assert (visitor.role, visitor.email) == ("lead", "fox@example.com")


def test_archived_attributes_are_shown_but_not_editable(client_agent, workspace, contact):
    old = AttributeDefinitionFactory(workspace=workspace, key="legacy_score", type="number",
                                     archived_at=timezone.now())
    contact.attributes = {"legacy_score": 7}
    contact.save()

    page = client_agent.get(profile_url(contact)).content.decode()
    assert "legacy_score" in page and f'name="custom_{old.pk}"' not in page

    client_agent.post(profile_url(contact), {"name": contact.name, "email": contact.email, "external_id": "u-1",
                                             f"custom_{old.pk}": "99"})
    contact.refresh_from_db()
    assert contact.attributes == {"legacy_score": 7}


def test_tags_are_added_and_removed_and_htmx_gets_the_card(client_agent, workspace, contact):
    url = reverse("contacts:contact_tag", kwargs={"workspace_slug": "acme", "contact_id": contact.pk})
    assert client_agent.post(url, {"name": "Churn risk"}).status_code == 302
    fragment = client_agent.post(url, {"name": "vip"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b'id="contact-tags"' in fragment.content and b"<html" not in fragment.content
    assert sorted(contact.tags.values_list("name", flat=True)) == ["Churn risk", "vip"]

    vip = contact.tags.get(name="vip")
    client_agent.post(reverse("contacts:contact_untag", kwargs={"workspace_slug": "acme", "contact_id": contact.pk,
                                                                 "tag_id": vip.pk}))
    assert list(contact.tags.values_list("name", flat=True)) == ["Churn risk"]

    refused = client_agent.post(url, {"name": ""}, headers={"HX-Request": "true"})
    assert b"A tag needs a name" in refused.content


def test_notes_are_added_with_their_author(client_agent, agent, workspace, contact):
    url = reverse("contacts:contact_note", kwargs={"workspace_slug": "acme", "contact_id": contact.pk})
    assert client_agent.post(url, {"body": "Called about the renewal"}).status_code == 302
    note = Note.objects.for_workspace(workspace).get(contact=contact)
    assert (note.body, note.author_id) == ("Called about the renewal", agent.pk)

    refused = client_agent.post(url, {"body": "   "}, headers={"HX-Request": "true"})
    assert b"Write a note" in refused.content
    assert Note.objects.for_workspace(workspace).filter(contact=contact).count() == 1


def test_the_merge_form_is_included_only_when_it_exists(client_agent, contact, settings, tmp_path):
    template = tmp_path / "contacts" / "partials" / "_merge_form.html"
    template.parent.mkdir(parents=True)
    template.write_text('<form id="merge-form-from-elsewhere">{{ contact.pk }}</form>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    profile_views.merge_form_available.cache_clear()
    try:
        page = client_agent.get(profile_url(contact)).content.decode()
    finally:
        profile_views.merge_form_available.cache_clear()
    assert f'<form id="merge-form-from-elsewhere">{contact.pk}</form>' in page


def test_a_merged_away_contact_is_not_found(client_agent, workspace, contact):
    lead = ContactFactory(workspace=workspace, merged_into=contact)
    assert client_agent.get(profile_url(lead)).status_code == 404


def test_definitions_of_companies_and_events_are_not_person_fields(client_agent, workspace, contact):
    AttributeDefinition.objects.create(workspace=workspace, target="company", key="tier", type="string")
    AttributeDefinition.objects.create(workspace=workspace, target="event", key="signed-in", type="event")
    page = client_agent.get(profile_url(contact)).content.decode()
    assert "tier" not in page and "signed-in" not in page


def test_a_japanese_speaking_agent_reads_the_profile_in_japanese(client_agent, agent, contact):
    agent.user.language = "ja"
    agent.user.save()
    page = client_agent.get(profile_url(contact)).content.decode()
    for text in ("イベント履歴", "閲覧した記事", "受け取ったメッセージ", "このユーザーについてのメモ", "種類"):
        assert text in page, text


def test_local_time_is_the_persons_own_not_the_workspaces(client_agent, contact):
    import zoneinfo

    contact.timezone = "America/New_York"
    contact.save()
    before = timezone.now().astimezone(zoneinfo.ZoneInfo("America/New_York"))
    page = client_agent.get(profile_url(contact)).content.decode()
    after = timezone.now().astimezone(zoneinfo.ZoneInfo("America/New_York"))
    shown = page.split("data-local-time>", 1)[1][:5]
    assert shown in {before.strftime("%H:%M"), after.strftime("%H:%M")}


def test_an_edit_moves_the_person_into_the_segments_it_now_matches(client_agent, workspace, contact, eager_celery,
                                                                   django_capture_on_commit_callbacks):
    from contacts.models import Segment, SegmentMember

    renamed = Segment.objects.create(workspace=workspace, name="Suzukis", rule={"match": "all", "rules": [
        {"field": "name", "operator": "contains", "value": "Suzuki"}]})

    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(profile_url(contact), {"name": "Hana Suzuki", "email": contact.email, "external_id": "u-1"})

    assert SegmentMember.objects.for_workspace(workspace).filter(segment=renamed, contact=contact).exists()
