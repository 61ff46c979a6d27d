"""An admin invites a teammate from Settings; the teammate opens the emailed link in their
own browser, creates an account and lands in the workspace."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, expect

from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Membership


def test_invite_a_teammate_who_joins_through_the_emailed_link(page: Page, browser, live_server, eager_celery) -> None:  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme")
    MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__email="adam@example.com")
    sign_in(page, live_server, "adam@example.com")
    page.locator("#app-nav").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Teammates").click()
    expect(page).to_have_url(live_server.url + "/w/acme/settings/teammates/")

    invite = page.locator("form", has=page.get_by_role("button", name="Send invitation"))
    invite.get_by_label("Email").fill("not-an-address")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".field__errors")).to_be_visible()  # re-rendered with the error

    invite = page.locator("form", has=page.get_by_role("button", name="Send invitation"))
    invite.get_by_label("Email").fill("kenji@example.com")
    invite.get_by_label("Role").select_option("agent")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to kenji@example.com.")).to_be_visible()
    expect(page.locator("#app-main").get_by_role("cell", name=re.compile("kenji@example.com"))).to_be_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("/invitations/", 1)[1]

    newcomer = browser.new_context(locale="ja-JP").new_page()
    try:
        newcomer.goto(f"{live_server.url}/invitations/{path}")
        newcomer.locator("#id_name").fill("山田 健二")
        newcomer.locator("#id_password").fill("a-long-enough-passphrase")
        newcomer.locator("form.form button[type=submit]").click()
        expect(newcomer).to_have_url(live_server.url + "/w/acme/inbox/")
        expect(newcomer.locator(".user-menu")).to_contain_text("山田 健二")
        # The link worked once; opening it again says so.
        again = newcomer.goto(f"{live_server.url}/invitations/{path}")
        assert again is not None and again.status == 404
        assert Membership.objects.for_workspace(workspace).filter(user__email="kenji@example.com").exists()
    finally:
        newcomer.context.close()
