"""The messenger's Help tab: search (Japanese and English), collections, an article read in
the panel (a view recorded for the contact), reactions, "still need help?", private help
centers, and the articles suggested while a customer writes a first message."""

from __future__ import annotations

import re

import pytest

from articles import access, selectors, services
from articles.models import ArticleConversation, ArticleReaction, ArticleView
from contacts.models import Contact
from inbox.models import Conversation
from messenger.identity import user_hash
from tests.messenger.conftest import Messenger

pytestmark = pytest.mark.django_db

HELP = "/messenger/panel/help"


def publish(workspace, language: str, title: str, body: str, **extra):  # type: ignore[no-untyped-def]
    content = services.article_create(workspace=workspace, author=None, language=language, title=title, body=body,
                                      **extra)
    return services.article_publish(content=content)


@pytest.fixture
def articles(demo_workspace):  # type: ignore[no-untyped-def]
    collection = services.collection_create(
        workspace=demo_workspace, titles={"en": "Billing", "ja": "お支払い"}, descriptions={}, icon="card"
    )
    ja = publish(demo_workspace, "ja", "請求書を発行する方法",
                 "<p>請求書は「設定」の「お支払い」画面から発行できます。</p>", collection=collection)
    en = publish(demo_workspace, "en", "Exporting your invoices",
                 '<p>Invoices can be exported from Settings.</p><iframe src="https://youtu.be/dQw4w9WgXcQ"></iframe>',
                 collection=collection)
    draft = services.article_create(workspace=demo_workspace, author=None, language="ja", title="請求書の下書き",
                                    body="<p>請求書</p>")
    return {"ja": ja, "en": en, "draft": draft, "collection": collection}


def number(content) -> int:  # type: ignore[no-untyped-def]
    return content.article.number


def verified_user(workspace) -> Messenger:  # type: ignore[no-untyped-def]
    messenger = Messenger(workspace.app_id)
    messenger.boot({"user_id": "u-1", "email": "yuki@example.com",
                    "user_hash": user_hash(secret=workspace.identity_secret, subject="u-1")}, language="ja")
    return messenger


class TestSearchAndBrowse:
    def test_the_help_tab_lists_collections_in_the_visitors_language(self, messenger, articles):
        messenger.boot(language="ja")
        page = messenger.get(HELP).content.decode()
        assert "お支払い" in page and "請求書を発行する方法" in page
        assert "Exporting your invoices" not in page  # the tree is in the messenger's language
        assert "請求書の下書き" not in page

    def test_search_in_japanese_and_in_english(self, messenger, demo_workspace, articles):
        messenger.boot(language="ja")
        found = messenger.get(f"{HELP}/search", q="請求書の発行").content.decode()
        assert "請求書を発行する方法" in found and "<mark>請求書</mark>" in found
        assert "請求書の下書き" not in found
        english = Messenger(demo_workspace.app_id)
        english.boot(language="en-US")
        found = english.get(f"{HELP}/search", q="export invoices").content.decode()
        assert "Exporting your invoices" in found and "請求書を発行する方法" not in found

    def test_search_falls_back_to_every_language(self, messenger, articles):
        messenger.boot(language="ja")
        found = messenger.get(f"{HELP}/search", q="exported").content.decode()
        assert "Exporting your invoices" in found

    def test_nothing_found_offers_a_message(self, messenger, articles):
        messenger.boot(language="en")
        found = messenger.get(f"{HELP}/search", q="refund").content.decode()
        assert "No articles match" in found and "Send us a message" in found

    def test_the_help_tab_opens_with_a_query_from_the_home_card(self, messenger, articles):
        messenger.boot(language="ja")
        home = messenger.get("/messenger/panel/home").content.decode()
        assert 'hx-get="/messenger/panel/help"' in home and 'name="q"' in home
        page = messenger.get(HELP, q="請求書").content.decode()
        assert 'value="請求書"' in page and "請求書を発行する方法" in page
        assert 'class="panel-tab is-active" hx-get="/messenger/panel/help"' in page

    def test_search_needs_the_session(self, client, articles):
        assert client.get(f"{HELP}/search", {"q": "請求書"}).status_code == 401


class TestArticle:
    def test_opening_an_article_records_a_view_for_the_contact(self, messenger, demo_workspace, articles):
        messenger.boot(language="ja")
        response = messenger.get(f"{HELP}/articles/{number(articles['ja'])}")
        page = response.content.decode()
        assert response.status_code == 200
        assert "請求書を発行する方法" in page and "「お支払い」画面から発行できます" in page
        contact = Contact.objects.for_workspace(demo_workspace).get()
        view = ArticleView.objects.for_workspace(demo_workspace).get()
        assert (view.article_id, view.contact_id, view.source, view.language) == (
            articles["ja"].article_id, contact.pk, "messenger", "ja")
        assert [item["title"] for item in selectors.recently_viewed(workspace=demo_workspace, contact=contact)] == [
            "請求書を発行する方法"]

    def test_the_body_is_sanitized_and_videos_may_play(self, messenger, demo_workspace):
        evil = publish(demo_workspace, "en", "Video", '<p onclick="alert(1)">Watch</p><script>alert(2)</script>'
                       '<iframe src="https://vimeo.com/76979871"></iframe>')
        messenger.boot()
        response = messenger.get(f"{HELP}/articles/{number(evil)}")
        page = response.content.decode()
        assert "onclick" not in page and "<script>alert(2)" not in page
        assert 'src="https://player.vimeo.com/video/76979871"' in page
        assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in response["Content-Security-Policy"]

    def test_an_article_in_another_language_only_is_shown_in_that_language(self, messenger, articles):
        messenger.boot(language="ja")
        page = messenger.get(f"{HELP}/articles/{number(articles['en'])}").content.decode()
        assert "Exporting your invoices" in page and 'lang="en"' in page

    def test_the_version_asked_for_is_shown_when_it_is_published(self, messenger, articles):
        services.article_draft_save(article=articles["en"].article, language="ja", title="請求書のエクスポート",
                                    subtitle="", body="<p>エクスポートできます。</p>")
        services.article_publish(content=articles["en"].article.contents.get(language="ja"))
        messenger.boot(language="ja")
        url = f"{HELP}/articles/{number(articles['en'])}"
        assert "請求書のエクスポート" in messenger.get(url).content.decode()
        assert "Exporting your invoices" in messenger.get(url, lang="en").content.decode()
        assert "請求書のエクスポート" in messenger.get(url, lang="xx").content.decode()

    def test_drafts_unpublished_and_other_workspaces_articles_are_404(self, messenger, demo_workspace, other_workspace,
                                                                      articles):
        unpublished = publish(demo_workspace, "en", "Gone soon", "<p>x</p>")
        services.article_unpublish(content=unpublished)
        for _ in range(5):
            theirs = publish(other_workspace, "en", "Their secret", "<p>secret</p>")
        assert number(theirs) > number(unpublished)  # a number that exists only in the other workspace
        messenger.boot()
        for missing in (number(articles["draft"]), number(unpublished), number(theirs), 999999, 10**12):
            assert messenger.get(f"{HELP}/articles/{missing}").status_code == 404, missing
            assert messenger.post(f"{HELP}/articles/{missing}/react", {"reaction": "happy"}).status_code == 404
        assert not ArticleView.objects.for_workspace(demo_workspace).exists()
        assert not ArticleReaction.objects.for_workspace(demo_workspace).exists()

    def test_back_leads_where_the_customer_came_from(self, messenger, articles):
        messenger.boot()
        url = f"{HELP}/articles/{number(articles['en'])}"
        assert 'hx-get="/messenger/panel/help"' in messenger.get(url).content.decode()
        assert 'hx-get="/messenger/panel/conversations/new"' in messenger.get(url, back="new").content.decode()
        assert 'hx-get="/messenger/panel/conversations/7"' in messenger.get(url, back="7").content.decode()
        assert "javascript" not in messenger.get(url, back="javascript:alert(1)").content.decode()

    def test_open_in_help_center_links_the_public_page(self, messenger, demo_workspace, articles):
        help_center = services.help_center_for(workspace=demo_workspace)
        messenger.boot(language="ja")
        page = messenger.get(f"{HELP}/articles/{number(articles['ja'])}").content.decode()
        expected = selectors.article_public_path(help_center=help_center, language="ja",
                                                 number=number(articles["ja"]), slug=articles["ja"].slug)
        assert expected and expected.startswith(f"/help/{help_center.slug}/ja/articles/{number(articles['ja'])}-")
        assert f'href="{expected}"' in page and "?access=" not in page


class TestReactions:
    def test_a_reaction_per_contact_latest_wins_and_a_sad_face_offers_a_message(self, messenger, demo_workspace,
                                                                                articles):
        messenger.boot()
        url = f"{HELP}/articles/{number(articles['en'])}/react"
        sad = messenger.post(url, {"reaction": "disappointed"})
        assert sad.status_code == 200
        assert "help-ask--prominent" in sad.content.decode()
        assert f"/messenger/panel/conversations/new?article={number(articles['en'])}" in sad.content.decode()
        happy = messenger.post(url, {"reaction": "happy"}).content.decode()
        assert "help-ask--prominent" not in happy and 'aria-pressed="true"' in happy
        contact = Contact.objects.for_workspace(demo_workspace).get()
        reaction = ArticleReaction.objects.for_workspace(demo_workspace).get()
        assert (reaction.reaction, reaction.reader_key, reaction.contact_id) == ("happy", f"c:{contact.pk}", contact.pk)
        # The article shows the reader's own choice again.
        page = messenger.get(f"{HELP}/articles/{number(articles['en'])}").content.decode()
        assert 'class="is-chosen" aria-pressed="true"' in page

    def test_an_unknown_reaction_is_refused(self, messenger, demo_workspace, articles):
        messenger.boot()
        response = messenger.post(f"{HELP}/articles/{number(articles['en'])}/react", {"reaction": "angry"})
        assert response.status_code == 400 and "Choose one of the faces." in response.content.decode()
        assert not ArticleReaction.objects.for_workspace(demo_workspace).exists()

    def test_still_need_help_starts_a_conversation_remembering_the_article(self, messenger, demo_workspace, articles):
        messenger.boot()
        screen = messenger.get("/messenger/panel/conversations/new", article=str(number(articles["en"]))).content.decode()
        assert f'name="article" value="{number(articles["en"])}"' in screen and "Exporting your invoices" in screen
        messenger.post("/messenger/panel/conversations/start",
                       {"body": "The export button is missing", "article": str(number(articles["en"]))})
        conversation = Conversation.objects.for_workspace(demo_workspace).get()
        started = ArticleConversation.objects.for_workspace(demo_workspace).get()
        assert (started.article_id, started.conversation_id) == (articles["en"].article_id, conversation.pk)

    def test_a_bad_article_never_stops_the_message(self, messenger, demo_workspace, other_workspace, articles):
        theirs = publish(other_workspace, "en", "Theirs", "<p>x</p>")
        messenger.boot()
        for bad in (str(number(articles["draft"])), "abc", "99999999999999", str(number(theirs) + 100)):
            response = messenger.post("/messenger/panel/conversations/start", {"body": f"Hello {bad}", "article": bad})
            assert response.status_code == 200
        assert Conversation.objects.for_workspace(demo_workspace).count() == 4
        assert not ArticleConversation.objects.for_workspace(demo_workspace).exists()


class TestPrivateHelpCenter:
    @pytest.fixture
    def private(self, demo_workspace, articles):  # type: ignore[no-untyped-def]
        help_center = services.help_center_for(workspace=demo_workspace)
        return services.help_center_update(help_center=help_center, private=True)

    def test_anonymous_visitors_see_a_short_message_and_nothing_else(self, messenger, demo_workspace, private,
                                                                     articles):
        messenger.boot(language="ja")
        page = messenger.get(HELP).content.decode()
        assert "data-help-private" in page and "請求書を発行する方法" not in page
        assert "請求書を発行する方法" not in messenger.get(f"{HELP}/search", q="請求書").content.decode()
        article = messenger.get(f"{HELP}/articles/{number(articles['ja'])}").content.decode()
        assert "data-help-private" in article and "画面から発行できます" not in article
        assert messenger.get(f"{HELP}/suggestions", body="請求書").content == b""
        assert messenger.post(f"{HELP}/articles/{number(articles['ja'])}/react", {"reaction": "happy"}).status_code == 404
        assert "Search for help" not in messenger.get("/messenger/panel/home").content.decode()
        assert not ArticleView.objects.for_workspace(demo_workspace).exists()

    def test_a_verified_user_reads_it_and_gets_a_signed_link(self, demo_workspace, private, articles):
        messenger = verified_user(demo_workspace)
        assert "請求書を発行する方法" in messenger.get(HELP).content.decode()
        page = messenger.get(f"{HELP}/articles/{number(articles['ja'])}").content.decode()
        assert "画面から発行できます" in page
        token = re.search(r'\?access=([^"]+)"', page).group(1)
        contact = Contact.objects.for_workspace(demo_workspace).get(external_id="u-1")
        assert access.contact_id_from_token(help_center=private, token=token) == contact.pk
        assert ArticleView.objects.for_workspace(demo_workspace).get().contact_id == contact.pk

    def test_with_verification_required_an_unproven_user_is_a_stranger(self, demo_workspace, private, articles):
        demo_workspace.identity_verification_required = True
        demo_workspace.save(update_fields=["identity_verification_required"])
        claimed = Messenger(demo_workspace.app_id)
        claimed.boot({"user_id": "u-1", "email": "yuki@example.com"})
        forged = Messenger(demo_workspace.app_id)
        forged.boot({"user_id": "u-1", "user_hash": "0" * 64})
        for messenger in (claimed, forged):
            assert "data-help-private" in messenger.get(HELP).content.decode()
        assert "請求書を発行する方法" in verified_user(demo_workspace).get(HELP).content.decode()

    def test_without_verification_required_an_identified_user_reads_it(self, demo_workspace, private, articles):
        messenger = Messenger(demo_workspace.app_id)
        messenger.boot({"user_id": "u-2", "email": "ken@example.com"}, language="ja")
        assert "請求書を発行する方法" in messenger.get(HELP).content.decode()
        lead = Messenger(demo_workspace.app_id)
        lead.boot(language="ja")
        lead.start("Hello")  # a visitor who writes becomes a lead, not an identified user
        assert Contact.objects.for_workspace(demo_workspace).get(browser_id=lead.browser_id).role == "lead"
        assert "data-help-private" in lead.get(HELP).content.decode()


class TestSuggestions:
    @pytest.fixture
    def many(self, demo_workspace):  # type: ignore[no-untyped-def]
        return [publish(demo_workspace, "ja", f"パスワードの再設定 {n}", "<p>パスワードを忘れた場合</p>") for n in range(5)]

    def test_at_most_three_matching_articles_in_one_search_query(self, messenger, many, django_assert_num_queries):
        messenger.boot(language="ja")
        # The session, the help center (is it private?) and the search: one search query.
        with django_assert_num_queries(3):
            response = messenger.get(f"{HELP}/suggestions", body="パスワードを忘れてしまいました")
        page = response.content.decode()
        assert response.status_code == 200 and page.count("data-keep-draft") == 3
        assert "?back=new" in page

    def test_what_is_typed_picks_the_language_and_an_article_is_suggested_once(self, demo_workspace, many):
        both = publish(demo_workspace, "en", "Resetting your password", "<p>Zephyr keys reset.</p>")
        services.article_draft_save(article=both.article, language="ja", title="パスワードのリセット",
                                    subtitle="", body="<p>Zephyr キーのリセット</p>")
        services.article_publish(content=both.article.contents.get(language="ja"))
        english = Messenger(demo_workspace.app_id)
        english.boot(language="en-US")
        page = english.get(f"{HELP}/suggestions", body="パスワードを忘れました").content.decode()
        assert "パスワードの再設定" in page  # Japanese words find Japanese articles in an English browser
        found = english.get(f"{HELP}/suggestions", body="zephyr").content.decode()
        assert found.count("data-keep-draft") == 1  # both versions matched: suggested once
        assert "Resetting your password" in found and f"{number(both)}?back=new&amp;lang=en" in found
        japanese = Messenger(demo_workspace.app_id)
        japanese.boot(language="ja")
        found = japanese.get(f"{HELP}/suggestions", body="zephyr").content.decode()
        assert found.count("data-keep-draft") == 1 and "パスワードのリセット" in found

    def test_nothing_typed_or_nothing_found_is_an_empty_answer(self, messenger, many, django_assert_num_queries):
        messenger.boot(language="ja")
        with django_assert_num_queries(1):  # the session only
            assert messenger.get(f"{HELP}/suggestions", body="  ").content == b""
        assert messenger.get(f"{HELP}/suggestions", body="返金について").content == b""

    def test_the_new_conversation_screen_asks_for_suggestions_as_the_customer_types(self, messenger):
        messenger.boot()
        screen = messenger.get("/messenger/panel/conversations/new").content.decode()
        assert 'hx-get="/messenger/panel/help/suggestions"' in screen and 'id="panel-suggestions"' in screen

    def test_suggestions_are_throttled_per_session(self, messenger, many, throttle_clock):
        from messenger.help_views import SEARCHES_BY_SESSION

        messenger.boot(language="ja")
        statuses = [messenger.get(f"{HELP}/suggestions", body="パスワード").status_code
                    for _ in range(SEARCHES_BY_SESSION.limit + 1)]
        assert statuses[:-1] == [200] * SEARCHES_BY_SESSION.limit and statuses[-1] == 429
        assert messenger.get(f"{HELP}/search", q="パスワード").status_code == 429  # the same budget
        other = Messenger(messenger.app_id)
        other.boot(language="ja")
        assert other.get(f"{HELP}/suggestions", body="パスワード").status_code == 200

