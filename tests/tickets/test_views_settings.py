"""Admins' ticket settings: types with fields (keys from labels, list options, "fills"
without "sees" refused as a form error), archiving, and the states' two labels."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import TicketField, TicketType

pytestmark = pytest.mark.django_db


def _url(workspace, name, **kwargs):  # type: ignore[no-untyped-def]
    return reverse(f"tickets:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def test_agents_may_not_change_settings(workspace, client_agent):
    assert client_agent.get(_url(workspace, "settings")).status_code == 403
    assert client_agent.post(_url(workspace, "type_new"), {"category": "customer", "name": "X"}).status_code == 403


def test_an_admin_builds_a_type_with_fields(workspace, client_admin):
    response = client_admin.post(_url(workspace, "type_new"), {
        "category": "customer", "name": "Bug report", "icon": "🐞", "default_title": "Something broke"})
    kind = TicketType.objects.for_workspace(workspace).get()
    assert response.status_code == 302 and kind.default_title == "Something broke"
    duplicate = client_admin.post(_url(workspace, "type_new"), {"category": "tracker", "name": "bug report", "icon": "x"})
    assert "Another ticket type has this name." in duplicate.content.decode()

    refused = client_admin.post(_url(workspace, "field_new", type_id=kind.pk), {
        "new-label": "Steps", "new-kind": "text", "new-customer_fills": "on"})
    assert "A customer can only fill in a field they see." in refused.content.decode()
    a_file = client_admin.post(_url(workspace, "field_new", type_id=kind.pk), {
        "new-label": "Screenshot", "new-kind": "file", "new-customer_visible": "on", "new-customer_fills": "on"})
    assert "Customers attach files in a reply on the ticket, not in this form." in a_file.content.decode()
    no_options = client_admin.post(_url(workspace, "field_new", type_id=kind.pk), {
        "new-label": "Browser", "new-kind": "list"})
    assert "A list needs at least one option." in no_options.content.decode()
    assert not TicketField.objects.for_workspace(workspace).exists()

    for label in ("Browser used", "Browser used"):
        client_admin.post(_url(workspace, "field_new", type_id=kind.pk), {
            "new-label": label, "new-kind": "list", "new-options_text": "Chrome\nSafari\n",
            "new-customer_visible": "on", "new-customer_fills": "on", "new-required": "on"})
    fields = list(TicketField.objects.for_workspace(workspace).order_by("id"))
    assert [f.key for f in fields] == ["browser_used", "browser_used_2"]
    assert fields[0].options == ["Chrome", "Safari"] and fields[0].customer_fills and fields[0].required

    client_admin.post(_url(workspace, "field", type_id=kind.pk, field_id=fields[0].pk), {
        f"f{fields[0].pk}-label": "Browser", f"f{fields[0].pk}-kind": "text"})
    fields[0].refresh_from_db()
    assert (fields[0].label, fields[0].key, fields[0].options, fields[0].customer_visible) == (
        "Browser", "browser_used", [], False)
    client_admin.post(_url(workspace, "field_delete", type_id=kind.pk, field_id=fields[1].pk))
    assert TicketField.objects.for_workspace(workspace).count() == 1

    client_admin.post(_url(workspace, "type_archive", type_id=kind.pk))
    kind.refresh_from_db()
    assert kind.archived_at is not None


def test_state_labels_are_saved_together(workspace, client_admin):
    data = {}
    for state in ("submitted", "in_progress", "waiting", "resolved"):
        data[f"{state}-internal"] = f"Team {state}"
        data[f"{state}-customer"] = f"You {state}"
    data["waiting-customer"] = ""
    refused = client_admin.post(_url(workspace, "settings"), data)
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert services.state_labels(workspace=workspace)["submitted"][0] == "Submitted"
    data["waiting-customer"] = "We need your answer"
    assert client_admin.post(_url(workspace, "settings"), data).status_code == 302
    labels = services.state_labels(workspace=workspace)
    assert labels["waiting"] == ("Team waiting", "We need your answer")
