"""The people spreadsheet: any column sorts, keyset pages cover everyone once in either
direction (unknown values last), and the query count does not grow with the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contacts import audience, people_list
from contacts.models import AttributeDefinition
from contacts.segments import people_of
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(workspace):  # type: ignore[no-untyped-def]
    AttributeDefinition.objects.create(workspace=workspace, target="contact", key="seats", type="number")
    now = timezone.now()
    for index in range(23):
        attributes = {"seats": index % 5} if index % 4 else ({"seats": "many"} if index % 8 else {})
        ContactFactory(workspace=workspace, name=f"P{index:02d}", session_count=index % 3,
                       last_seen_at=None if index % 6 == 0 else now - dt.timedelta(hours=index % 7),
                       attributes=attributes)
    ContactFactory(workspace=workspace, name="Visitor", role="visitor")
    return workspace


def walk(workspace, sort_key, descending, limit=4):  # type: ignore[no-untyped-def]
    available = people_list.columns_available(audience.catalogue(workspace))
    sort = next(c for c in available if c.key == sort_key)
    seen, cursor = [], None
    while True:
        rows, cursor = people_list.people_page(people=people_of(workspace), sort=sort, descending=descending,
                                               columns=[], cursor=cursor, limit=limit)
        seen += rows
        if cursor is None:
            return seen


@pytest.mark.parametrize("sort_key", ["last_seen_at", "session_count", "name", "custom.seats"])
@pytest.mark.parametrize("descending", [True, False])
def test_keyset_pages_cover_everyone_once_in_order(crowd, sort_key, descending):
    rows = walk(crowd, sort_key, descending)
    assert len(rows) == 23 and len({r.pk for r in rows}) == 23  # the visitor is left apart
    values = [r.sort_value for r in rows]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == known  # unknown values come last
    assert known == sorted(known, reverse=descending)


def test_the_page_costs_the_same_queries_for_3_or_30_rows(workspace, client_agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int) -> int:
        for index in range(count):
            contact = ContactFactory(workspace=workspace, name=f"Q{count}-{index}")
            from contacts.services import contact_tag

            contact_tag(contact=contact, name=f"t{index % 3}")
        client_agent.get(f"/w/{workspace.slug}/contacts/")  # the navigation's counts, remembered a minute
        with CaptureQueriesContext(connection) as captured:
            assert client_agent.get(f"/w/{workspace.slug}/contacts/").status_code == 200
        return len(captured.captured_queries)

    small = queries_for(3)
    large = queries_for(27)
    assert small == large
    assert large <= 14


def test_a_cursor_that_was_tampered_with_starts_over(crowd, client_agent):
    response = client_agent.get(f"/w/{crowd.slug}/contacts/", {"after": "not-a-cursor"})
    assert response.status_code == 200
