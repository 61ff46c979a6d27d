"""The audience engine: what each operator selects, what it refuses, and how a rule reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from contacts import audience
from contacts.models import AttributeDefinition, Company, Contact, ContactEventSummary, Segment
from contacts.services import event_track
from tests.factories import ContactFactory
from workspaces.models import Tag

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.timezone.utc)  # 12:00 in Tokyo


def names(rule, workspace):  # type: ignore[no-untyped-def]
    parsed = audience.parse(rule, workspace=workspace)
    return sorted(audience.contacts(parsed, workspace=workspace, now=NOW).values_list("name", flat=True))


def one(field, operator, value=None):  # type: ignore[no-untyped-def]
    condition = {"field": field, "operator": operator}
    if value is not None:
        condition["value"] = value
    return {"version": 1, "match": "all", "rules": [condition]}


@pytest.fixture
def people(workspace):  # type: ignore[no-untyped-def]
    AttributeDefinition.objects.create(workspace=workspace, target="contact", key="plan", type="string")
    AttributeDefinition.objects.create(workspace=workspace, target="contact", key="seats", type="number")
    ContactFactory(workspace=workspace, name="Aoi", country="Japan", language="ja", session_count=5,
                   last_seen_at=NOW - dt.timedelta(days=2), attributes={"plan": "pro", "seats": 12})
    ContactFactory(workspace=workspace, name="Ben", country="France", language="fr", session_count=1,
                   last_seen_at=NOW - dt.timedelta(days=40), attributes={"plan": "free"})
    ContactFactory(workspace=workspace, name="Chie", country="", language="ja", session_count=0, last_seen_at=None,
                   attributes={})
    return workspace


class TestOperators:
    @pytest.mark.parametrize(("rule", "expected"), [
        (one("country", "is", "Japan"), ["Aoi"]),
        (one("country", "is_not", "Japan"), ["Ben", "Chie"]),
        (one("country", "contains", "AN"), ["Aoi", "Ben"]),
        (one("country", "not_contains", "an"), ["Chie"]),
        (one("country", "starts_with", "fr"), ["Ben"]),
        (one("country", "ends_with", "PAN"), ["Aoi"]),
        (one("country", "unknown"), ["Chie"]),
        (one("country", "known"), ["Aoi", "Ben"]),
        (one("language", "is_not", "ja"), ["Ben"]),
        (one("session_count", "gt", 1), ["Aoi"]),
        (one("session_count", "lt", 1.5), ["Ben", "Chie"]),
        (one("session_count", "eq", 0), ["Chie"]),
        (one("last_seen_at", "less_than_days_ago", 7), ["Aoi"]),
        (one("last_seen_at", "more_than_days_ago", 30), ["Ben"]),
        (one("last_seen_at", "exactly_days_ago", 2), ["Aoi"]),
        (one("last_seen_at", "after", "2026-10-24"), ["Aoi"]),
        (one("last_seen_at", "before", "2026-10-24"), ["Ben"]),
        (one("last_seen_at", "on", "2026-11-30"), ["Aoi"]),
        (one("last_seen_at", "unknown"), ["Chie"]),
        (one("custom.plan", "is", "pro"), ["Aoi"]),
        (one("custom.plan", "is_not", "pro"), ["Ben", "Chie"]),
        (one("custom.plan", "unknown"), ["Chie"]),
        (one("custom.seats", "gt", 10), ["Aoi"]),
        (one("custom.seats", "known"), ["Aoi"]),
        (one("role", "is", "lead"), ["Aoi", "Ben", "Chie"]),
    ])
    def test_each_operator_selects_what_it_says(self, people, rule, expected):
        assert names(rule, people) == expected

    def test_nested_any_group(self, people):
        rule = {"match": "all", "rules": [
            {"field": "language", "operator": "is", "value": "ja"},
            {"match": "any", "rules": [{"field": "custom.plan", "operator": "is", "value": "pro"},
                                        {"field": "session_count", "operator": "eq", "value": 0}]}]}
        assert names(rule, people) == ["Aoi", "Chie"]

    def test_tags_companies_events_and_segments(self, people):
        workspace = people
        vip = Tag.objects.create(workspace=workspace, name="VIP")
        aoi = workspace_contact(workspace, "Aoi")
        aoi.tags.add(vip)
        big = Company.objects.create(workspace=workspace, company_id="c1", name="Big", size=500, plan="enterprise")
        workspace_contact(workspace, "Ben").companies.add(big)
        event_track(contact=workspace_contact(workspace, "Chie"), name="exported", metadata={})
        assert names(one("tag", "has", vip.pk), workspace) == ["Aoi"]
        assert names(one("tag", "has_not", vip.pk), workspace) == ["Ben", "Chie"]
        assert names(one("company.size", "gt", 100), workspace) == ["Ben"]
        assert names(one("company.plan", "is", "enterprise"), workspace) == ["Ben"]
        assert names(one("event.exported", "performed"), workspace) == ["Chie"]
        assert names(one("event.exported", "never"), workspace) == ["Aoi", "Ben"]
        assert names(one("event.exported", "times_less_than", 2), workspace) == ["Aoi", "Ben", "Chie"]
        assert ContactEventSummary.objects.for_workspace(workspace).count() == 1
        segment = Segment.objects.create(workspace=workspace, name="VIPs", rule=one("tag", "has", vip.pk))
        assert names(one("segment", "in", segment.pk), workspace) == ["Aoi"]
        assert names(one("segment", "not_in", segment.pk), workspace) == ["Ben", "Chie"]

    def test_an_empty_rule_is_everyone_but_merged_duplicates(self, people):
        chie = workspace_contact(people, "Chie")
        chie.merged_into = workspace_contact(people, "Aoi")
        chie.save()
        assert names(audience.EVERYONE, people) == ["Aoi", "Ben"]

    def test_one_contact_matches_as_the_query_does(self, people):
        rule = audience.parse(one("last_seen_at", "less_than_days_ago", 7), workspace=people)
        assert audience.matches(rule, workspace_contact(people, "Aoi"), now=NOW)
        assert not audience.matches(rule, workspace_contact(people, "Ben"), now=NOW)


def workspace_contact(workspace, name):  # type: ignore[no-untyped-def]
    return Contact.objects.for_workspace(workspace).get(name=name)


class TestRefusals:
    @pytest.mark.parametrize(("rule", "message"), [
        (one("password", "is", "x"), "Unknown field"),
        (one("country", "gt", 3), "is not an operator"),
        (one("country", "is", 3), "must be text"),
        (one("country", "is"), "needs a value"),
        (one("country", "unknown", "x"), "takes no value"),
        (one("session_count", "gt", "3"), "must be a number"),
        (one("session_count", "gt", True), "must be a number"),
        (one("session_count", "gt", float("inf")), "must be a number"),
        (one("last_seen_at", "more_than_days_ago", -1), "whole number"),
        (one("last_seen_at", "after", "yesterday"), "date like"),
        (one("role", "is", "admin"), "not one of the choices"),
        (one("tag", "has", 999999), "no such tag"),
        (one("segment", "in", 999999), "no such segment"),
        ({"match": "some", "rules": []}, "“match” must be"),
        ({"match": "all", "rules": [{"field": "country", "operator": "is", "value": "x", "sql": "1=1"}]}, "Unknown key"),
        ({"version": 2, "match": "all", "rules": []}, "Unknown rule version"),
        ("{not json", "not valid JSON"),
        ([1, 2], "must be an object"),
    ])
    def test_bad_rules_are_refused_with_a_reason(self, people, rule, message):
        with pytest.raises(audience.RuleError) as error:
            audience.parse(rule, workspace=people)
        assert message in error.value.message

    def test_depth_and_size_are_bounded(self, people):
        deep = {"match": "all", "rules": []}
        for _ in range(5):
            deep = {"match": "any", "rules": [deep]}
        with pytest.raises(audience.RuleError, match="nested"):
            audience.parse(deep, workspace=people)
        wide = {"match": "all", "rules": [{"field": "country", "operator": "known"}] * 51}
        with pytest.raises(audience.RuleError, match="conditions at most"):
            audience.parse(wide, workspace=people)

    def test_another_workspaces_tag_or_segment_is_unknown_here(self, people, other_workspace):
        theirs = Tag.objects.create(workspace=other_workspace, name="VIP")
        their_segment = Segment.objects.create(workspace=other_workspace, name="S", rule=audience.EVERYONE)
        for rule in (one("tag", "has", theirs.pk), one("segment", "in", their_segment.pk)):
            with pytest.raises(audience.RuleError):
                audience.parse(rule, workspace=people)

    def test_a_segment_that_includes_itself_is_refused(self, people):
        first = Segment.objects.create(workspace=people, name="A", rule=audience.EVERYONE)
        second = Segment.objects.create(workspace=people, name="B", rule=one("segment", "in", first.pk))
        first.rule = one("segment", "in", second.pk)
        first.save()
        with pytest.raises(audience.RuleError, match="cannot include itself"):
            audience.parse(one("segment", "in", first.pk), workspace=people)

    @pytest.mark.parametrize("hostile", ["'; SELECT pg_sleep(5)--", "%' OR '1'='1", "\\x00", "ｐｒｏ", "🙂' --"])
    def test_values_are_parameters_never_sql(self, people, hostile):
        for field in ("country", "custom.plan"):
            for operator in ("is", "contains", "starts_with"):
                assert names(one(field, operator, hostile), people) == []
        assert len(names(one("custom.plan", "is_not", hostile), people)) == 3

    def test_a_count_that_runs_too_long_is_refused(self, people):
        rule = audience.parse(one("country", "known"), workspace=people)
        assert audience.count(rule, workspace=people) == 2
        from django.db.models import BooleanField, Q
        from django.db.models.expressions import RawSQL

        slow = Q(RawSQL("pg_sleep(0.2) IS NOT NULL", [], output_field=BooleanField()))  # stands in for a scan that never ends
        with pytest.raises(audience.RuleError, match="too long"):
            audience.count(rule, workspace=people, base=Contact.objects.filter(slow), timeout_ms=50)


class TestSentences:
    def test_rules_read_as_sentences_in_english_and_japanese(self, people):
        rule = audience.parse({"match": "all", "rules": [
            {"field": "last_seen_at", "operator": "more_than_days_ago", "value": 30},
            {"match": "any", "rules": [{"field": "language", "operator": "is_not", "value": "ja"},
                                        {"field": "custom.plan", "operator": "is", "value": "pro"}]}]}, workspace=people)
        with translation.override("en"):
            assert audience.describe(rule) == (
                "Last seen more than 30 days ago and (Browser language is not “ja” or plan is “pro”)"
            )
        with translation.override("ja"):
            sentence = audience.describe(rule)
        assert "30" in sentence and "“ja”" in sentence and "かつ" in sentence and "または" in sentence

    def test_the_builder_schema_lists_fields_from_the_definitions(self, people):
        schema = audience.builder_schema(people)
        keys = {f["key"] for f in schema["fields"]}
        assert {"country", "custom.plan", "custom.seats", "tag", "segment", "company.plan"} <= keys
        assert [op["key"] for op in schema["operators"]["date"]][:3] == [
            "more_than_days_ago", "exactly_days_ago", "less_than_days_ago"]


def test_a_bound_beyond_a_columns_range_still_leaves_out_the_unknown(people):
    """Django turns `size > -1` on a positive integer column into "always true"; the engine
    keeps unknown sizes out (found by the property test)."""
    unknown_size = Company.objects.create(workspace=people, company_id="c9", name="Nameless")
    workspace_contact(people, "Aoi").companies.add(unknown_size)
    assert names(one("company.size", "gt", -1), people) == []
    assert names(one("company.size", "unknown"), people) == ["Aoi"]


def test_a_custom_number_with_a_hostile_name_is_compared_exactly(people):
    hostile = 'seats" ? (@ > 0) || $."x\\'
    AttributeDefinition.objects.create(workspace=people, target="contact", key=hostile, type="number")
    aoi = workspace_contact(people, "Aoi")
    aoi.attributes = {**aoi.attributes, hostile: 7}
    aoi.save()
    ben = workspace_contact(people, "Ben")
    ben.attributes = {**ben.attributes, hostile: [9]}  # an array is no number
    ben.save()
    assert names(one(f"custom.{hostile}", "gt", 5), people) == ["Aoi"]
    assert names(one(f"custom.{hostile}", "lt", 5), people) == []
