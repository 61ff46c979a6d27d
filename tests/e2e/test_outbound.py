"""A teammate writes an email (a subject with a placeholder, a body in Quill with one from the
placeholder menu), builds its audience with the contacts builder and watches the count,
previews it as a customer in the sandboxed frame, and sets it live: the email goes out
(Celery eager, Django's locmem outbox) and the list shows it live with its sent count."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, expect

from outbound.models import Delivery, OutboundMessage
from tests.e2e.test_articles_authoring import _watch_console
from tests.e2e.test_shell import sign_in
from tests.factories import ContactFactory, MembershipFactory, WorkspaceFactory


def test_write_target_preview_and_send_an_email(page: Page, live_server, eager_celery) -> None:  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme", default_language="en")
    MembershipFactory(workspace=workspace, role="agent", user__email="aiko@example.com", user__name="Aiko Agent")
    ContactFactory(workspace=workspace, role="user", name="Aoi Tanaka", email="aoi@example.com")
    ContactFactory(workspace=workspace, role="lead", name="Ben Lead", email="ben@example.com")
    ContactFactory(workspace=workspace, role="user", name="No Address", email="")
    errors = _watch_console(page)
    mail.outbox = []

    sign_in(page, live_server, "aiko@example.com")
    page.goto(f"{live_server.url}/w/acme/outbound/")
    page.get_by_role("link", name="New email").first.click()
    expect(page).to_have_url(re.compile(r"/w/acme/outbound/new/$"))

    editor = page.locator("#message-quill .ql-editor")
    expect(editor).to_be_visible()
    expect(page.locator("[data-body-input]")).to_be_hidden()
    page.get_by_label("Title", exact=True).fill("Welcome email")
    page.get_by_label("Subject").fill('Welcome, {{first_name | fallback: "friend"}}')
    editor.click()
    page.keyboard.type("Hello ")
    page.locator("[data-placeholder-menu]").select_option(label="First name")
    page.keyboard.type(", thanks for joining.")
    expect(editor).to_contain_text('Hello {{first_name | fallback: "there"}}, thanks for joining.')

    # Everyone with an address (two), then only users (one).
    count = page.locator("#audience-count [data-audience-total]")
    expect(count).to_have_attribute("data-audience-total", "2")
    builder = page.locator("[data-audience-builder]")
    builder.locator("[data-add-filter]").first.click()
    condition = builder.locator("[data-condition]").nth(0)
    condition.locator("[data-field]").select_option("role")
    condition.locator("[data-operator]").select_option("is")
    condition.locator("[data-value]").select_option("user")
    expect(count).to_have_attribute("data-audience-total", "1")
    expect(page.locator("#audience-count [data-audience-sentence]")).to_contain_text("User")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("Draft saved")
    message = OutboundMessage.objects.for_workspace(workspace).get()
    assert message.rule["rules"][0]["value"] == "user"
    assert message.body == '<p>Hello {{first_name | fallback: "there"}}, thanks for joining.</p>'

    # Preview as Aoi in the sandboxed frame.
    page.locator("[data-preview-contact]").select_option(label="Aoi Tanaka · aoi@example.com")
    page.locator("[data-preview-button]").click()
    frame = page.frame_locator("#preview-frame")
    expect(frame.locator("body")).to_contain_text("Hello Aoi, thanks for joining.")

    page.locator("[data-set-live]").click()
    expect(page.locator(".message--success")).to_contain_text("Live")
    expect(page.locator("#message-progress [data-sent]")).to_have_text("1")
    assert [m.to for m in mail.outbox] == [["aoi@example.com"]]
    assert mail.outbox[0].subject == "Welcome, Aoi"
    assert Delivery.objects.for_workspace(workspace).get().status == "sent"

    page.get_by_role("link", name="Emails").first.click()
    row = page.locator(f"#message-{message.pk}")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "live")
    expect(row.locator("[data-sent]")).to_have_text("1")
    assert errors == []
