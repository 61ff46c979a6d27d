"""For random rules over a population full of edge cases (missing, null, empty and
wrongly-typed attributes, NULL columns, dates on the boundaries, several companies, no
company), the SQL compilation and the one-contact evaluation select the same people."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import audience
from contacts.audience.engine import ContactFacts
from contacts.models import AttributeDefinition, Company, ContactEventSummary, Segment
from tests.factories import ContactFactory
from workspaces.models import Tag

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.timezone.utc)
WORDS = ["", "pro", "Pro", "free", "東京", "a%b", "x_y", "PRO plan", "team"]
COUNTRIES = ["Japan", "France", "", None]


def _iso_days_ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def population(db, workspace):  # type: ignore[no-untyped-def]
    rnd = random.Random(20261202)
    for key, kind in [("plan", "string"), ("seats", "number"), ("beta", "boolean"), ("renewal", "date"), ("tier", "list")]:
        AttributeDefinition.objects.create(workspace=workspace, target="contact", key=key, type=kind,
                                           options=["gold", "silver"] if kind == "list" else [])
    AttributeDefinition.objects.create(workspace=workspace, target="company", key="region", type="string")
    AttributeDefinition.objects.create(workspace=workspace, target="event", key="login", type="event")
    tags = [Tag.objects.create(workspace=workspace, name=name) for name in ("vip", "churn")]
    companies = [
        Company.objects.create(workspace=workspace, company_id=f"c{i}", name=rnd.choice(WORDS), plan=rnd.choice(WORDS),
                               size=rnd.choice([None, 1, 10, 250]), attributes=rnd.choice([{}, {"region": "Kanto"}, {"region": 3}]))
        for i in range(4)
    ]
    values = {
        "plan": ["pro", "Pro", "free", "", None, 5, "a%b"],
        "seats": [0, 3, 3.5, 10, "10", True, None, [10]],
        "beta": [True, False, None, "yes"],
        "renewal": [_iso_days_ago(d) for d in (-10, 0, 0.5, 1, 7, 30, 29.99)] + [None, "soon", 7],
        "tier": ["gold", "silver", "", None],
    }
    for index in range(60):
        attributes = {key: rnd.choice(choices) for key, choices in values.items() if rnd.random() < 0.75}
        days_seen = rnd.choice([None, 0, 0.2, 1, 6.99, 7, 7.01, 30, 45, 400])
        contact = ContactFactory(
            workspace=workspace, role=rnd.choice(["visitor", "lead", "user"]), name=rnd.choice(WORDS),
            email=rnd.choice(["", f"p{index}@example.com"]), country=rnd.choice(COUNTRIES) or "",
            external_id=rnd.choice([None, f"u{index}", f"pro{index}"]), session_count=rnd.choice([0, 1, 2, 5]),
            last_seen_at=None if days_seen is None else NOW - dt.timedelta(days=days_seen),
            signed_up_at=rnd.choice([None, NOW - dt.timedelta(days=rnd.choice([0, 3, 10]))]),
            is_troubled=rnd.random() < 0.2, attributes=attributes,
        )
        contact.tags.set(rnd.sample(tags, rnd.randint(0, 2)))
        contact.companies.set(rnd.sample(companies, rnd.randint(0, 2)))
        if rnd.random() < 0.6:
            ContactEventSummary.objects.create(
                workspace=workspace, contact=contact, name="login", count=rnd.choice([1, 2, 5]),
                first_at=NOW - dt.timedelta(days=60), last_at=NOW - dt.timedelta(days=rnd.choice([0, 2, 10, 40])),
            )
    vip_segment = Segment.objects.create(workspace=workspace, name="Regulars", rule={
        "version": 1, "match": "any", "rules": [{"field": "tag", "operator": "has", "value": tags[0].pk},
                                                 {"field": "session_count", "operator": "gt", "value": 2}]})
    return workspace, tags, vip_segment


def _conditions(tags: list[Tag], segment: Segment):  # type: ignore[no-untyped-def]
    text_fields = ["name", "email", "country", "user_id", "custom.plan", "company.name", "company.plan",
                   "company.custom.region"]
    text = st.fixed_dictionaries({
        "field": st.sampled_from(text_fields),
        "operator": st.sampled_from(["is", "is_not", "contains", "not_contains", "starts_with", "ends_with"]),
        "value": st.sampled_from([w for w in WORDS if w] + ["Japan", "p1", "Kanto", "%", "_"]),
    })
    presence = st.fixed_dictionaries({
        "field": st.sampled_from(text_fields + ["custom.seats", "custom.beta", "custom.renewal", "custom.tier",
                                                "company.size", "last_seen_at", "signed_up_at"]),
        "operator": st.sampled_from(["unknown", "known"]),
    })
    number = st.fixed_dictionaries({
        "field": st.sampled_from(["session_count", "custom.seats", "company.size"]),
        "operator": st.sampled_from(["eq", "gt", "lt"]),
        "value": st.sampled_from([0, 1, 2, 2.5, 3, 3.5, 10, -1]),
    })
    relative = st.fixed_dictionaries({
        "field": st.sampled_from(["last_seen_at", "signed_up_at", "custom.renewal"]),
        "operator": st.sampled_from(["more_than_days_ago", "less_than_days_ago", "exactly_days_ago"]),
        "value": st.sampled_from([0, 1, 7, 30]),
    })
    absolute = st.fixed_dictionaries({
        "field": st.sampled_from(["last_seen_at", "custom.renewal"]),
        "operator": st.sampled_from(["after", "on", "before"]),
        "value": st.sampled_from(["2026-11-25", "2026-12-01", "2026-12-02", "2026-11-02"]),
    })
    flags = st.fixed_dictionaries({
        "field": st.sampled_from(["is_troubled", "custom.beta"]),
        "operator": st.sampled_from(["is_true", "is_false"]),
    })
    choice = st.one_of(
        st.fixed_dictionaries({"field": st.just("role"), "operator": st.sampled_from(["is", "is_not"]),
                               "value": st.sampled_from(["visitor", "lead", "user"])}),
        st.fixed_dictionaries({"field": st.just("custom.tier"), "operator": st.sampled_from(["is", "is_not"]),
                               "value": st.sampled_from(["gold", "silver"])}),
    )
    tag = st.fixed_dictionaries({"field": st.just("tag"), "operator": st.sampled_from(["has", "has_not"]),
                                 "value": st.sampled_from([t.pk for t in tags])})
    event = st.one_of(
        st.fixed_dictionaries({"field": st.just("event.login"), "operator": st.sampled_from(["performed", "never"])}),
        st.fixed_dictionaries({"field": st.just("event.login"),
                               "operator": st.sampled_from(["times_more_than", "times_less_than", "times_exactly",
                                                            "last_more_than_days_ago", "last_less_than_days_ago"]),
                               "value": st.sampled_from([0, 1, 2, 5, 10])}),
    )
    in_segment = st.fixed_dictionaries({"field": st.just("segment"), "operator": st.sampled_from(["in", "not_in"]),
                                        "value": st.just(segment.pk)})
    return st.one_of(text, presence, number, relative, absolute, flags, choice, tag, event, in_segment)


def _rules(tags: list[Tag], segment: Segment):  # type: ignore[no-untyped-def]
    return st.recursive(
        _conditions(tags, segment),
        lambda children: st.fixed_dictionaries({
            "match": st.sampled_from(["all", "any"]),
            "rules": st.lists(children, min_size=0, max_size=3),
        }),
        max_leaves=6,
    ).map(lambda node: node if "match" in node else {"match": "all", "rules": [node]})


def test_sql_and_one_contact_evaluation_agree(population):
    workspace, tags, segment = population
    people = list(audience.contacts(audience.parse(audience.EVERYONE, workspace=workspace), workspace=workspace))
    facts = {contact.pk: ContactFacts.load(contact) for contact in people}

    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
    @given(_rules(tags, segment))
    def agree(raw):  # type: ignore[no-untyped-def]
        rule = audience.parse(raw, workspace=workspace)
        selected = set(audience.contacts(rule, workspace=workspace, now=NOW).values_list("pk", flat=True))
        evaluated = {c.pk for c in people if audience.matches(rule, c, now=NOW, facts=facts[c.pk])}
        assert selected == evaluated, audience.describe(rule)

    agree()
