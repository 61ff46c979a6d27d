"""The teammates' articles list and editor: versions and states, search and filters, drafts
and publication, language versions, preview, delete, sanitizing on save, scoping."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from articles import selectors, services
from articles.models import Article, ArticleContent, ArticleReaction, ArticleView, HelpImage
from tests.factories import ContactFactory, MembershipFactory, conversation_create

pytestmark = pytest.mark.django_db


def _url(name: str, workspace, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"articles:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def _article(workspace, title="How to export invoices", language="en", body="<p>Open Settings.</p>",  # type: ignore[no-untyped-def]
             publish=False, **kwargs):
    content = services.article_create(workspace=workspace, author=kwargs.pop("author", None), language=language,
                                      title=title, body=body, **kwargs)
    if publish:
        content = services.article_publish(content=content)
    return content


def _png(size=(40, 30), color=(200, 30, 30)) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


# --- the list ---------------------------------------------------------------------------------

class TestList:
    def test_signed_out_visitors_are_sent_to_sign_in(self, client, workspace):  # type: ignore[no-untyped-def]
        response = client.get(_url("index", workspace))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")

    def test_outsiders_get_404(self, client_outsider, workspace):  # type: ignore[no-untyped-def]
        _article(workspace)
        assert client_outsider.get(_url("index", workspace)).status_code == 404

    def test_versions_states_author_collection_and_statistics(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        collection = services.collection_create(workspace=workspace, titles={"en": "Billing", "ja": "請求"},
                                                descriptions={}, icon="card")
        english = _article(workspace, author=agent, collection=collection, publish=True)
        article = english.article
        services.article_draft_save(article=article, language="en", title=english.title, subtitle="",
                                    body="<p>Open Settings, then Billing.</p>")
        japanese = services.article_draft_save(article=article, language="ja", title="請求書の書き出し", subtitle="",
                                               body="<p>設定を開きます。</p>")
        assert japanese.state == ArticleContent.State.DRAFT
        contact = ContactFactory(workspace=workspace)
        for _ in range(3):
            services.article_view_record(article=article, contact=contact, language="en", source="help_center")
        for key, reaction in [("a", "happy"), ("b", "happy"), ("c", "happy"), ("d", "disappointed")]:
            services.article_react(article=article, reader_key=f"b:{key}", contact=None, reaction=reaction)
        services.article_conversation_record(article=article, workspace_id=workspace.pk,
                                             conversation_id=conversation_create(workspace=workspace).pk)

        response = client_agent.get(_url("index", workspace))
        assert response.status_code == 200
        html = response.content.decode()
        row = re.search(rf'<tr id="article-{article.number}">.*?</tr>', html, re.S).group(0)
        assert "How to export invoices" in row and "Aiko Agent" in row and "Billing" in row
        assert 'data-version="en" data-state="changed"' in row
        assert 'data-version="ja" data-state="draft"' in row
        assert '<td class="num" data-views>3</td>' in row
        assert '<span data-reaction="happy">😃 75%</span>' in row and '<span data-reaction="disappointed">😞 25%</span>' in row
        assert '<td class="num" data-conversations>1</td>' in row

    def test_title_in_the_teammate_s_language_and_untitled_drafts(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        content = _article(workspace, title="Reset your password")
        services.article_draft_save(article=content.article, language="ja", title="パスワードの再設定", subtitle="", body="")
        agent.user.language = "ja"
        agent.user.save()
        html = client_agent.get(_url("index", workspace)).content.decode()
        assert "パスワードの再設定" in html and "Reset your password" not in html
        agent.user.language = "en"
        agent.user.save()
        untitled = services.article_create(workspace=workspace, author=None, language="en", title="", body="<p>x</p>")
        html = client_agent.get(_url("index", workspace)).content.decode()
        assert re.search(rf'<tr id="article-{untitled.article.number}">.*?>Untitled</a>', html, re.S)

    def test_search_by_title_and_filter_by_state(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        draft = _article(workspace, title="Invite your team")
        published = _article(workspace, title="Export invoices", publish=True)
        changed = _article(workspace, title="Cancel a plan", publish=True)
        services.article_draft_save(article=changed.article, language="en", title="Cancel your plan", subtitle="",
                                    body=changed.body)

        def numbers(**params):  # type: ignore[no-untyped-def]
            html = client_agent.get(_url("index", workspace), params).content.decode()
            return {int(n) for n in re.findall(r'<tr id="article-(\d+)">', html)}

        assert numbers(q="invoice") == {published.article.number}
        assert numbers(q="INVITE") == {draft.article.number}
        assert numbers(state="draft") == {draft.article.number}
        assert numbers(state="published") == {published.article.number, changed.article.number}
        assert numbers(state="changed") == {changed.article.number}
        assert numbers(q="plan", state="changed") == {changed.article.number}
        assert numbers(state="nonsense") == {draft.article.number, published.article.number, changed.article.number}
        html = client_agent.get(_url("index", workspace), {"q": "zzz"}).content.decode()
        assert "No article matches" in html

    def test_htmx_gets_the_results_only(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        _article(workspace, title="Export invoices")
        full = client_agent.get(_url("index", workspace)).content.decode()
        partial = client_agent.get(_url("index", workspace), {"q": "export"}, headers={"HX-Request": "true"})
        assert partial.status_code == 200
        body = partial.content.decode()
        assert body.lstrip().startswith('<section class="card" id="article-results">')
        assert "Export invoices" in body and "<html" not in body and 'id="articles-nav"' not in body
        assert 'id="articles-nav"' in full and "<html" in full
        boosted = client_agent.get(_url("index", workspace), headers={"HX-Request": "true", "HX-Boosted": "true"})
        assert "<html" in boosted.content.decode()  # the main navigation swaps whole pages

    def test_the_area_navigation_and_the_help_center_link(self, client_agent, client_admin, workspace):  # type: ignore[no-untyped-def]
        help_center = services.help_center_for(workspace=workspace)
        html = client_agent.get(_url("index", workspace)).content.decode()
        assert f'href="/help/{help_center.slug}/" class="inbox-views__item articles-nav__external" target="_blank" rel="noopener"' in html
        assert _url("collections", workspace) in html
        assert _url("settings", workspace) not in html  # agents cannot change the settings
        assert _url("settings", workspace) in client_admin.get(_url("index", workspace)).content.decode()

    def test_query_count_does_not_grow_with_the_articles(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        collection = services.collection_create(workspace=workspace, titles={"en": "Billing"}, descriptions={},
                                                icon="card")

        def grow(count: int) -> None:
            for index in range(count):
                author = MembershipFactory(workspace=workspace)
                content = _article(workspace, title=f"Article {index}", author=author, collection=collection,
                                   publish=index % 2 == 0)
                services.article_draft_save(article=content.article, language="ja", title=f"記事 {index}",
                                            subtitle="", body="<p>本文</p>")
                ArticleView.objects.create(workspace=workspace, article=content.article, language="en",
                                           source="help_center")
                ArticleReaction.objects.create(workspace=workspace, article=content.article, reader_key=f"b:{index}",
                                               reaction="happy")

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client_agent.get(_url("index", workspace)).status_code == 200
            return len(captured.captured_queries)

        grow(3)
        small = count()
        grow(27)
        large = count()
        assert small == large <= 12, (small, large)


def test_the_list_s_queries_are_fixed(client_agent, workspace, django_assert_num_queries):  # type: ignore[no-untyped-def]
    """Session, user, membership, page count, help center, articles (with authors and
    collections), their versions, the three statistics queries and the workspace switcher's
    memberships: eleven, for 3 articles as for 30."""
    for size in (3, 30):
        for index in range(size - Article.objects.for_workspace(workspace).count()):
            _article(workspace, title=f"Article {index}", publish=True)
        with django_assert_num_queries(11):
            client_agent.get(_url("index", workspace))


# --- the editor -------------------------------------------------------------------------------

class TestNewArticle:
    def test_the_editor_page(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.get(_url("new", workspace))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="article-quill"' in html and 'data-body-input' in html and "vendor/quill/quill.js" in html
        assert f'data-upload-url="{_url("image_upload", workspace)}"' in html
        assert 'class="ql-article-button' in html and 'class="ql-callout' in html

    def test_save_creates_a_draft_by_the_teammate(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("new", workspace) + "?language=ja", {
            "title": " 請求書の発行 ", "subtitle": "毎月の請求書", "body": "<h2>手順</h2><p>設定を開きます。</p>",
            "author": agent.pk, "action": "save",
        })
        content = ArticleContent.objects.for_workspace(workspace).get()
        assert response.status_code == 302
        assert response["Location"] == _url("edit", workspace, number=content.article.number) + "?language=ja"
        assert (content.language, content.title, content.state) == ("ja", "請求書の発行", "draft")
        assert content.body == "<h2>手順</h2><p>設定を開きます。</p>" and content.published_body == ""
        assert content.article.author == agent

    def test_publish_at_once(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        client_agent.post(_url("new", workspace) + "?language=en", {"title": "Hello", "body": "<p>Hi</p>",
                                                                     "action": "publish"})
        content = ArticleContent.objects.for_workspace(workspace).get()
        assert content.state == "published" and content.published_body == "<p>Hi</p>" and content.slug == "hello"

    def test_publishing_needs_a_title_and_writes_nothing(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("new", workspace), {"title": "", "body": "<p>Hi</p>", "action": "publish"})
        assert response.status_code == 200
        assert "An article needs a title before it is published." in response.content.decode()
        assert not Article.objects.for_workspace(workspace).exists()

    def test_an_empty_article_is_not_created(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("new", workspace), {"title": "", "body": "", "action": "save"})
        assert "Write a title or some text first." in response.content.decode()
        assert not Article.objects.for_workspace(workspace).exists()

    def test_save_and_close_and_preview(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("new", workspace), {"title": "A", "body": "", "action": "close"})
        assert response["Location"] == _url("index", workspace)
        response = client_agent.post(_url("new", workspace) + "?language=en", {"title": "B", "action": "preview"})
        number = ArticleContent.objects.for_workspace(workspace).get(title="B").article.number
        assert response["Location"] == _url("preview", workspace, number=number) + "?language=en"


class TestEditArticle:
    def test_saving_a_published_version_keeps_serving_the_published_copy(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace, publish=True)
        number = content.article.number
        response = client_agent.post(_url("edit", workspace, number=number) + "?language=en", {
            "title": content.title, "body": "<p>New steps.</p>", "action": "save",
        })
        assert response.status_code == 302
        content.refresh_from_db()
        assert content.body == "<p>New steps.</p>" and content.published_body == "<p>Open Settings.</p>"
        page = client_agent.get(_url("edit", workspace, number=number) + "?language=en").content.decode()
        assert "data-unpublished-changes" in page and "Publish changes" in page
        assert f'href="/help/{services.help_center_for(workspace=workspace).slug}/en/articles/{number}-how-to-export-invoices"' in page

        client_agent.post(_url("edit", workspace, number=number) + "?language=en", {
            "title": content.title, "body": "<p>New steps.</p>", "action": "publish",
        })
        content.refresh_from_db()
        assert content.published_body == "<p>New steps.</p>" and not content.has_unpublished_changes

    def test_a_draft_has_no_help_center_link(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace)
        page = client_agent.get(_url("edit", workspace, number=content.article.number)).content.decode()
        assert "data-public-url" not in page and "View in help center" not in page

    def test_the_other_language_is_written_from_its_tab(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace, publish=True)
        number = content.article.number
        page = client_agent.get(_url("edit", workspace, number=number) + "?language=ja").content.decode()
        assert "This article has no 日本語 version yet" in page
        assert 'data-language-tab="en"' in page and 'data-language-tab="ja"' in page
        client_agent.post(_url("edit", workspace, number=number) + "?language=ja", {
            "title": "請求書を書き出す", "body": "<p>設定を開きます。</p>", "action": "publish",
        })
        versions = {c.language: c for c in ArticleContent.objects.for_workspace(workspace).filter(article=content.article)}
        assert versions["ja"].state == "published" and versions["ja"].slug == "請求書を書き出す"
        assert versions["en"].published_title == "How to export invoices"

    def test_place_and_author_are_scoped_and_checked(self, client_agent, workspace, other_workspace, outsider):  # type: ignore[no-untyped-def]
        content = _article(workspace)
        billing = services.collection_create(workspace=workspace, titles={"en": "Billing"}, descriptions={}, icon="card")
        setup = services.collection_create(workspace=workspace, titles={"en": "Setup"}, descriptions={}, icon="gear")
        setup_section = services.section_create(collection=setup, titles={"en": "First steps"})
        foreign = services.collection_create(workspace=other_workspace, titles={"en": "Theirs"}, descriptions={},
                                             icon="book")
        url = _url("edit", workspace, number=content.article.number) + "?language=en"
        base = {"title": "T", "body": "<p>x</p>", "action": "save"}

        response = client_agent.post(url, {**base, "collection": billing.pk, "section": setup_section.pk})
        assert response.status_code == 200
        assert "That section is not in the chosen collection" in response.content.decode()
        for bad in ({"collection": foreign.pk}, {"author": outsider.pk}):
            response = client_agent.post(url, {**base, **bad})
            assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        content.refresh_from_db()
        article = Article.objects.for_workspace(workspace).get(pk=content.article_id)
        assert (content.title, article.collection_id, article.author_id) == ("How to export invoices", None, None)

        client_agent.post(url, {**base, "collection": setup.pk, "section": setup_section.pk})
        article.refresh_from_db()
        assert (article.collection_id, article.section_id) == (setup.pk, setup_section.pk)

    def test_bodies_are_sanitized_when_saved(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace)
        body = (
            '<h2>Steps</h2><script>alert(1)</script><p onclick="steal()">Click '
            '<a href="javascript:alert(2)">here</a></p><img src="x" onerror="alert(3)">'
            '<img src="/help/media/abcdefghijklmnopqrstuvwx" onerror="alert(4)">'
            '<iframe src="https://www.youtube.com/watch?v=dQw4w9WgXcQ"></iframe>'
        )
        client_agent.post(_url("edit", workspace, number=content.article.number) + "?language=en",
                          {"title": "T", "body": body, "action": "publish"})
        content.refresh_from_db()
        for stored in (content.body, content.published_body):
            lowered = stored.lower()
            assert "<script" not in lowered and "onerror" not in lowered and "onclick" not in lowered
            assert "javascript:" not in lowered and 'src="x"' not in lowered
            assert '<img src="/help/media/abcdefghijklmnopqrstuvwx">' in stored
            assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in stored
            assert "<h2>Steps</h2>" in stored

    def test_an_author_who_left_the_team_stays_the_author(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        former = MembershipFactory(workspace=workspace, user__name="Fumiko Former")
        content = _article(workspace, author=former)
        former.is_active = False
        former.save()
        url = _url("edit", workspace, number=content.article.number) + "?language=en"
        assert "Fumiko Former" in client_agent.get(url).content.decode()
        response = client_agent.post(url, {"title": "T", "body": "<p>x</p>", "author": former.pk, "action": "save"})
        assert response.status_code == 302
        other = _article(workspace, title="Other")
        response = client_agent.post(_url("edit", workspace, number=other.article.number),
                                     {"title": "T", "body": "<p>x</p>", "author": former.pk, "action": "save"})
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()

    def test_the_editor_shows_the_body_sanitized_and_escaped(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace, body="<p>Type &lt;/textarea&gt; safely</p>")
        # A row written by another path (an import, a bug) is still shown cleaned.
        ArticleContent.objects.for_workspace(workspace).filter(pk=content.pk).update(
            body='<p>Type &lt;/textarea&gt; safely</p><img src=x onerror="alert(1)">')
        html = client_agent.get(_url("edit", workspace, number=content.article.number)).content.decode()
        textarea = re.search(r"<textarea name=\"body\"[^>]*>(.*?)</textarea>", html, re.S).group(1)
        assert textarea == "&lt;p&gt;Type &amp;lt;/textarea&amp;gt; safely&lt;/p&gt;&lt;img&gt;"  # no onerror, no src

    def test_posting_ownership_fields_changes_nothing(self, client_agent, workspace, other_workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace)
        article = content.article
        client_agent.post(_url("edit", workspace, number=article.number) + "?language=en", {
            "title": "Renamed", "body": "<p>x</p>", "action": "save", "workspace": other_workspace.pk,
            "workspace_id": other_workspace.pk, "number": 999, "article": 12345, "state": "published",
            "published_body": "<p>sneaky</p>", "slug": "sneaky",
        })
        content = ArticleContent.all_workspaces.get(pk=content.pk)  # all_workspaces: proving it did not move
        article = Article.all_workspaces.get(pk=article.pk)
        assert (content.workspace_id, article.workspace_id, article.number) == (workspace.pk, workspace.pk, article.number)
        assert content.title == "Renamed" and content.state == "draft" and content.published_body == ""
        assert content.slug == "" and not Article.all_workspaces.filter(number=999).exists()

    def test_unpublish_keeps_the_draft(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace, publish=True)
        number = content.article.number
        response = client_agent.post(_url("unpublish", workspace, number=number), {"language": "en"})
        assert response["Location"] == _url("edit", workspace, number=number) + "?language=en"
        content.refresh_from_db()
        assert content.state == "draft" and content.published_body == "" and content.body == "<p>Open Settings.</p>"
        assert selectors.published_content(workspace=workspace, number=number, language="en") is None
        assert client_agent.get(_url("unpublish", workspace, number=number)).status_code == 405

    def test_delete_asks_then_deletes(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace, publish=True)
        number = content.article.number
        page = client_agent.get(_url("delete", workspace, number=number)).content.decode()
        assert "Delete “How to export invoices”" in page and "It is published (English)" in page
        assert Article.objects.for_workspace(workspace).filter(number=number).exists()
        response = client_agent.post(_url("delete", workspace, number=number))
        assert response["Location"] == _url("index", workspace)
        assert not Article.objects.for_workspace(workspace).filter(number=number).exists()

    def test_preview_shows_the_draft_and_says_so(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        content = _article(workspace, publish=True)
        services.article_draft_save(article=content.article, language="en", title="New title", subtitle="Sub",
                                    body="<h2>Next</h2><p>Draft words</p><script>x()</script>")
        page = client_agent.get(_url("preview", workspace, number=content.article.number) + "?language=en")
        html = page.content.decode()
        assert page.status_code == 200 and "data-preview-banner" in html
        assert "Readers see the published version until the changes are published" in html
        assert "New title" in html and "<h2>Next</h2><p>Draft words</p>" in html and "<script>x()" not in html
        assert client_agent.get(_url("preview", workspace, number=content.article.number) + "?language=ja"
                                 ).status_code == 404

    def test_an_unknown_article_is_404(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        for name in ("edit", "preview", "delete"):
            assert client_agent.get(_url(name, workspace, number=4242)).status_code == 404


# --- pictures -----------------------------------------------------------------------------------

class TestImageUpload:
    def test_a_picture_is_stored_and_served_from_its_token(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        upload = io.BytesIO(_png())
        upload.name = "screen.png"
        response = client_agent.post(_url("image_upload", workspace), {"image": upload})
        assert response.status_code == 201
        url = response.json()["url"]
        assert re.fullmatch(r"/help/media/[A-Za-z0-9_-]{24}", url)
        image = HelpImage.objects.for_workspace(workspace).get()
        assert url.endswith(image.token) and image.uploaded_by == agent and (image.width, image.height) == (40, 30)
        served = client_agent.get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"

    def test_not_a_picture_is_refused_with_a_translated_reason(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        agent.user.language = "ja"
        agent.user.save()
        upload = io.BytesIO(b"<svg onload=alert(1)></svg>")
        upload.name = "logo.png"
        response = client_agent.post(_url("image_upload", workspace), {"image": upload})
        assert response.status_code == 400
        assert response.json()["error"] == "PNG、JPEG、GIF、WebP のいずれかの画像をアップロードしてください。"
        assert not HelpImage.objects.for_workspace(workspace).exists()

    def test_too_large_is_refused(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        upload = io.BytesIO(_png() + b"\0" * (5 * 1024 * 1024))
        upload.name = "huge.png"
        response = client_agent.post(_url("image_upload", workspace), {"image": upload})
        assert response.status_code == 400
        assert response.json()["error"] == "The picture is too large: 5.0\xa0MB at most."
        assert not HelpImage.objects.for_workspace(workspace).exists()

    def test_nothing_chosen_and_wrong_method(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("image_upload", workspace), {})
        assert response.status_code == 400 and response.json()["error"]
        assert client_agent.get(_url("image_upload", workspace)).status_code == 405

    def test_outsiders_get_404_and_nothing_is_stored(self, client_outsider, workspace):  # type: ignore[no-untyped-def]
        upload = io.BytesIO(_png())
        upload.name = "screen.png"
        assert client_outsider.post(_url("image_upload", workspace), {"image": upload}).status_code == 404
        assert not HelpImage.objects.for_workspace(workspace).exists()

    def test_csrf_is_required(self, workspace, agent):  # type: ignore[no-untyped-def]
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(agent.user, backend="accounts.backends.EmailBackend")
        upload = io.BytesIO(_png())
        upload.name = "screen.png"
        assert client.post(_url("image_upload", workspace), {"image": upload}).status_code == 403
