"""An agent opens a contact's profile, edits a custom attribute, adds a note and a tag, and
finds all three after reloading the page."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from contacts.models import AttributeDefinition, Contact
from tests.e2e.test_shell import sign_in
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory


@pytest.fixture
def hana(db):  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme", default_language="en")
    MembershipFactory(workspace=workspace, role="agent", user__email="ken@example.com", user__name="Ken Support")
    AttributeDefinition.objects.create(workspace=workspace, target="contact", key="plan", type="list",
                                       options=["free", "pro", "team"], description="Billing plan")
    return ContactFactory(workspace=workspace, role="user", name="Hana Sato", email="hana@example.com",
                          timezone="Asia/Tokyo", country="Japan", city="Tokyo", attributes={"plan": "free"})


def test_an_agent_edits_a_contact_and_sees_it_after_reload(page: Page, live_server, hana) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "ken@example.com")
    expect(page).to_have_url(live_server.url + "/w/acme/inbox/")
    page.goto(f"{live_server.url}/w/acme/contacts/people/{hana.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hana Sato")

    page.get_by_label("plan").select_option("pro")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    page.get_by_placeholder("Note about this person").fill("Asked about the team plan")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#contact-notes")).to_contain_text("Asked about the team plan")  # swapped in place

    page.get_by_placeholder("Tag this person").fill("renewal")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#contact-tags")).to_contain_text("renewal")

    page.reload()
    expect(page.get_by_label("plan")).to_have_value("pro")
    expect(page.locator("#contact-notes")).to_contain_text("Asked about the team plan")
    expect(page.locator("#contact-notes")).to_contain_text("Ken Support")
    expect(page.locator("#contact-tags")).to_contain_text("renewal")
    if os.environ.get("PARLEY_SCREENSHOTS"):
        page.screenshot(path=os.environ["PARLEY_SCREENSHOTS"] + "/contact-profile.png", full_page=True)

    hana.refresh_from_db()
    assert hana.attributes == {"plan": "pro"}
    assert list(Contact.objects.for_workspace(hana.workspace_id).get(pk=hana.pk).tags.values_list("name", flat=True)) == ["renewal"]
