"""The customer sidebar: local time, tags and notes on the person and their companies."""

from __future__ import annotations

import datetime as dt

import pytest

from contacts.models import Company, Note
from contacts.selectors import customer_card
from tests.factories import ContactFactory, conversation_create

pytestmark = pytest.mark.django_db


def url(workspace, conversation, action):  # type: ignore[no-untyped-def]
    return f"/w/{workspace.slug}/inbox/c/{conversation.number}/customer/{action}"


def test_the_sidebar_shows_the_customers_local_time(workspace):
    contact = ContactFactory(workspace=workspace, timezone="Asia/Tokyo")
    noon_utc = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.timezone.utc)
    assert customer_card(contact=contact, now=noon_utc).local_time.hour == 12
    assert customer_card(contact=ContactFactory(workspace=workspace, timezone="Mars/Olympus")).local_time is None


def test_teammates_tag_the_customer_and_the_tag_is_shared(workspace, client_agent):
    conversation = conversation_create(workspace=workspace)
    client_agent.post(url(workspace, conversation, "tags/"), {"name": "VIP"})
    client_agent.post(url(workspace, conversation, "tags/"), {"name": "vip"})  # same tag, any case
    tags = list(conversation.contact.tags.values_list("name", flat=True))
    assert tags == ["VIP"]
    page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
    assert 'id="customer-tags"' in page and "VIP ×" in page
    tag = conversation.contact.tags.get()
    client_agent.post(url(workspace, conversation, f"tags/{tag.pk}/remove/"))
    assert not conversation.contact.tags.exists()


def test_notes_on_the_customer_and_their_company_show_beside_every_conversation(workspace, client_agent, agent):
    contact = ContactFactory(workspace=workspace)
    company = Company.objects.create(workspace=workspace, company_id="c-1", name="Tanaka Foods", plan="Pro")
    contact.companies.add(company)
    first, second = conversation_create(workspace=workspace, contact=contact), conversation_create(workspace=workspace, contact=contact)
    client_agent.post(url(workspace, first, "notes/"), {"body": "Prefers email <b>only</b>"})
    client_agent.post(url(workspace, first, "notes/"), {"body": "Renewal in March", "company": company.pk})
    note = Note.objects.for_workspace(workspace).get(contact=contact)
    assert note.author == agent and note.company is None
    assert Note.objects.for_workspace(workspace).get(company=company).contact is None
    page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{second.number}/").content.decode()
    assert "Prefers email &lt;b&gt;only&lt;/b&gt;" in page and "Renewal in March" in page and "Tanaka Foods (Pro)" in page


def test_a_company_the_customer_is_not_in_is_refused(workspace, client_agent, other_workspace):
    conversation = conversation_create(workspace=workspace)
    unrelated = Company.objects.create(workspace=workspace, company_id="c-2", name="Other Co")
    theirs = Company.objects.create(workspace=other_workspace, company_id="c-3", name="Theirs")
    for company in (unrelated, theirs):
        response = client_agent.post(url(workspace, conversation, "notes/"), {"body": "x", "company": company.pk})
        assert response.status_code == 404
    assert not Note.objects.for_workspace(workspace).exists()


def test_an_empty_note_is_refused_with_a_message(workspace, client_agent):
    conversation = conversation_create(workspace=workspace)
    response = client_agent.post(url(workspace, conversation, "notes/"), {"body": "   "}, follow=True)
    assert "Write a note" in response.content.decode()
    assert not Note.objects.for_workspace(workspace).exists()


def test_the_local_time_is_shown_in_the_customers_zone_not_the_servers(workspace, client_agent):
    import re

    contact = ContactFactory(workspace=workspace, timezone="Asia/Tokyo")
    conversation = conversation_create(workspace=workspace, contact=contact)
    page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
    shown = re.search(r"data-local-time>(\d\d):(\d\d)", page)
    tokyo_now = dt.datetime.now(dt.timezone(dt.timedelta(hours=9)))
    assert shown and int(shown.group(1)) in (tokyo_now.hour, (tokyo_now.hour - 1) % 24)
    assert f"/contacts/people/{contact.pk}/" in page  # the name links to the profile
