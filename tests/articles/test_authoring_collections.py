"""Collections and sections: create, edit, delete (articles stay), and order by dragging
(ids posted, 204) or by the buttons without JavaScript (302 back to the page)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles import services
from articles.models import Article, Collection, Section

pytestmark = pytest.mark.django_db


def _url(name: str, workspace, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"articles:{name}", kwargs={"workspace_slug": workspace.slug, **kwargs})


def _collection(workspace, en="Billing", ja="", icon="card"):  # type: ignore[no-untyped-def]
    return services.collection_create(workspace=workspace, titles={"en": en, "ja": ja}, descriptions={}, icon=icon)


def _article(workspace, title, **place):  # type: ignore[no-untyped-def]
    return services.article_create(workspace=workspace, author=None, language="en", title=title, body="<p>x</p>",
                                   **place).article


def _order(workspace) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.names["en"]["title"] for c in Collection.objects.for_workspace(workspace).order_by("position", "id")]


class TestCollectionList:
    def test_in_order_with_icon_title_and_article_count(self, client_agent, workspace, agent):  # type: ignore[no-untyped-def]
        billing = _collection(workspace, "Billing", "請求")
        _collection(workspace, "Setup", "", icon="rocket")
        _article(workspace, "One", collection=billing)
        _article(workspace, "Two", collection=billing)
        html = client_agent.get(_url("collections", workspace)).content.decode()
        assert html.index("Billing") < html.index("Setup")
        assert 'data-article-count="2"' in html and "2 articles" in html and "💳" in html and "🚀" in html
        agent.user.language = "ja"
        agent.user.save()
        html = client_agent.get(_url("collections", workspace)).content.decode()
        assert "請求" in html and "Setup" in html  # Japanese where written, English otherwise

    def test_create_in_both_languages(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("collection_new", workspace), {
            "title_en": "Getting started", "title_ja": "はじめに", "description_en": "First steps",
            "description_ja": "最初の一歩", "icon": "rocket",
        })
        collection = Collection.objects.for_workspace(workspace).get()
        assert response["Location"] == _url("collection", workspace, collection_id=collection.pk)
        assert collection.names == {"en": {"title": "Getting started", "description": "First steps"},
                                    "ja": {"title": "はじめに", "description": "最初の一歩"}}
        assert collection.icon == "rocket"

    def test_a_title_is_needed_and_the_icon_must_be_known(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        response = client_agent.post(_url("collection_new", workspace), {"title_en": " ", "icon": "book"})
        assert response.status_code == 200 and "Give it a title in at least one language." in response.content.decode()
        response = client_agent.post(_url("collection_new", workspace), {"title_en": "X", "icon": "skull"})
        assert "Select a valid choice" in response.content.decode()
        assert not Collection.objects.for_workspace(workspace).exists()

    def test_edit(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        collection = _collection(workspace)
        page = client_agent.get(_url("collection_edit", workspace, collection_id=collection.pk)).content.decode()
        assert 'value="Billing"' in page
        client_agent.post(_url("collection_edit", workspace, collection_id=collection.pk),
                          {"title_en": "Payments", "title_ja": "支払い", "icon": "chart", "workspace": 999})
        collection.refresh_from_db()
        assert collection.names["ja"]["title"] == "支払い" and collection.icon == "chart"
        assert collection.workspace_id == workspace.pk

    def test_delete_keeps_the_articles(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        collection = _collection(workspace)
        section = services.section_create(collection=collection, titles={"en": "Invoices"})
        article = _article(workspace, "Export", collection=collection, section=section)
        page = client_agent.get(_url("collection_delete", workspace, collection_id=collection.pk)).content.decode()
        assert "Its 1 article is kept" in page
        response = client_agent.post(_url("collection_delete", workspace, collection_id=collection.pk))
        assert response["Location"] == _url("collections", workspace)
        article.refresh_from_db()
        assert (article.collection_id, article.section_id) == (None, None)
        assert not Section.objects.for_workspace(workspace).exists()

    def test_drag_order_is_saved(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        a, b, c = _collection(workspace, "A"), _collection(workspace, "B"), _collection(workspace, "C")
        response = client_agent.post(_url("collection_order", workspace), {"ids": [c.pk, a.pk, b.pk]})
        assert response.status_code == 204
        assert _order(workspace) == ["C", "A", "B"]

    def test_an_order_with_ids_from_elsewhere_or_missing_is_refused(self, client_agent, workspace, other_workspace):  # type: ignore[no-untyped-def]
        a, b = _collection(workspace, "A"), _collection(workspace, "B")
        foreign = _collection(other_workspace, "Theirs")
        for ids in ([b.pk, foreign.pk], [b.pk], [b.pk, a.pk, foreign.pk], ["x"]):
            response = client_agent.post(_url("collection_order", workspace), {"ids": ids})
            assert response.status_code == 400 and response.json()["error"]
        assert _order(workspace) == ["A", "B"]
        assert Collection.all_workspaces.get(pk=foreign.pk).position == 0  # all_workspaces: untouched over there

    def test_buttons_move_without_javascript(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        a, b, _c = _collection(workspace, "A"), _collection(workspace, "B"), _collection(workspace, "C")
        response = client_agent.post(_url("collection_order", workspace), {"move": b.pk, "direction": "up"})
        assert response["Location"] == _url("collections", workspace)
        assert _order(workspace) == ["B", "A", "C"]
        client_agent.post(_url("collection_order", workspace), {"move": a.pk, "direction": "down"})
        assert _order(workspace) == ["B", "C", "A"]
        client_agent.post(_url("collection_order", workspace), {"move": a.pk, "direction": "down"})  # already last
        assert _order(workspace) == ["B", "C", "A"]


class TestCollectionPage:
    def test_sections_and_articles_in_order(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        collection = _collection(workspace)
        first = services.section_create(collection=collection, titles={"en": "Invoices"})
        second = services.section_create(collection=collection, titles={"en": "Refunds"})
        _article(workspace, "Loose one", collection=collection)
        _article(workspace, "Export invoices", collection=collection, section=first)
        _article(workspace, "Ask for a refund", collection=collection, section=second)
        _article(workspace, "Elsewhere")
        response = client_agent.get(_url("collection", workspace, collection_id=collection.pk))
        html = response.content.decode()
        assert response.status_code == 200 and "Elsewhere" not in html
        positions = [html.index(text) for text in (">Loose one<", '"section-card__title">Invoices<', ">Export invoices<",
                                                   '"section-card__title">Refunds<', ">Ask for a refund<")]
        assert positions == sorted(positions)
        assert f'data-article-container="{first.pk}"' in html and 'data-article-container=""' in html

    def test_sections_are_added_renamed_and_deleted(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        collection = _collection(workspace)
        page = _url("collection", workspace, collection_id=collection.pk)
        response = client_agent.post(_url("section_create", workspace, collection_id=collection.pk),
                                     {"title_en": "Invoices", "title_ja": "請求書"})
        assert response["Location"] == page
        section = Section.objects.for_workspace(workspace).get()
        assert section.names == {"en": {"title": "Invoices", "description": ""},
                                 "ja": {"title": "請求書", "description": ""}}
        response = client_agent.post(_url("section_create", workspace, collection_id=collection.pk), {"title_en": ""})
        assert Section.objects.for_workspace(workspace).count() == 1
        assert "Give it a title in at least one language." in client_agent.get(response["Location"]).content.decode()

        client_agent.post(_url("section_update", workspace, collection_id=collection.pk, section_id=section.pk),
                          {"title_en": "Bills", "title_ja": ""})
        section.refresh_from_db()
        assert section.names == {"en": {"title": "Bills", "description": ""}}

        article = _article(workspace, "Export", collection=collection, section=section)
        client_agent.post(_url("section_delete", workspace, collection_id=collection.pk, section_id=section.pk))
        article.refresh_from_db()
        assert not Section.objects.for_workspace(workspace).exists()
        assert (article.collection_id, article.section_id) == (collection.pk, None)

    def test_a_section_of_another_collection_is_404(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        mine, other = _collection(workspace, "Mine"), _collection(workspace, "Other")
        section = services.section_create(collection=other, titles={"en": "S"})
        url = _url("section_update", workspace, collection_id=mine.pk, section_id=section.pk)
        assert client_agent.post(url, {"title_en": "Hijacked"}).status_code == 404
        section.refresh_from_db()
        assert section.names["en"]["title"] == "S"

    def test_dragging_sections_and_articles_across_sections(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        collection = _collection(workspace)
        first = services.section_create(collection=collection, titles={"en": "First"})
        second = services.section_create(collection=collection, titles={"en": "Second"})
        url = _url("collection_reorder", workspace, collection_id=collection.pk)
        assert client_agent.post(url, {"kind": "sections", "ids": [second.pk, first.pk]}).status_code == 204
        assert list(Section.objects.for_workspace(workspace).order_by("position").values_list("pk", flat=True)) == [
            second.pk, first.pk]

        a = _article(workspace, "A", collection=collection, section=first)
        b = _article(workspace, "B", collection=collection, section=first)
        c = _article(workspace, "C", collection=collection, section=second)
        # B dropped into the second section, above C.
        assert client_agent.post(url, {"kind": "articles", "section": second.pk, "ids": [b.pk, c.pk]}).status_code == 204
        # A dropped among the loose articles.
        assert client_agent.post(url, {"kind": "articles", "section": "", "ids": [a.pk]}).status_code == 204
        for article in (a, b, c):
            article.refresh_from_db()
        assert [(x.section_id, x.position) for x in (a, b, c)] == [(None, 0), (second.pk, 0), (second.pk, 1)]

    def test_order_refuses_what_is_not_here(self, client_agent, workspace, other_workspace):  # type: ignore[no-untyped-def]
        collection, other = _collection(workspace), _collection(workspace, "Other")
        elsewhere = services.section_create(collection=other, titles={"en": "Elsewhere"})
        article = _article(workspace, "A", collection=collection)
        foreign = _article(other_workspace, "Theirs")
        url = _url("collection_reorder", workspace, collection_id=collection.pk)
        for data in ({"kind": "articles", "section": elsewhere.pk, "ids": [article.pk]},
                     {"kind": "articles", "section": "", "ids": [article.pk, foreign.pk]},
                     {"kind": "sections", "ids": [elsewhere.pk, 999999]},
                     {"kind": "articles", "ids": ["one"]}):
            response = client_agent.post(url, data)
            assert response.status_code == 400 and response.json()["error"], data
        foreign = Article.all_workspaces.get(pk=foreign.pk)  # all_workspaces: proving it stayed where it was
        assert (foreign.workspace_id, foreign.collection_id) == (other_workspace.pk, None)
        article.refresh_from_db()
        assert article.section_id is None

    def test_buttons_move_articles_and_sections_without_javascript(self, client_agent, workspace):  # type: ignore[no-untyped-def]
        collection = _collection(workspace)
        first = services.section_create(collection=collection, titles={"en": "First"})
        second = services.section_create(collection=collection, titles={"en": "Second"})
        a = _article(workspace, "A", collection=collection, section=first)
        b = _article(workspace, "B", collection=collection, section=first)
        url = _url("collection_reorder", workspace, collection_id=collection.pk)
        page = _url("collection", workspace, collection_id=collection.pk)

        assert client_agent.post(url, {"move_article": b.pk, "direction": "up"})["Location"] == page
        ordered = list(Article.objects.for_workspace(workspace).filter(section=first).order_by("position")
                       .values_list("pk", flat=True))
        assert ordered == [b.pk, a.pk]
        client_agent.post(url, {"move_article": a.pk, "to": second.pk})
        a.refresh_from_db()
        assert a.section_id == second.pk
        client_agent.post(url, {"move_article": a.pk, "to": "loose"})
        a.refresh_from_db()
        assert (a.collection_id, a.section_id) == (collection.pk, None)
        client_agent.post(url, {"move_article": a.pk, "to": "out"})
        a.refresh_from_db()
        assert (a.collection_id, a.section_id) == (None, None)
        client_agent.post(url, {"move_section": second.pk, "direction": "up"})
        assert list(Section.objects.for_workspace(workspace).order_by("position").values_list("pk", flat=True)) == [
            second.pk, first.pk]

    def test_add_existing_articles(self, client_agent, workspace, other_workspace):  # type: ignore[no-untyped-def]
        collection, other = _collection(workspace), _collection(workspace, "Other")
        already = _article(workspace, "Already here", collection=collection)
        moved = _article(workspace, "From the other one", collection=other)
        free = _article(workspace, "In no collection")
        foreign = _article(other_workspace, "Theirs")
        url = _url("collection_add_articles", workspace, collection_id=collection.pk)
        html = client_agent.get(url).content.decode()
        assert "From the other one" in html and "In no collection" in html and "Already here" not in html
        assert "Theirs" not in html

        response = client_agent.post(url, {"articles": [free.pk, foreign.pk]})
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        free.refresh_from_db()
        assert free.collection_id is None

        response = client_agent.post(url, {"articles": [free.pk, moved.pk]})
        assert response["Location"] == _url("collection", workspace, collection_id=collection.pk)
        loose = list(Article.objects.for_workspace(workspace).filter(collection=collection, section=None)
                     .order_by("position").values_list("pk", flat=True))
        assert loose == [already.pk, moved.pk, free.pk] or loose == [already.pk, free.pk, moved.pk]
        assert re.search(r"Choose at least one article", client_agent.post(url, {}).content.decode())
