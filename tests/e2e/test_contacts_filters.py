"""A teammate builds a filter in the browser: two conditions and a nested any-group, with
the count following every change; saves it as a segment and finds it in the navigation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from contacts.models import AttributeDefinition, Segment
from tests.e2e.test_shell import sign_in
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory


def _people(workspace):  # type: ignore[no-untyped-def]
    now = timezone.now()
    AttributeDefinition.objects.create(workspace=workspace, target="contact", key="plan", type="string")
    rows = [
        ("Aoi", "user", "Japan", "ja", 2, "pro"),
        ("Ben", "user", "France", "fr", 3, "free"),
        ("Chie", "user", "Japan", "ja", 40, "free"),
        ("Daichi", "lead", "Japan", "en", 1, "free"),
        ("Emma", "user", "Japan", "fr", 5, "pro"),
    ]
    for name, role, country, language, days, plan in rows:
        ContactFactory(workspace=workspace, name=name, role=role, country=country, language=language,
                       last_seen_at=now - dt.timedelta(days=days), attributes={"plan": plan})


def _count(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("[data-audience-total]")


def test_build_a_filter_watch_the_count_and_save_a_segment(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme", default_language="en")
    MembershipFactory(workspace=workspace, role="agent", user__email="aiko@example.com", user__name="Aiko Agent")
    _people(workspace)
    sign_in(page, live_server, "aiko@example.com")
    page.goto(f"{live_server.url}/w/acme/contacts/")
    expect(_count(page)).to_have_attribute("data-audience-total", "5")

    builder = page.locator("[data-audience-builder]")
    # 1. Country is Japan.
    builder.locator("[data-add-filter]").first.click()
    condition = builder.locator("[data-condition]").nth(0)
    condition.locator("[data-field]").select_option("country")
    condition.locator("[data-operator]").select_option("is")
    condition.locator("[data-value]").fill("Japan")
    expect(_count(page)).to_have_attribute("data-audience-total", "4")

    # 2. Last seen less than 30 days ago.
    builder.locator("[data-add-filter]").first.click()
    condition = builder.locator("[data-condition]").nth(1)
    condition.locator("[data-field]").select_option("last_seen_at")
    condition.locator("[data-operator]").select_option("less_than_days_ago")
    condition.locator("[data-value]").fill("30")
    expect(_count(page)).to_have_attribute("data-audience-total", "3")

    # 3. A nested group: plan is pro, or browser language is en.
    builder.locator("[data-add-group]").first.click()
    nested = builder.locator("[data-group] [data-group]")
    nested.locator("[data-match]").select_option("any")
    first = nested.locator("[data-condition]").nth(0)
    first.locator("[data-field]").select_option("custom.plan")
    first.locator("[data-operator]").select_option("is")
    first.locator("[data-value]").fill("pro")
    expect(_count(page)).to_have_attribute("data-audience-total", "2")
    nested.locator("[data-add-filter]").click()
    second = nested.locator("[data-condition]").nth(1)
    second.locator("[data-field]").select_option("language")
    second.locator("[data-operator]").select_option("is")
    second.locator("[data-value]").fill("en")
    expect(_count(page)).to_have_attribute("data-audience-total", "3")
    expect(page.locator("[data-audience-sentence]")).to_have_text(
        "Country is “Japan” and Last seen less than 30 days ago and (plan is “pro” or Browser language is “en”)"
    )
    # The list follows the rule too, without a reload.
    expect(page.locator("#people-rows tr[id^=contact-]")).to_have_count(3)
    expect(page.locator("#people-rows")).not_to_contain_text("Ben")

    page.get_by_placeholder("Name a new segment").fill("Engaged in Japan")
    page.get_by_role("button", name="Save as segment").click()
    nav = page.locator("#contacts-nav")
    expect(nav.get_by_role("link", name="Engaged in Japan")).to_be_visible()
    segment = Segment.objects.for_workspace(workspace).get()
    assert len(segment.rule["rules"]) == 3 and segment.rule["rules"][2]["match"] == "any"
    # Reopened from the navigation, the builder shows the saved rule again.
    nav.get_by_role("link", name="Engaged in Japan").click()
    expect(page.locator("[data-audience-builder] [data-condition]")).to_have_count(4)
    expect(_count(page)).to_have_attribute("data-audience-total", "3")


def test_a_removed_condition_widens_the_audience_again(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme", default_language="en")
    MembershipFactory(workspace=workspace, role="agent", user__email="aiko@example.com")
    _people(workspace)
    sign_in(page, live_server, "aiko@example.com")
    page.goto(f"{live_server.url}/w/acme/contacts/?segment=users")
    expect(_count(page)).to_have_attribute("data-audience-total", "4")
    page.locator("[data-audience-builder] [data-remove]").first.click()
    expect(_count(page)).to_have_attribute("data-audience-total", "5")
