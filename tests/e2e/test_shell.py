"""The agent app's shell in a real browser: signing in, the navigation, the keyboard
shortcuts and the switch to Japanese."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD, MembershipFactory, WorkspaceFactory
from workspaces.models import Membership


def _membership(role: str, email: str) -> Membership:
    workspace = WorkspaceFactory(name="Acme", slug="acme")
    return MembershipFactory(workspace=workspace, role=role, user__email=email, user__language="en")


def sign_in(page: Page, live_server, email: str, password: str = TEST_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/accounts/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_switch_to_japanese_and_see_the_shell_in_japanese(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _membership(Membership.Role.OWNER, "olivia@example.com")

    sign_in(page, live_server, "olivia@example.com")
    expect(page).to_have_url(live_server.url + "/w/acme/inbox/")
    nav = page.locator("#app-nav")
    expect(nav.get_by_role("link", name="Inbox")).to_be_visible()

    page.goto(live_server.url + "/accounts/profile/")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(live_server.url + "/accounts/profile/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(nav.get_by_role("link", name="受信トレイ")).to_be_visible()  # Inbox
    expect(nav.get_by_role("link", name="連絡先")).to_be_visible()  # Contacts
    expect(nav.get_by_role("link", name="設定")).to_be_visible()  # Settings


def test_agent_moves_around_with_the_nav_and_the_keyboard(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _membership(Membership.Role.AGENT, "aiko@example.com")
    sign_in(page, live_server, "aiko@example.com")
    expect(page).to_have_url(live_server.url + "/w/acme/inbox/")

    page.locator("#app-nav").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(live_server.url + "/w/acme/contacts/")
    expect(page.get_by_role("heading", name="All people", level=1)).to_be_visible()

    # Shortcuts are ignored while typing, so make sure nothing that takes text has focus.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("g")
    page.keyboard.press("i")
    expect(page).to_have_url(live_server.url + "/w/acme/inbox/")
    expect(page.locator("#app-nav").get_by_role("link", name="Inbox")).to_have_attribute("aria-current", "page")


def test_wrong_password_re_renders_the_form_with_an_error(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _membership(Membership.Role.AGENT, "aiko@example.com")

    sign_in(page, live_server, "aiko@example.com", password="not the password at all")

    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(live_server.url + "/accounts/sign-in/") + r"(\?.*)?$"))
    expect(page.get_by_label("Email")).to_have_value("aiko@example.com")
    expect(page.get_by_label("Password")).to_have_value("")
