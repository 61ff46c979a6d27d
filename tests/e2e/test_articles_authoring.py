"""A teammate writes an article in the Quill editor (a heading, a paragraph, a picture
uploaded through the toolbar's file input) and publishes it; and drags a collection above
another, an order that is still there after a reload."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from articles import services
from articles.models import ArticleContent, Collection
from tests.e2e.test_shell import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory


def _teammate():  # type: ignore[no-untyped-def]
    workspace = WorkspaceFactory(name="Acme", slug="acme", default_language="en")
    MembershipFactory(workspace=workspace, role="agent", user__email="aiko@example.com", user__name="Aiko Agent")
    return workspace


def _watch_console(page: Page) -> list[str]:
    """Errors the page logs, CSP refusals included (no inline script or style may run), and
    failed responses. (Chromium's own /favicon.ico request, which no page makes, is left out:
    it reaches the console but not the page's responses.)"""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    return errors


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_write_an_article_with_a_heading_and_a_picture_and_publish_it(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    workspace = _teammate()
    errors = _watch_console(page)
    sign_in(page, live_server, "aiko@example.com")
    page.goto(f"{live_server.url}/w/acme/articles/")
    page.get_by_role("link", name="New article").first.click()
    expect(page).to_have_url(re.compile(r"/w/acme/articles/new/$"))

    # With JavaScript, Quill replaces the HTML textarea.
    editor = page.locator("#article-quill .ql-editor")
    expect(editor).to_be_visible()
    expect(page.locator("[data-body-input]")).to_be_hidden()

    page.get_by_label("Title", exact=True).fill("Getting started")
    editor.click()
    page.keyboard.type("Set up your account")
    page.locator("#article-toolbar .ql-header .ql-picker-label").click()
    page.locator('#article-toolbar .ql-header .ql-picker-item[data-value="2"]').click()
    expect(editor.locator("h2")).to_have_text("Set up your account")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Open the settings page and choose a plan.")
    page.keyboard.press("Enter")

    # The toolbar's picture button opens this input; the file goes to Parley, not into the page.
    with page.expect_response(lambda response: response.url.endswith("/w/acme/articles/images/")) as uploaded:
        page.locator("[data-image-input]").set_input_files(
            {"name": "screen.png", "mimeType": "image/png", "buffer": _png()}
        )
    assert uploaded.value.status == 201
    picture = editor.locator('img[src^="/help/media/"]')
    expect(picture).to_have_count(1)
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") == 64  # served back by /help/media/<token>

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("Published")
    expect(page.locator("[data-public-url]")).to_be_visible()

    content = ArticleContent.objects.for_workspace(workspace).get()
    assert content.state == "published" and content.published_title == "Getting started"
    body = content.published_body
    assert "<h2>Set up your account</h2>" in body
    assert "<p>Open the settings page and choose a plan.</p>" in body  # plain spaces, not &nbsp;
    assert re.search(r'<img src="/help/media/[A-Za-z0-9_-]{24}">', body), body
    # Reopened, the editor shows the stored body again.
    page.reload()
    expect(editor.locator("h2")).to_have_text("Set up your account")
    expect(editor.locator('img[src^="/help/media/"]')).to_have_count(1)
    assert errors == []


def test_drag_a_collection_above_another(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    workspace = _teammate()
    billing = services.collection_create(workspace=workspace, titles={"en": "Billing"}, descriptions={}, icon="card")
    starting = services.collection_create(workspace=workspace, titles={"en": "Getting started"}, descriptions={},
                                          icon="rocket")
    errors = _watch_console(page)
    sign_in(page, live_server, "aiko@example.com")
    page.goto(f"{live_server.url}/w/acme/articles/collections/")
    rows = page.locator("#collection-list > li")
    expect(rows.nth(0)).to_contain_text("Billing")

    handle = page.locator(f"#collection-{starting.pk} [data-handle]")
    target = page.locator(f"#collection-{billing.pk}")
    with page.expect_response(lambda response: response.url.endswith("/collections/order/")) as saved:
        box, goal = handle.bounding_box(), target.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        # Small steps, as a hand moves: SortableJS swaps once the pointer is over the upper half.
        page.mouse.move(goal["x"] + 40, goal["y"] + goal["height"] / 2, steps=12)
        page.mouse.move(goal["x"] + 40, goal["y"] + 4, steps=6)
        page.mouse.up()
    assert saved.value.status == 204
    expect(rows.nth(0)).to_contain_text("Getting started")

    page.reload()
    expect(rows.nth(0)).to_contain_text("Getting started")
    expect(rows.nth(1)).to_contain_text("Billing")
    assert list(Collection.objects.for_workspace(workspace).order_by("position").values_list("pk", flat=True)) == [
        starting.pk, billing.pk]
    assert errors == []


def test_callout_button_and_video_survive_a_save_and_a_reload(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    workspace = _teammate()
    content = services.article_create(workspace=workspace, author=None, language="en", title="Plans",
                                      body="<p>Choose a plan.</p>")
    answers = {
        "Where should the button go? Paste an address (https://…):": "https://example.com/pricing",
        "Text of the button:": "See the plans",
        "Paste the address of a YouTube or Vimeo video:": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    }
    page.on("dialog", lambda dialog: dialog.accept(answers.get(dialog.message, "")))
    errors = _watch_console(page)
    sign_in(page, live_server, "aiko@example.com")
    page.goto(f"{live_server.url}/w/acme/articles/{content.article.number}/")
    editor = page.locator("#article-quill .ql-editor")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Prices include tax.")
    page.locator("#article-toolbar .ql-callout").click()
    expect(editor.locator("div.callout.callout--info")).to_have_text("Prices include tax.")
    page.keyboard.press("Enter")
    page.locator("#article-toolbar .ql-callout").click()  # the next line is plain text again
    page.locator("#article-toolbar .ql-article-button").click()
    expect(editor.locator("a.article-button")).to_have_text("See the plans")
    page.keyboard.press("Enter")
    page.locator("#article-toolbar .ql-video").click()
    expect(editor.locator("iframe")).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("Draft saved")
    content.refresh_from_db()
    assert '<div class="callout callout--info">Prices include tax.</div>' in content.body
    assert '<a class="article-button" href="https://example.com/pricing" rel="noopener noreferrer">See the plans</a>' in content.body
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" allowfullscreen="true" title="Video"></iframe>' in content.body
    # Read back into the editor and saved again, nothing is lost or turned into a plain link.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("Draft saved")
    before = content.body
    content.refresh_from_db()
    assert content.body == before
    assert errors == []
