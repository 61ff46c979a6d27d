"""Articles in the inbox: the composer's "Insert article" search, a reply that carries an
article (the customer opens it inside the messenger), and what the customer read lately in
the sidebar and on the contact profile."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services as article_services
from articles.models import ArticleView
from inbox import services
from inbox.models import Conversation, ConversationPart
from inbox.reply_emails import _message, reply_email_prepare
from tests.factories import ContactFactory, conversation_create
from tests.messenger.conftest import Messenger

pytestmark = pytest.mark.django_db


def publish(workspace, language: str, title: str, body: str = "<p>Body</p>", subtitle: str = ""):  # type: ignore[no-untyped-def]
    content = article_services.article_create(workspace=workspace, author=None, language=language, title=title,
                                              subtitle=subtitle, body=body)
    return article_services.article_publish(content=content)


def search_url(workspace) -> str:  # type: ignore[no-untyped-def]
    return f"/w/{workspace.slug}/inbox/articles/search/"


def reply_url(workspace, conversation) -> str:  # type: ignore[no-untyped-def]
    return f"/w/{workspace.slug}/inbox/c/{conversation.number}/reply/"


@pytest.fixture
def invoice(workspace):  # type: ignore[no-untyped-def]
    return publish(workspace, "ja", "請求書を発行する方法", "<p>請求書は設定画面から発行できます。</p>",
                   subtitle="毎月の請求書")


class TestInsertArticleSearch:
    def test_finds_published_articles_in_either_language(self, client_agent, workspace, other_workspace, invoice):
        publish(workspace, "en", "Exporting your invoices", "<p>Invoices as PDF.</p>")
        article_services.article_create(workspace=workspace, author=None, language="ja", title="請求書の下書き",
                                        body="<p>請求書</p>")
        publish(other_workspace, "ja", "請求書（よその会社）")
        japanese = client_agent.get(search_url(workspace), {"q": "請求書"}).content.decode()
        assert "請求書を発行する方法" in japanese and f'data-number="{invoice.article.number}"' in japanese
        assert "下書き" not in japanese and "よその会社" not in japanese
        english = client_agent.get(search_url(workspace), {"q": "invoices"}).content.decode()
        assert "Exporting your invoices" in english and "請求書を発行する方法" not in english

    def test_an_empty_query_asks_for_words(self, client_agent, workspace, invoice):
        page = client_agent.get(search_url(workspace), {"q": ""}).content.decode()
        assert "Type to search" in page and "data-article-pick" not in page

    def test_the_whole_request_costs_four_queries(self, client_agent, workspace, invoice, django_assert_num_queries):
        # Django's session row, the signed-in user, the membership (workspace_member_required),
        # then the search itself: the search is one query; the three before it are every
        # signed-in page's.
        with django_assert_num_queries(4):
            response = client_agent.get(search_url(workspace), {"q": "請求書"})
        assert "請求書を発行する方法" in response.content.decode()

    def test_outsiders_and_strangers_get_nothing(self, client, client_outsider, workspace, invoice):
        assert client_outsider.get(search_url(workspace), {"q": "請求書"}).status_code == 404
        assert client.get(search_url(workspace), {"q": "請求書"}).status_code == 302  # to sign in

    def test_the_composer_offers_it(self, client_agent, workspace):
        conversation = conversation_create(workspace=workspace)
        page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
        assert "Insert article" in page and search_url(workspace) in page and 'id="composer-article"' in page


class TestReplyWithArticle:
    def test_the_reply_carries_the_article_and_both_sides_show_a_card(self, client_agent, workspace, invoice):
        messenger = Messenger(workspace.app_id)
        messenger.boot(language="ja")
        messenger.start("請求書が見つかりません")
        conversation = Conversation.objects.for_workspace(workspace).get()
        response = client_agent.post(reply_url(workspace, conversation),
                                     {"kind": "reply", "body": "こちらをご覧ください", "article": invoice.article.number})
        assert response.status_code == 302
        part = ConversationPart.objects.for_workspace(workspace).get(kind="reply")
        assert part.article_id == invoice.article_id and part.body == "こちらをご覧ください"
        thread = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
        assert f'data-article-card="{invoice.article.number}"' in thread and "請求書を発行する方法" in thread
        panel = messenger.get(f"/messenger/panel/conversations/{conversation.number}").content.decode()
        card = f'hx-get="/messenger/panel/help/articles/{invoice.article.number}?back={conversation.number}&amp;lang=ja"'
        assert card in panel and "毎月の請求書" in panel
        opened = messenger.get(f"/messenger/panel/help/articles/{invoice.article.number}", back=str(conversation.number))
        assert "設定画面から発行できます" in opened.content.decode()
        assert f'hx-get="/messenger/panel/conversations/{conversation.number}"' in opened.content.decode()
        assert ArticleView.objects.for_workspace(workspace).get().contact == conversation.contact

    def test_an_article_alone_is_a_reply_and_the_preview_names_it(self, client_agent, workspace, invoice):
        conversation = conversation_create(workspace=workspace)
        client_agent.post(reply_url(workspace, conversation), {"kind": "reply", "body": "", "article": invoice.article.number})
        conversation.refresh_from_db()
        assert conversation.preview == "📄 請求書を発行する方法"
        assert ConversationPart.objects.for_workspace(workspace).get(kind="reply").article_id == invoice.article_id

    def test_a_new_reply_polled_into_the_messenger_carries_its_card(self, workspace, agent, invoice):
        messenger = Messenger(workspace.app_id)
        messenger.boot()
        messenger.start("Hello")
        conversation = Conversation.objects.for_workspace(workspace).get()
        last = ConversationPart.objects.for_workspace(workspace).latest("id").pk
        services.teammate_reply_create(conversation=conversation, membership=agent, body="See this", article=invoice.article)
        polled = messenger.get(f"/messenger/panel/conversations/{conversation.number}/poll", after=str(last))
        assert f"/messenger/panel/help/articles/{invoice.article.number}?back=" in polled.content.decode()

    def test_another_workspaces_article_or_a_draft_is_refused(self, client_agent, workspace, other_workspace, invoice):
        for _ in range(3):
            theirs = publish(other_workspace, "en", "Theirs")
        draft = article_services.article_create(workspace=workspace, author=None, language="en", title="Draft")
        conversation = conversation_create(workspace=workspace)
        for number in (theirs.article.number, draft.article.number, "x"):
            response = client_agent.post(reply_url(workspace, conversation),
                                         {"kind": "reply", "body": "Look", "article": number})
            assert response.status_code == 400
            assert "not published in this workspace" in response.content.decode()
        assert not ConversationPart.objects.for_workspace(workspace).filter(kind="reply").exists()

    def test_the_service_refuses_an_article_of_another_workspace(self, workspace, other_workspace, agent):
        from core.exceptions import ApplicationError

        theirs = publish(other_workspace, "en", "Theirs")
        conversation = conversation_create(workspace=workspace)
        with pytest.raises(ApplicationError):
            services.teammate_reply_create(conversation=conversation, membership=agent, body="x", article=theirs.article)
        assert not ConversationPart.objects.for_workspace(workspace).filter(kind="reply").exists()

    def test_a_note_cannot_carry_an_article(self, client_agent, workspace, invoice):
        conversation = conversation_create(workspace=workspace)
        response = client_agent.post(reply_url(workspace, conversation),
                                     {"kind": "note", "body": "internal", "article": invoice.article.number})
        assert response.status_code == 400 and "not in a note" in response.content.decode()
        # The refused form keeps the chosen article in the composer.
        assert f'name="article" id="composer-article" value="{invoice.article.number}"' in response.content.decode()

    def test_the_email_relay_names_the_article_and_links_it(self, workspace, agent, invoice, settings):
        settings.SITE_URL = "https://parley.example"
        contact = ContactFactory(workspace=workspace, email="hana@example.com", language="ja")
        conversation = conversation_create(workspace=workspace, contact=contact)
        part = services.teammate_reply_create(conversation=conversation, membership=agent, body="こちらです",
                                              article=invoice.article)
        email = reply_email_prepare(workspace_id=workspace.pk, part_id=part.pk)
        text = _message(email).body
        assert "📄 請求書を発行する方法" in text
        help_center = article_services.help_center_for(workspace=workspace)
        assert f"https://parley.example/help/{help_center.slug}/ja/articles/{invoice.article.number}-" in text


class TestRecentlyViewed:
    def _views(self, workspace, contact, count):  # type: ignore[no-untyped-def]
        for n in range(count):
            content = publish(workspace, "en", f"Guide {n}")
            article_services.article_view_record(article=content.article, contact=contact, language="en",
                                                 source="messenger")

    def test_the_sidebar_lists_what_the_customer_read(self, client_agent, workspace, invoice):
        contact = ContactFactory(workspace=workspace)
        conversation = conversation_create(workspace=workspace, contact=contact)
        for _ in range(2):
            article_services.article_view_record(article=invoice.article, contact=contact, language="ja",
                                                 source="messenger")
        someone_else = ContactFactory(workspace=workspace)
        other = publish(workspace, "en", "Read by someone else")
        article_services.article_view_record(article=other.article, contact=someone_else, language="en",
                                             source="messenger")
        page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
        assert "Recently viewed articles" in page and 'id="recent-articles"' in page
        assert "請求書を発行する方法" in page and "2 views" in page
        assert f'href="/w/{workspace.slug}/articles/{invoice.article.number}/"' in page  # the article's editor
        assert "Read by someone else" not in page

    def test_the_sidebar_costs_the_same_queries_for_1_or_5_articles(self, client_agent, workspace):
        few, many = ContactFactory(workspace=workspace), ContactFactory(workspace=workspace)
        self._views(workspace, few, 1)
        self._views(workspace, many, 5)
        first, second = conversation_create(workspace=workspace, contact=few), conversation_create(workspace=workspace, contact=many)

        def queries(conversation) -> int:  # type: ignore[no-untyped-def]
            client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/")  # counts cached, read marked
            with CaptureQueriesContext(connection) as captured:
                page = client_agent.get(f"/w/{workspace.slug}/inbox/c/{conversation.number}/").content.decode()
            assert "Guide 0" in page
            return len(captured.captured_queries)

        assert queries(first) == queries(second)

    def test_the_contact_profile_lists_them_too(self, client_agent, workspace, invoice):
        contact = ContactFactory(workspace=workspace)
        article_services.article_view_record(article=invoice.article, contact=contact, language="ja",
                                             source="help_center")
        page = client_agent.get(f"/w/{workspace.slug}/contacts/people/{contact.pk}/").content.decode()
        assert 'id="contact-articles"' in page and "請求書を発行する方法" in page
        empty = client_agent.get(f"/w/{workspace.slug}/contacts/people/{ContactFactory(workspace=workspace).pk}/")
        assert "No articles read yet." in empty.content.decode()
