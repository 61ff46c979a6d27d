"""The help center inside the messenger and the inbox, in two browsers: a customer on the demo
site reads an article in the messenger's Help tab, the agent sees it among the customer's
recently viewed articles, answers with another article, and the customer opens that one
from the card in the conversation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from articles import services as article_services
from articles.models import ArticleConversation, ArticleView
from contacts.models import Contact
from inbox.models import Conversation, ConversationPart
from tests.e2e.test_messenger import launcher, panel, send
from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory


def publish(workspace, language: str, title: str, body: str):  # type: ignore[no-untyped-def]
    content = article_services.article_create(workspace=workspace, author=None, language=language, title=title,
                                              body=body)
    return article_services.article_publish(content=content)


@pytest.fixture
def desk(live_server, settings):  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    workspace = WorkspaceFactory(name="Acme Support", slug="demo", default_language="en")
    MembershipFactory(workspace=workspace, role="owner", user__email="hana@example.com", user__name="Hana Support")
    invoice = publish(workspace, "ja", "請求書を発行する方法",
                      "<p>請求書は「設定」の「お支払い」画面から発行できます。PDF形式でダウンロードしてください。</p>")
    export = publish(workspace, "en", "Exporting your invoices",
                     "<p>Invoices can be exported from Settings, Billing, as PDF files.</p>")
    return workspace, live_server.url.replace("localhost", "127.0.0.1"), invoice, export


def wait_for(check, page: Page, tries: int = 50) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if check():
            return True
        page.wait_for_timeout(100)
    return check()


def test_a_customer_reads_help_in_japanese_and_the_agent_answers_with_an_article(
    page: Page, browser, live_server, desk,
) -> None:  # type: ignore[no-untyped-def]
    workspace, site, invoice, export = desk
    page.goto(f"{site}/demo/")
    launcher(page).click()
    messenger = panel(page)

    # The Help tab: search in Japanese as one types, open the article inside the panel.
    messenger.locator(".panel-tab[hx-get='/messenger/panel/help']").click()
    # The box takes the focus once htmx has settled the tab: only then does typing search.
    expect(messenger.locator("[data-help-search]")).to_be_focused()
    messenger.locator("[data-help-search]").fill("請求書の発行")
    result = messenger.locator(f"#help-result-{invoice.article.number}")
    expect(result).to_contain_text("請求書を発行する方法")
    expect(result.locator("mark").first).to_have_text("請求書")
    result.click()
    expect(messenger.get_by_role("heading", name="請求書を発行する方法")).to_be_visible()
    expect(messenger.get_by_text("画面から発行できます")).to_be_visible()
    contact = Contact.objects.for_workspace(workspace).get()
    assert wait_for(lambda: ArticleView.objects.for_workspace(workspace).filter(
        contact=contact, article=invoice.article, source="messenger").exists(), page)

    # 😞 puts "Send us a message" first; the conversation remembers the article.
    messenger.locator("#help-feedback button[value=disappointed]").click()
    expect(messenger.locator(".help-ask--prominent")).to_be_visible()
    messenger.locator("[data-ask-about-article]").click()
    send(page, "PDFが見つかりません")
    expect(messenger.get_by_text("PDFが見つかりません")).to_be_visible()
    conversation = Conversation.objects.for_workspace(workspace).get()
    assert ArticleConversation.objects.for_workspace(workspace).get(conversation=conversation).article_id == (
        invoice.article_id)

    agent_context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    try:
        agent = agent_context.new_page()
        sign_in(agent, live_server, "hana@example.com")
        agent.goto(f"{live_server.url}/w/{workspace.slug}/inbox/c/{conversation.number}/")
        recent = agent.locator("#recent-articles")
        expect(recent).to_contain_text("請求書を発行する方法")

        # Insert an article into the reply: search, pick, send.
        agent.locator(".composer-article > summary").click()
        agent.locator("#article-search").fill("export invoices")
        pick = agent.locator(f"#article-results [data-article-pick][data-number='{export.article.number}']")
        expect(pick).to_be_visible()
        pick.click()
        expect(agent.locator("#composer-article-chip")).to_contain_text("Exporting your invoices")
        agent.locator("#composer-body").fill("This guide shows where the PDF is.")
        agent.get_by_role("button", name="Send", exact=True).click()
        expect(agent.locator(f"[data-article-card='{export.article.number}']")).to_contain_text(
            "Exporting your invoices")
        part = ConversationPart.objects.for_workspace(workspace).get(kind="reply")
        assert part.article_id == export.article_id

        # The customer opens it from the card in the conversation, inside the messenger.
        card = messenger.locator(f"[data-article-card='{export.article.number}']")
        expect(card).to_be_visible(timeout=10_000)
        card.click()
        expect(messenger.get_by_role("heading", name="Exporting your invoices")).to_be_visible()
        expect(messenger.get_by_text("exported from Settings, Billing")).to_be_visible()
        assert wait_for(lambda: ArticleView.objects.for_workspace(workspace).filter(
            contact=contact, article=export.article).exists(), page)
        # Back leads to the conversation.
        messenger.locator(".panel-header .panel-icon-button").first.click()
        expect(messenger.get_by_text("This guide shows where the PDF is.")).to_be_visible()

        agent.reload()
        expect(agent.locator("#recent-articles")).to_contain_text("Exporting your invoices")
    finally:
        agent_context.close()


def test_suggested_articles_appear_while_writing_the_first_message(page: Page, desk) -> None:  # type: ignore[no-untyped-def]
    workspace, site, invoice, _export = desk
    page.goto(f"{site}/demo/")
    launcher(page).click()
    messenger = panel(page)
    messenger.get_by_role("button", name="Send us a message").first.click()
    composer = messenger.locator("textarea[name=body]")
    composer.press_sequentially("請求書をダウンロードしたい", delay=20)
    suggestion = messenger.locator("#panel-suggestions [data-keep-draft]")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("請求書を発行する方法")
    suggestion.click()
    expect(messenger.get_by_role("heading", name="請求書を発行する方法")).to_be_visible()
    # Back to the composer, with the draft kept.
    messenger.locator(".panel-header .panel-icon-button").first.click()
    expect(messenger.locator("textarea[name=body]")).to_have_value(re.compile("請求書をダウンロードしたい"))
