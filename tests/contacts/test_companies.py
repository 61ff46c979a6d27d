"""Companies: the list with people counts, search and keyset pages; each company's profile."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import selectors
from contacts.models import Note, Segment
from tests.contacts.profile_factories import AttributeDefinitionFactory, CompanyFactory
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
LIST_URL = reverse("contacts:companies", kwargs={"workspace_slug": "acme"})


def company_url(company) -> str:  # type: ignore[no-untyped-def]
    return reverse("contacts:company", kwargs={"workspace_slug": "acme", "company_id": company.pk})


def test_the_list_counts_people_but_not_visitors_or_merged_leads(client_agent, workspace):
    acme = CompanyFactory(workspace=workspace, name="Acme KK", company_id="c-acme", plan="Pro")
    ContactFactory(workspace=workspace, role="user").companies.add(acme)
    ContactFactory(workspace=workspace, role="lead").companies.add(acme)
    ContactFactory(workspace=workspace, role="visitor").companies.add(acme)
    kept = ContactFactory(workspace=workspace, role="user")
    ContactFactory(workspace=workspace, role="lead", merged_into=kept).companies.add(acme)
    CompanyFactory(workspace=workspace, name="Empty Inc")

    response = client_agent.get(LIST_URL)

    assert response.status_code == 200
    counts = {c.name: c.people_count for c in response.context["companies"]}
    assert counts == {"Acme KK": 2, "Empty Inc": 0}
    assert company_url(acme) in response.content.decode()


def test_search_by_name_or_company_id(client_agent, workspace):
    CompanyFactory(workspace=workspace, name="Acme KK", company_id="c-100")
    CompanyFactory(workspace=workspace, name="Globex", company_id="acme-legacy")
    CompanyFactory(workspace=workspace, name="Initech", company_id="c-300")

    by_name = client_agent.get(LIST_URL, {"q": "acme"}).context["companies"]
    by_id = client_agent.get(LIST_URL, {"q": "c-300"}).context["companies"]
    nothing = client_agent.get(LIST_URL, {"q": "zzz"})

    assert [c.name for c in by_name] == ["Acme KK", "Globex"]
    assert [c.name for c in by_id] == ["Initech"]
    assert "No company matches" in nothing.content.decode()


def test_the_list_pages_by_keyset_even_with_equal_names(client_agent, workspace, monkeypatch):
    monkeypatch.setattr(selectors, "COMPANY_PAGE", 2)
    made = [CompanyFactory(workspace=workspace, name=name) for name in ("Beta", "Alpha", "Beta", "Gamma", "Beta")]
    seen, url = [], LIST_URL
    while url:
        response = client_agent.get(url, headers={"HX-Request": "true"} if url != LIST_URL else {})
        assert response.status_code == 200
        page = response.content.decode()
        assert ("<html" in page) == (url == LIST_URL)  # later pages are rows for htmx to append
        seen += [int(pk) for pk in re.findall(r'id="company-(\d+)"', page)]
        more = re.search(r'hx-get="(\?[^"]*after=[^"]+)"', page)
        url = LIST_URL + html.unescape(more.group(1)) if more else None
    expected = sorted(made, key=lambda c: (c.name, c.pk))
    assert seen == [c.pk for c in expected]


def test_a_forged_cursor_is_ignored(client_agent, workspace):
    CompanyFactory(workspace=workspace, name="Acme")
    for after in ("not-base64!", "WzEsMl0=", "eyJhIjogMX0="):
        assert client_agent.get(LIST_URL, {"after": after}).status_code == 200


def test_the_list_costs_the_same_queries_for_3_or_30_companies(client_agent, workspace, django_assert_num_queries):
    def companies(n):  # type: ignore[no-untyped-def]
        for _ in range(n):
            company = CompanyFactory(workspace=workspace)
            ContactFactory(workspace=workspace).companies.add(company)

    companies(3)
    client_agent.get(LIST_URL)
    with CaptureQueriesContext(connection) as baseline:
        client_agent.get(LIST_URL)
    companies(27)
    with django_assert_num_queries(len(baseline.captured_queries)):
        response = client_agent.get(LIST_URL)
    assert len(response.context["companies"]) == 30


def test_the_company_profile_shows_and_edits_its_attributes(client_agent, workspace):
    tier = AttributeDefinitionFactory(workspace=workspace, target="company", key="tier", type="list",
                                      options=["gold", "silver"])
    seats = AttributeDefinitionFactory(workspace=workspace, target="company", key="seats", type="number")
    company = CompanyFactory(workspace=workspace, name="Acme KK", company_id="c-acme", attributes={"seats": 5})
    person = ContactFactory(workspace=workspace, name="Hana")
    person.companies.add(company)

    page = client_agent.get(company_url(company)).content.decode()
    assert "Acme KK" in page and "c-acme" in page and "Hana" in page and 'value="5"' in page

    response = client_agent.post(company_url(company), {
        "name": "Acme Japan", "plan": "Enterprise", "monthly_spend": "1200.50", "size": "80",
        "industry": "Software", "website": "acme.example", f"custom_{tier.pk}": "gold", f"custom_{seats.pk}": "",
        "company_id": "hijacked", "workspace": "999",
    })

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.plan, company.monthly_spend, company.size, company.industry, company.website) == (
        "Acme Japan", "Enterprise", Decimal("1200.50"), 80, "Software", "https://acme.example")
    assert company.company_id == "c-acme" and company.workspace_id == workspace.pk
    assert company.attributes == {"tier": "gold"}


def test_company_edits_are_validated(client_agent, workspace):
    company = CompanyFactory(workspace=workspace, name="Acme")
    response = client_agent.post(company_url(company), {"name": "Acme", "size": "-3", "monthly_spend": "lots",
                                                        "website": "not a url"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "greater than or equal to 0" in page and "Enter a number." in page and "Enter a valid URL." in page


def test_company_edits_rebuild_the_segments_that_read_companies(client_agent, workspace, django_capture_on_commit_callbacks):
    company = CompanyFactory(workspace=workspace, name="Acme", plan="Free")
    ContactFactory(workspace=workspace, role="user").companies.add(company)
    on_pro = Segment.objects.create(workspace=workspace, name="On pro", rule={"match": "all", "rules": [
        {"field": "company.plan", "operator": "is", "value": "Pro"}]})
    Segment.objects.create(workspace=workspace, name="Japan", rule={"match": "all", "rules": [
        {"field": "country", "operator": "is", "value": "Japan"}]})

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_agent.post(company_url(company), {"name": "Acme", "plan": "Pro"})

    assert len(callbacks) == 1  # only the segment reading company fields
    from contacts.segments import segment_rebuild

    assert segment_rebuild(segment=on_pro) == 1


def test_people_of_a_company_page_by_keyset(client_agent, workspace, monkeypatch):
    monkeypatch.setattr(selectors, "COMPANY_PEOPLE_PAGE", 2)
    company = CompanyFactory(workspace=workspace)
    people = [ContactFactory(workspace=workspace) for _ in range(5)]
    for person in people:
        person.companies.add(company)
    ContactFactory(workspace=workspace, role="visitor").companies.add(company)

    first = client_agent.get(company_url(company))
    assert [p.pk for p in first.context["people"]] == [people[4].pk, people[3].pk]
    second = client_agent.get(company_url(company) + first.context["next_people_url"], headers={"HX-Request": "true"})
    page = second.content.decode()
    assert "<html" not in page
    assert re.findall(r'id="person-(\d+)"', page) == [str(people[2].pk), str(people[1].pk)]


def test_notes_on_a_company(client_agent, agent, workspace):
    company = CompanyFactory(workspace=workspace)
    url = reverse("contacts:company_note", kwargs={"workspace_slug": "acme", "company_id": company.pk})

    fragment = client_agent.post(url, {"body": "Renewal in March"}, headers={"HX-Request": "true"})

    assert fragment.status_code == 200 and b"Renewal in March" in fragment.content
    note = Note.objects.for_workspace(workspace).get(company=company)
    assert (note.author_id, note.contact_id) == (agent.pk, None)
    assert b"Renewal in March" in client_agent.get(company_url(company)).content
