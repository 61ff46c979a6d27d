"""Distribution charts: counts per value for the filtered set, top 10 and "other"."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import audience, selectors
from contacts.models import Contact, Segment
from contacts.services import contact_tag
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
URL = reverse("contacts:distribution", kwargs={"workspace_slug": "acme"})


def chart(response, key):  # type: ignore[no-untyped-def]
    return {label: bar.count for label, bar in next(c for c in response.context["charts"] if c.key == key).bars}


@pytest.fixture
def people(workspace):  # type: ignore[no-untyped-def]
    def person(**fields):  # type: ignore[no-untyped-def]
        return ContactFactory(workspace=workspace, **fields)

    person(role="user", country="Japan", language="ja", browser="Chrome", os="Mac OS X", device_type="desktop")
    person(role="user", country="Japan", language="ja", browser="Safari", os="iOS", device_type="mobile")
    person(role="lead", country="Japan", language="en-US", browser="Chrome", os="Windows", device_type="desktop")
    person(role="lead", country="France", language="fr", browser="Firefox", os="Linux", device_type="desktop")
    person(role="user", country="", language="", browser="", os="", device_type="")
    person(role="visitor", country="Japan", language="ja")  # never counted: visitors are not people
    merged_into = Contact.objects.for_workspace(workspace).filter(role="user").first()
    person(role="lead", country="Japan", merged_into=merged_into)  # merged away: not counted either


def test_everyone_is_counted_by_each_dimension(client_agent, people):
    response = client_agent.get(URL)

    assert response.status_code == 200
    assert response.context["total"] == 5
    assert chart(response, "country") == {"Japan": 3, "France": 1, "Unknown": 1}
    assert chart(response, "role") == {"User": 3, "Lead": 2}
    assert chart(response, "device_type") == {"Desktop": 3, "Mobile": 1, "Unknown": 1}
    assert chart(response, "language") == {"Japanese (ja)": 2, "English (en-US)": 1, "French (fr)": 1, "Unknown": 1}
    page = response.content.decode()
    assert re.search(r'<rect width="60\.00"', page)  # Japan: 3 of 5


def test_the_counts_follow_the_rule(client_agent, people, workspace):
    rule = {"match": "all", "rules": [{"field": "country", "operator": "is", "value": "Japan"},
                                      {"field": "browser", "operator": "is", "value": "Chrome"}]}

    response = client_agent.get(URL, {"rule": json.dumps(rule)})

    assert response.status_code == 200
    assert chart(response, "country") == {"Japan": 2}
    assert chart(response, "role") == {"User": 1, "Lead": 1}
    assert chart(response, "os") == {"Mac OS X": 1, "Windows": 1}
    assert "Country is “Japan”" in response.content.decode()


def test_a_segment_narrows_the_set_as_in_the_list(client_agent, people, workspace):
    assert chart(client_agent.get(URL, {"segment": "leads"}), "role") == {"Lead": 2}
    tagged = Contact.objects.for_workspace(workspace).get(country="France")
    tag = contact_tag(contact=tagged, name="vip")
    segment = Segment.objects.create(workspace=workspace, name="VIPs", rule={"match": "all", "rules": [
        {"field": "tag", "operator": "has", "value": tag.pk}]})

    response = client_agent.get(URL, {"segment": str(segment.pk)})

    assert chart(response, "country") == {"France": 1}
    assert "VIPs" in response.content.decode()


@pytest.mark.parametrize("params, reason", [
    ({"rule": "{not json"}, "not valid JSON"),
    ({"rule": json.dumps({"match": "all", "rules": [{"field": "password", "operator": "is", "value": "x"}]})},
     "Unknown field"),
    ({"rule": json.dumps({"match": "all", "rules": [{"field": "country", "operator": "gt", "value": 1}]})},
     "is not an operator"),
    ({"segment": "999999"}, "There is no such segment."),
    ({"segment": "everyone'; DROP TABLE"}, "There is no such segment."),
])
def test_a_bad_rule_or_segment_is_a_400_with_the_reason_never_everyone(client_agent, people, params, reason):
    response = client_agent.get(URL, params)

    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page
    assert "chart__row" not in page


def test_another_workspaces_segment_is_no_such_segment(client_agent, people, other_workspace):
    theirs = Segment.objects.create(workspace=other_workspace, name="Theirs", rule=audience.EVERYONE)
    response = client_agent.get(URL, {"segment": str(theirs.pk)})
    assert response.status_code == 400 and "There is no such segment." in response.content.decode()


def test_the_top_ten_then_other(workspace):
    for n in range(12):
        for _ in range(12 - n):
            ContactFactory(workspace=workspace, country=f"Country {n:02d}")

    bars = selectors.distribution(people=selectors.people_of(workspace), dimensions=("country",))["country"]

    assert [bar.value for bar in bars[:10]] == [f"Country {n:02d}" for n in range(10)]
    assert (bars[10].is_other, bars[10].count) == (True, 2 + 1)
    assert sum(bar.count for bar in bars) == 78


def test_one_group_by_per_dimension(workspace, django_assert_num_queries):
    ContactFactory(workspace=workspace, country="Japan", last_seen_at=timezone.now())
    with django_assert_num_queries(len(selectors.DISTRIBUTION_DIMENSIONS)):
        selectors.distribution(people=selectors.people_of(workspace))


def test_nobody_matches(client_agent, people):
    rule = {"match": "all", "rules": [{"field": "country", "operator": "is", "value": "Atlantis"}]}
    response = client_agent.get(URL, {"rule": json.dumps(rule)})
    assert response.status_code == 200 and "Nobody to count." in response.content.decode()


def test_the_charts_speak_japanese(client_agent, agent, people):
    agent.user.language = "ja"
    agent.user.save()
    response = client_agent.get(URL)
    assert chart(response, "country")["不明"] == 1
    assert chart(response, "device_type") == {"デスクトップ": 3, "モバイル": 1, "不明": 1}
    assert "分布" in response.content.decode() and "5人" in response.content.decode()
