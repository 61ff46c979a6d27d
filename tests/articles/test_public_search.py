"""Search on the public help center, through the page: Japanese and English, scoped to the
page's language, highlighted, bounded and escaped."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.articles.test_public_pages import make_help_center, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_center(workspace):  # type: ignore[no-untyped-def]
    return make_help_center(workspace)

ARTICLES = [
    ("ja", "請求書を発行する方法",
     "<p>請求書は「設定」の「お支払い」画面から発行できます。PDF形式でダウンロードし、経理担当者に送ってください。</p>"),
    ("ja", "パスワードを再設定するには",
     "<p>ログインできない場合は、パスワードの再設定メールを送信してください。メールが届かない時は迷惑メールフォルダを確認します。</p>"),
    ("ja", "チームメンバーを招待する", "<p>管理者はチームの設定から新しいメンバーを招待できます。招待メールの有効期限は7日間です。</p>"),
    ("en", "Exporting your invoices", "<p>Invoices can be exported from Settings, Billing. Each invoice is a PDF.</p>"),
    ("en", "Resetting your password", "<p>If you cannot sign in, request a password reset email.</p>"),
]


@pytest.fixture
def articles(workspace, help_center):  # type: ignore[no-untyped-def]
    for language, title, body in ARTICLES:
        publish(workspace, language, title, body)


def _search(client: Client, help_center, language: str, query: str):  # type: ignore[no-untyped-def]
    response = client.get(f"/help/{help_center.slug}/{language}/search", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    titles = re.findall(r'<span class="hc-result__title">(.*?)</span>', html)
    return html, [re.sub(r"</?mark>", "", title) for title in titles]


def test_japanese_search_finds_japanese_articles_with_highlights(client: Client, help_center, articles) -> None:
    html, titles = _search(client, help_center, "ja", "請求書の発行")
    assert titles == ["請求書を発行する方法"]
    assert "<mark>請求書</mark>を<mark>発行</mark>する方法" in html
    assert "<mark>請求書</mark>は「設定」" in html
    assert '<html lang="ja">' in html and '<meta name="robots" content="noindex, nofollow">' in html
    _html, titles = _search(client, help_center, "ja", "迷惑メール")
    assert titles == ["パスワードを再設定するには"]
    _html, titles = _search(client, help_center, "ja", "ﾊﾟｽﾜｰﾄﾞ")  # half-width katakana
    assert titles == ["パスワードを再設定するには"]


def test_english_search_stems_and_highlights(client: Client, help_center, articles) -> None:
    html, titles = _search(client, help_center, "en", "export invoice")
    assert titles == ["Exporting your invoices"]
    assert "<mark>" in html and "1 result for “export invoice”" in html


def test_search_is_scoped_to_the_pages_language(client: Client, help_center, articles) -> None:
    _html, titles = _search(client, help_center, "en", "請求書")
    assert titles == []
    _html, titles = _search(client, help_center, "ja", "password")
    assert titles == []


def test_search_never_reaches_another_workspace_or_drafts(client: Client, workspace, other_workspace, help_center,
                                                           articles) -> None:
    from articles import services

    publish(other_workspace, "ja", "請求書の秘密", "<p>請求書</p>")
    services.article_create(workspace=workspace, author=None, language="ja", title="請求書の下書き", body="<p>請求書</p>")
    _html, titles = _search(client, help_center, "ja", "請求書")
    assert titles == ["請求書を発行する方法"]


def test_empty_state_and_empty_query(client: Client, help_center, articles) -> None:
    html, titles = _search(client, help_center, "en", "refund policy")
    assert titles == [] and "couldn't find any articles" in html
    html, titles = _search(client, help_center, "en", "")
    assert titles == [] and "couldn't find" not in html


def test_queries_are_bounded_and_escaped(client: Client, help_center, articles, django_assert_max_num_queries) -> None:
    html, _titles = _search(client, help_center, "en", "<script>alert(1)</script>")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    long_query = "invoice " * 2000
    with django_assert_max_num_queries(2):  # the help center, the search
        html, titles = _search(client, help_center, "en", long_query)
    assert titles == ["Exporting your invoices"]
    value = re.search(r'name="q" value="([^"]*)"', html).group(1)
    assert len(value) <= 200
