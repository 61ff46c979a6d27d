"""Data attributes settings: everyone reads them, admins change them, types never change."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import audience
from contacts.models import AttributeDefinition, Segment
from tests.contacts.profile_factories import AttributeDefinitionFactory
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
LIST_URL = reverse("contacts:attributes", kwargs={"workspace_slug": "acme"})


def edit_url(definition: AttributeDefinition) -> str:
    return reverse("contacts:attribute_edit", kwargs={"workspace_slug": "acme", "attribute_id": definition.pk})


def archive_url(definition: AttributeDefinition) -> str:
    return reverse("contacts:attribute_archive", kwargs={"workspace_slug": "acme", "attribute_id": definition.pk})


def definitions(workspace, target="contact"):  # type: ignore[no-untyped-def]
    return AttributeDefinition.objects.for_workspace(workspace).filter(target=target)


def test_agents_see_every_tab_but_no_admin_controls(client_agent, workspace):
    AttributeDefinitionFactory(workspace=workspace, key="plan", description="What they pay for")
    AttributeDefinitionFactory(workspace=workspace, target="company", key="tier")
    AttributeDefinitionFactory(workspace=workspace, target="event", key="exported-report", type="event")

    people = client_agent.get(LIST_URL).content.decode()
    companies = client_agent.get(LIST_URL, {"tab": "companies"}).content.decode()
    events = client_agent.get(LIST_URL, {"tab": "events"}).content.decode()

    assert "plan" in people and "What they pay for" in people and "tier" not in people
    assert "tier" in companies and "plan" not in companies
    assert "exported-report" in events
    assert "Create attribute" not in people and "Only admins" in people


def test_agents_cannot_change_attributes(client_agent, workspace):
    definition = AttributeDefinitionFactory(workspace=workspace, key="plan")

    assert client_agent.post(LIST_URL, {"key": "seats", "type": "number"}).status_code == 403
    assert client_agent.get(edit_url(definition)).status_code == 403
    assert client_agent.post(edit_url(definition), {"description": "changed"}).status_code == 403
    assert client_agent.post(archive_url(definition)).status_code == 403
    definition.refresh_from_db()
    assert (definition.description, definition.archived_at) == ("", None)
    assert not definitions(workspace).filter(key="seats").exists()


def test_an_admin_declares_a_list_attribute(client_admin, workspace):
    response = client_admin.post(LIST_URL + "?tab=people", {
        "key": "plan name", "type": "list", "description": "Billing plan", "options": "free\n pro \n\nfree\nteam",
    })

    assert response.status_code == 302
    created = definitions(workspace).get(key="plan name")
    assert (created.type, created.description, created.options) == ("list", "Billing plan", ["free", "pro", "team"])
    assert created.archived_at is None


def test_a_company_attribute_is_declared_on_the_companies_tab(client_admin, workspace):
    client_admin.post(LIST_URL + "?tab=companies", {"key": "plan name", "type": "string"})
    AttributeDefinitionFactory(workspace=workspace, key="tier")
    assert definitions(workspace, "company").filter(key="plan name", options=[]).exists()
    # Unique per target only: the same name may exist for people.
    assert client_admin.post(LIST_URL + "?tab=companies", {"key": "tier", "type": "string"}).status_code == 302


@pytest.mark.parametrize("key, error", [
    ("", "This field is required."),
    (" plan", "cannot start or end with a space"),
    ("plan ", "cannot start or end with a space"),
    ("x" * 191, "at most 190 characters"),
    ("tab\there", "control characters"),
    ("taken", "already exists"),
])
def test_bad_attribute_names_are_refused(client_admin, workspace, key, error):
    AttributeDefinitionFactory(workspace=workspace, key="taken")

    response = client_admin.post(LIST_URL, {"key": key, "type": "string"})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert definitions(workspace).count() == 1


def test_a_190_character_name_is_fine(client_admin, workspace):
    assert client_admin.post(LIST_URL, {"key": "x" * 190, "type": "string"}).status_code == 302


def test_a_list_needs_options_and_other_types_drop_them(client_admin, workspace):
    refused = client_admin.post(LIST_URL, {"key": "plan", "type": "list", "options": "\n  \n"})
    assert refused.status_code == 400 and "at least one option" in refused.content.decode()

    client_admin.post(LIST_URL, {"key": "seats", "type": "number", "options": "1\n2"})
    assert definitions(workspace).get(key="seats").options == []


def test_events_are_not_declared_by_hand(client_admin, workspace):
    assert client_admin.post(LIST_URL + "?tab=events", {"key": "signed-in", "type": "string"}).status_code == 404
    assert not definitions(workspace, "event").exists()


def test_the_type_cannot_be_changed_but_description_and_options_can(client_admin, workspace):
    definition = AttributeDefinitionFactory(workspace=workspace, key="plan", type="list", options=["free", "pro"])

    page = client_admin.get(edit_url(definition)).content.decode()
    assert "The type cannot be changed" in page
    response = client_admin.post(edit_url(definition), {"description": "Billing plan", "options": "free\npro\nteam",
                                                        "type": "number", "key": "renamed", "target": "company"})

    assert response.status_code == 302
    definition.refresh_from_db()
    assert (definition.key, definition.type, definition.target) == ("plan", "list", "contact")
    assert (definition.description, definition.options) == ("Billing plan", ["free", "pro", "team"])


def test_an_option_a_segment_filters_on_cannot_be_removed(client_admin, workspace):
    definition = AttributeDefinitionFactory(workspace=workspace, key="plan", type="list", options=["free", "pro"])
    Segment.objects.create(workspace=workspace, name="Paying", rule={"match": "all", "rules": [
        {"match": "any", "rules": [{"field": "custom.plan", "operator": "is", "value": "pro"}]}]})

    response = client_admin.post(edit_url(definition), {"description": "", "options": "free"})

    assert response.status_code == 400 and "Paying" in response.content.decode()
    definition.refresh_from_db()
    assert definition.options == ["free", "pro"]


def test_archiving_keeps_the_data_but_leaves_filters_and_unarchiving_brings_it_back(client_admin, workspace):
    definition = AttributeDefinitionFactory(workspace=workspace, key="plan")
    contact = ContactFactory(workspace=workspace, attributes={"plan": "pro"})
    field_keys = lambda: {f["key"] for f in audience.builder_schema(workspace)["fields"]}  # noqa: E731
    assert "custom.plan" in field_keys()

    assert client_admin.post(archive_url(definition), {"action": "archive"}).status_code == 302

    definition.refresh_from_db()
    assert definition.archived_at is not None
    assert "custom.plan" not in field_keys()
    with pytest.raises(audience.RuleError):
        audience.parse({"match": "all", "rules": [{"field": "custom.plan", "operator": "is", "value": "pro"}]},
                       workspace=workspace)
    contact.refresh_from_db()
    assert contact.attributes == {"plan": "pro"}
    assert "Archived" in client_admin.get(LIST_URL).content.decode()

    client_admin.post(archive_url(definition), {"action": "unarchive"})
    definition.refresh_from_db()
    assert definition.archived_at is None and "custom.plan" in field_keys()


def test_an_attribute_a_segment_uses_is_not_archived(client_admin, workspace):
    definition = AttributeDefinitionFactory(workspace=workspace, target="event", key="exported", type="event")
    Segment.objects.create(workspace=workspace, name="Exporters", rule={"match": "all", "rules": [
        {"field": "event.exported", "operator": "performed"}]})

    response = client_admin.post(archive_url(definition), follow=True)

    assert "Exporters" in response.content.decode()
    definition.refresh_from_db()
    assert definition.archived_at is None


def test_archived_ones_are_listed_last(client_agent, workspace):
    AttributeDefinitionFactory(workspace=workspace, key="aaa_old", archived_at=timezone.now())
    AttributeDefinitionFactory(workspace=workspace, key="zzz_new")
    listed = [d.key for d in client_agent.get(LIST_URL).context["definitions"]]
    assert listed == ["zzz_new", "aaa_old"]
