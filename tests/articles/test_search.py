"""Help-center search on PostgreSQL full text, in English and in Japanese (which has no
spaces between words: articles/search.py indexes character bigrams)."""

from __future__ import annotations

import pytest

from articles import search, selectors, services

pytestmark = pytest.mark.django_db

ARTICLES = [
    ("ja", "請求書を発行する方法", "毎月の請求書はいつでも管理画面からダウンロードできます。",
     "<p>請求書は「設定」の「お支払い」画面から発行できます。PDF形式でダウンロードし、経理担当者に送ってください。</p>"),
    ("ja", "パスワードを変更するには", "",
     "<p>ログインできない場合は、パスワードの再設定メールを送信してください。メールが届かない時は迷惑メールフォルダを確認します。</p>"),
    ("ja", "チームメンバーを招待する", "",
     "<p>管理者はチームの設定から新しいメンバーを招待できます。招待メールの有効期限は7日間です。</p>"),
    ("en", "Exporting your invoices", "Download invoices as PDF",
     "<p>Invoices can be exported from Settings, Billing. Each invoice is a PDF file.</p>"),
    ("en", "Resetting your password", "",
     "<p>If you cannot sign in, request a password reset email.</p>"),
]


@pytest.fixture
def published(workspace):  # type: ignore[no-untyped-def]
    numbers = {}
    for language, title, subtitle, body in ARTICLES:
        content = services.article_create(workspace=workspace, author=None, language=language, title=title,
                                          subtitle=subtitle, body=body)
        services.article_publish(content=content)
        numbers[title] = content.article.number
    # A draft never shows up in search.
    services.article_create(workspace=workspace, author=None, language="ja", title="請求書の下書き", body="<p>請求書</p>")
    return numbers


def _titles(workspace, query, language=None):  # type: ignore[no-untyped-def]
    return [r.content.published_title for r in selectors.article_search(workspace=workspace, query=query,
                                                                       language=language)]


@pytest.mark.parametrize(("query", "expected"), [
    ("請求書", "請求書を発行する方法"),                     # a word inside a sentence
    ("請求書の発行", "請求書を発行する方法"),                # particles in the query are not required
    ("請求書　発行", "請求書を発行する方法"),                # a full-width space
    ("ダウンロード", "請求書を発行する方法"),                # katakana, in the subtitle
    ("迷惑メール", "パスワードを変更するには"),              # katakana + kanji, body only
    ("パスワード", "パスワードを変更するには"),
    ("招待", "チームメンバーを招待する"),
    ("ﾊﾟｽﾜｰﾄﾞ", "パスワードを変更するには"),              # half-width katakana as typed on some keyboards
])
def test_japanese_queries_find_japanese_articles(workspace, published, query, expected):  # type: ignore[no-untyped-def]
    titles = _titles(workspace, query, language="ja")
    assert titles and titles[0] == expected


def test_english_queries_stem_and_prefix(workspace, published):  # type: ignore[no-untyped-def]
    assert _titles(workspace, "export invoice", language="en") == ["Exporting your invoices"]
    assert _titles(workspace, "passw", language="en") == ["Resetting your password"]  # typing, a prefix
    assert _titles(workspace, "ＰＤＦ", language="en") == ["Exporting your invoices"]  # full-width letters


def test_title_matches_rank_above_body_matches(workspace, published):  # type: ignore[no-untyped-def]
    titles = _titles(workspace, "パスワード")
    assert titles[0] == "パスワードを変更するには"
    assert _titles(workspace, "password", language="en")[0] == "Resetting your password"


def test_no_match_unrelated_and_drafts_never_found(workspace, published, other_workspace):  # type: ignore[no-untyped-def]
    assert _titles(workspace, "返金") == []
    assert "請求書の下書き" not in _titles(workspace, "請求書")
    assert _titles(other_workspace, "請求書") == []


def test_snippets_highlight_escaped_matches(workspace):  # type: ignore[no-untyped-def]
    content = services.article_create(workspace=workspace, author=None, language="ja", title="記号",
                                      body="<p>&lt;script&gt;alert(1)&lt;/script&gt; 請求書の発行は簡単です。</p>")
    services.article_publish(content=content)
    [result] = selectors.article_search(workspace=workspace, query="請求書")
    assert "<mark>請求書</mark>" in result.snippet
    assert "<script>" not in result.snippet and "&lt;script&gt;" in result.snippet


@pytest.mark.parametrize("query", ["", "   ", "の", "!!!", "' & | ! :* <->", "a:* & (b"])
def test_odd_queries_are_harmless(workspace, published, query):  # type: ignore[no-untyped-def]
    results = selectors.article_search(workspace=workspace, query=query)
    assert isinstance(results, list)


def test_query_parsing_drops_particles_only_when_something_else_is_left():
    assert search.parse_query("請求書の発行方法").words == ("請求書", "発行方法")
    assert search.parse_query("できない").words == ("できない",)
    assert search.document_terms("請求書を発行") == "請求 求書 書を を発 発行"


def test_search_is_one_query(workspace, published, django_assert_num_queries):  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        selectors.article_search(workspace=workspace, query="請求書")
