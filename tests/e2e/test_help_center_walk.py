"""The help center end to end, as the issue walks it: a teammate writes an article with a
picture, in English and in Japanese, and publishes both; a reader finds it through the public
search in Japanese and in English and reacts to it; a customer's messenger Help tab finds it;
and the agent sees it among that customer's recently viewed articles."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from articles.models import ArticleContent, ArticleReaction, ArticleView
from inbox.models import Conversation
from tests.e2e.test_articles_authoring import _png, _watch_console
from tests.e2e.test_messenger import launcher, panel, send
from tests.e2e.test_messenger_help import wait_for
from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory


def _write(page: Page, title: str, paragraph: str, *, picture: bool) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    editor = page.locator("#article-quill .ql-editor")
    editor.click()
    page.keyboard.type(paragraph)
    page.keyboard.press("Enter")
    if picture:
        with page.expect_response(lambda response: response.url.endswith("/articles/images/")) as uploaded:
            page.locator("[data-image-input]").set_input_files(
                {"name": "invoice.png", "mimeType": "image/png", "buffer": _png()}
            )
        assert uploaded.value.status == 201
        expect(editor.locator('img[src^="/help/media/"]')).to_have_count(1)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("Published")


def test_write_publish_find_react_read_in_the_messenger_and_see_it_in_the_inbox(
    page: Page, browser, live_server, settings,
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = live_server.url
    workspace = WorkspaceFactory(name="Acme Support", slug="demo", default_language="en")
    MembershipFactory(workspace=workspace, role="owner", user__email="hana@example.com", user__name="Hana Support")
    errors = _watch_console(page)

    # 1. The teammate writes the English version with a picture, then the Japanese one.
    sign_in(page, live_server, "hana@example.com")
    page.goto(f"{live_server.url}/w/demo/articles/new/")
    _write(page, "Exporting your invoices", "Invoices are exported from Settings, Billing, as PDF files.",
           picture=True)
    page.locator("[data-language-tab=ja]").click()
    _write(page, "請求書をエクスポートする", "請求書は「設定」の「お支払い」画面からPDFでダウンロードできます。", picture=False)
    versions = {c.language: c for c in ArticleContent.objects.for_workspace(workspace)}
    assert {language: c.state for language, c in versions.items()} == {"en": "published", "ja": "published"}
    assert re.search(r'<img src="/help/media/[A-Za-z0-9_-]{24}">', versions["en"].published_body)
    number = versions["en"].article.number
    assert errors == []

    # 2. A reader finds it through the public search, in Japanese and in English.
    reader = browser.new_context(locale="ja-JP")
    try:
        public = reader.new_page()
        public.goto(f"{live_server.url}/help/demo/ja/")
        public.locator("#hc-q").fill("請求書のダウンロード")
        public.locator("#hc-q").press("Enter")
        hit = public.get_by_role("link", name="請求書をエクスポートする")
        expect(hit).to_be_visible()
        expect(public.locator("mark").first).to_have_text("請求書")
        public.goto(f"{live_server.url}/help/demo/en/")
        public.locator("#hc-q").fill("export invoice")
        public.locator("#hc-q").press("Enter")
        public.get_by_role("link", name="Exporting your invoices").click()
        expect(public.get_by_role("heading", name="Exporting your invoices", level=1)).to_be_visible()
        picture = public.locator(".hc-article__body img")
        expect(picture).to_have_js_property("complete", True)
        assert picture.evaluate("img => img.naturalWidth") == 64
        # ...and reacts: the 😞 offers a conversation.
        public.locator("#reactions button[value=disappointed]").click()
        expect(public.locator(".hc-reactions__offer")).to_be_visible()
        assert ArticleReaction.objects.for_workspace(workspace).get().reaction == "disappointed"
    finally:
        reader.close()

    # 3. A customer on the customer's site finds it in the messenger's Help tab and reads it.
    customer = browser.new_context(locale="en-US")
    try:
        site = customer.new_page()
        site.goto(f"{live_server.url.replace('localhost', '127.0.0.1')}/demo/")
        launcher(site).click()
        messenger = panel(site)
        messenger.locator(".panel-tab[hx-get='/messenger/panel/help']").click()
        # The box takes the focus once htmx has settled the tab: only then does typing search.
        expect(messenger.locator("[data-help-search]")).to_be_focused()
        messenger.locator("[data-help-search]").fill("invoices")
        result = messenger.locator(f"#help-result-{number}")
        expect(result).to_contain_text("Exporting your invoices")
        result.click()
        expect(messenger.get_by_role("heading", name="Exporting your invoices")).to_be_visible()
        # (The public help center's page above booted the messenger too: another visitor.)
        assert wait_for(lambda: ArticleView.objects.for_workspace(workspace).filter(
            contact__isnull=False, source="messenger").exists(), site)
        reader_contact = ArticleView.objects.for_workspace(workspace).get(source="messenger").contact
        messenger.locator("[data-ask-about-article]").click()
        send(site, "Where is the PDF button?")
        expect(messenger.get_by_text("Where is the PDF button?")).to_be_visible()
    finally:
        customer.close()

    # 4. The agent sees the article among the customer's recently viewed articles.
    conversation = Conversation.objects.for_workspace(workspace).get()
    assert conversation.contact_id == reader_contact.pk
    page.goto(f"{live_server.url}/w/demo/inbox/c/{conversation.number}/")
    expect(page.locator("#recent-articles")).to_contain_text("Exporting your invoices")
    assert errors == []
