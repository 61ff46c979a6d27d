"""A customer on the public help center, in Chromium: searches in Japanese and in English and
sees the matches highlighted, opens an article, reacts 😞 and is offered a conversation, which
opens the workspace's messenger on the page, then switches the article to Japanese. The strict
CSP holds throughout (no inline script or style is needed)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from articles import services
from articles.models import ArticleReaction
from tests.factories import MembershipFactory, WorkspaceFactory


def _help_center(workspace, author):  # type: ignore[no-untyped-def]
    help_center = services.help_center_update(help_center=services.help_center_for(workspace=workspace),
                                              name="Acme Help", default_language="en")
    billing = services.collection_create(workspace=workspace, titles={"en": "Billing", "ja": "請求とお支払い"},
                                         descriptions={"en": "Invoices and payments", "ja": "請求書とお支払い"},
                                         icon="card")
    english = services.article_create(
        workspace=workspace, author=author, language="en", title="Exporting your invoices",
        subtitle="Every invoice, as a PDF", collection=billing,
        body="<p>Invoices can be exported from Settings, Billing. Each invoice is a PDF file.</p>")
    services.article_publish(content=english)
    japanese = services.article_draft_save(
        article=english.article, language="ja", title="請求書を発行する方法", subtitle="毎月の請求書はPDFで保存できます",
        body="<p>請求書は「設定」の「お支払い」画面から発行できます。PDF形式でダウンロードし、経理担当者に送ってください。</p>")
    services.article_publish(content=japanese)
    other = services.article_create(workspace=workspace, author=author, language="en", title="Resetting your password",
                                    body="<p>Request a password reset email.</p>", collection=billing)
    services.article_publish(content=other)
    return help_center


def test_search_read_react_and_switch_language(page: Page, live_server, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    workspace = WorkspaceFactory(name="Acme", slug="acme", default_language="en")
    author = MembershipFactory(workspace=workspace, role="owner", user__name="Hana Support")
    help_center = _help_center(workspace, author)
    csp_errors: list[str] = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server.url}/help/{help_center.slug}/")
    expect(page).to_have_url(re.compile(r"/help/acme/en/$"))
    expect(page.get_by_role("link", name=re.compile("Billing"))).to_be_visible()

    # Japanese, on the Japanese side of the help center.
    page.get_by_role("link", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("searchbox").fill("請求書の発行")
    page.get_by_role("searchbox").press("Enter")
    result = page.locator(".hc-result").first
    expect(result.locator(".hc-result__title")).to_have_text("請求書を発行する方法")
    expect(result.locator("mark").first).to_have_text("請求書")

    # English.
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("searchbox").fill("export invoice")
    page.get_by_role("searchbox").press("Enter")
    expect(page.locator(".hc-result")).to_have_count(1)
    expect(page.locator(".hc-result__title mark").first).to_have_text(re.compile("^Export", re.I))

    # Read it, and say it did not help.
    page.locator(".hc-result").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exporting your invoices")
    expect(page.locator("#parley-messenger")).to_have_count(1)  # the workspace's messenger, booted
    page.get_by_role("button", name="Disappointed").click()
    offer = page.locator(".hc-reactions__offer")
    expect(offer).to_be_visible()
    expect(page.get_by_role("button", name="Disappointed")).to_have_attribute("aria-pressed", "true")
    assert ArticleReaction.objects.for_workspace(workspace).get().reaction == "disappointed"
    offer.get_by_role("button", name="Start a conversation").click()
    expect(page.frame_locator("#parley-messenger iframe").locator("textarea[name=body]")).to_be_visible()

    # The language switch keeps the reader on the same article.
    page.get_by_role("link", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("請求書を発行する方法")
    assert csp_errors == []
