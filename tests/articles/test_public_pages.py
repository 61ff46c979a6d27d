"""The public help center's pages as readers and search engines get them: home, collection,
article, their 404s, canonical addresses, the head of each page, the sitemap, the theme,
pictures, and the views an article page records."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles import access, services
from articles.models import ArticleContent, ArticleView, HelpCenter
from tests.factories import ContactFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# (title, body, subtitle), as publish() takes them
BILLING_JA = ("請求書を発行する方法",
              "<p>請求書は「設定」の「お支払い」画面から発行できます。PDF形式でダウンロードし、経理担当者に送ってください。</p>",
              "毎月の請求書は管理画面からダウンロードできます。")
BILLING_EN = ("Download your invoices",
              "<p>Invoices can be downloaded from Settings, Billing. Each invoice is a PDF file you can forward to "
              "your accountant.</p>",
              "Every invoice, as a PDF")


def publish(workspace, language, title, body="<p>Body</p>", subtitle="", *, collection=None, section=None,
            author=None, article=None) -> ArticleContent:  # type: ignore[no-untyped-def]
    """A published language version: a new article, or another language of `article`."""
    if article is None:
        content = services.article_create(workspace=workspace, author=author, language=language, title=title,
                                          subtitle=subtitle, body=body, collection=collection, section=section)
    else:
        content = services.article_draft_save(article=article, language=language, title=title, subtitle=subtitle,
                                              body=body)
    return services.article_publish(content=content)


def url(content: ArticleContent, help_center: HelpCenter) -> str:
    return reverse("help_center:article", kwargs={
        "help_center_slug": help_center.slug, "language": content.language, "number": content.article.number,
        "slug": content.slug,
    })


def make_help_center(workspace) -> HelpCenter:  # type: ignore[no-untyped-def]
    help_center = services.help_center_for(workspace=workspace)
    return services.help_center_update(help_center=help_center, name="Acme Help", default_language="en")


@pytest.fixture
def help_center(workspace) -> HelpCenter:  # type: ignore[no-untyped-def]
    return make_help_center(workspace)


@pytest.fixture
def site(workspace, help_center, agent):  # type: ignore[no-untyped-def]
    """Two collections (one with a section), a bilingual article, one per language, a draft."""
    billing = services.collection_create(workspace=workspace, titles={"en": "Billing", "ja": "請求とお支払い"},
                                         descriptions={"en": "Invoices and payments", "ja": "請求書とお支払い"},
                                         icon="card")
    invoices = services.section_create(collection=billing, titles={"en": "Invoices", "ja": "請求書"})
    account = services.collection_create(workspace=workspace, titles={"en": "Your account", "ja": "アカウント"},
                                         descriptions={}, icon="person")
    services.collection_create(workspace=workspace, titles={"en": "Empty"}, descriptions={}, icon="book")
    en = publish(workspace, "en", *BILLING_EN, collection=billing, section=invoices, author=agent)
    ja = publish(workspace, "ja", *BILLING_JA, article=en.article)
    password = publish(workspace, "en", "Resetting your password", "<p>Request a reset email.</p>", collection=account)
    japanese_only = publish(workspace, "ja", "チームメンバーを招待する", "<p>管理者はメンバーを招待できます。</p>",
                            collection=account)
    draft = services.article_create(workspace=workspace, author=agent, language="en", title="Secret roadmap",
                                    body="<p>Not yet</p>", collection=account)
    return {"billing": billing, "account": account, "en": en, "ja": ja, "password": password,
            "japanese_only": japanese_only, "draft": draft}


# --- the root and the home page --------------------------------------------------------------------

def test_root_redirects_to_the_default_language_or_the_browsers(client: Client, help_center) -> None:
    response = client.get(f"/help/{help_center.slug}/")
    assert response.status_code == 302 and response["Location"] == f"/help/{help_center.slug}/en/"
    assert "Accept-Language" in response["Vary"]
    response = client.get(f"/help/{help_center.slug}/", HTTP_ACCEPT_LANGUAGE="fr-FR,ja;q=0.8,en;q=0.5")
    assert response["Location"] == f"/help/{help_center.slug}/ja/"
    response = client.get(f"/help/{help_center.slug}/", HTTP_ACCEPT_LANGUAGE="de,fr;q=0.9")
    assert response["Location"] == f"/help/{help_center.slug}/en/"


def test_unknown_help_center_and_language_are_404(client: Client, help_center) -> None:
    assert client.get("/help/no-such-help/en/").status_code == 404
    assert client.get(f"/help/{help_center.slug}/fr/").status_code == 404


def test_home_lists_collections_with_published_articles(client: Client, help_center, site) -> None:
    response = client.get(f"/help/{help_center.slug}/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<title>Acme Help</title>" in html
    assert "Billing" in html and "Invoices and payments" in html and "💳" in html
    assert "Your account" in html
    assert "1 article" in html  # the account collection: the Japanese-only article and the draft do not count
    assert "Empty" not in html and "Secret roadmap" not in html
    assert f'<link rel="canonical" href="http://localhost:8000/help/{help_center.slug}/en/">' in html
    assert f'hreflang="ja" href="http://localhost:8000/help/{help_center.slug}/ja/"' in html
    assert 'meta name="description" content="Advice and answers from the Acme Help team"' in html
    assert '<meta property="og:title" content="Acme Help">' in html
    assert response["Content-Language"] == "en"

    japanese = client.get(f"/help/{help_center.slug}/ja/").content.decode()
    assert '<html lang="ja">' in japanese
    assert "請求とお支払い" in japanese and "アカウント" in japanese


def _bulk(workspace, collection, count: int) -> None:  # type: ignore[no-untyped-def]
    section = services.section_create(collection=collection, titles={"en": f"Section {count}"})
    for index in range(count):
        publish(workspace, "en", f"Article {index} of {count}", collection=collection,
                section=section if index % 2 else None)


@pytest.mark.parametrize("count", [3, 30])
def test_home_and_collection_query_counts_do_not_grow(client: Client, workspace, help_center, count,
                                                      django_assert_num_queries) -> None:
    for index in range(3):
        collection = services.collection_create(workspace=workspace, titles={"en": f"C{index}"}, descriptions={},
                                                icon="book")
        _bulk(workspace, collection, count)
    # The help center, the article counts, the collections.
    with django_assert_num_queries(3):
        assert client.get(f"/help/{help_center.slug}/en/").status_code == 200
    # The help center, then the collection, its sections and its published articles.
    with django_assert_num_queries(4):
        assert client.get(f"/help/{help_center.slug}/en/collections/{collection.pk}").status_code == 200


# --- collections -------------------------------------------------------------------------------------

def test_collection_page_shows_sections_and_their_articles(client: Client, help_center, site) -> None:
    html = client.get(f"/help/{help_center.slug}/en/collections/{site['billing'].pk}").content.decode()
    assert "<title>Billing | Acme Help</title>" in html
    assert "Invoices" in html and BILLING_EN[0] in html and BILLING_EN[2] in html
    assert f'href="{url(site["en"], help_center)}"' in html
    japanese = client.get(f"/help/{help_center.slug}/ja/collections/{site['billing'].pk}").content.decode()
    assert "請求書" in japanese and BILLING_JA[0] in japanese


def test_collection_404s(client: Client, workspace, other_workspace, help_center, site) -> None:
    base = f"/help/{help_center.slug}"
    foreign = services.collection_create(workspace=other_workspace, titles={"en": "Theirs"}, descriptions={},
                                         icon="book")
    publish(other_workspace, "en", "Their article", collection=foreign)
    assert client.get(f"{base}/en/collections/{foreign.pk}").status_code == 404
    assert client.get(f"{base}/en/collections/999999").status_code == 404
    empty = services.collection_create(workspace=workspace, titles={"en": "Soon"}, descriptions={}, icon="book")
    response = client.get(f"{base}/en/collections/{empty.pk}")
    assert response.status_code == 404 and b"Soon" not in response.content


# --- articles ----------------------------------------------------------------------------------------

def test_article_page(client: Client, help_center, site, agent) -> None:
    response = client.get(url(site["en"], help_center))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<title>{BILLING_EN[0]} | Acme Help</title>" in html
    assert "Invoices can be downloaded from Settings" in html
    assert "Written by Aiko Agent" in html and "Updated " in html
    # Breadcrumbs: home, the collection (linked), the section.
    assert f'href="/help/{help_center.slug}/en/collections/{site["billing"].pk}">Billing</a>' in html
    assert "<span>Invoices</span>" in html
    assert f'<meta name="description" content="{BILLING_EN[2]}">' in html  # the subtitle
    assert '<meta property="og:type" content="article">' in html
    assert f'hreflang="ja" href="http://localhost:8000{url(site["ja"], help_center)}"' in html
    # The language switch keeps the reader on the same article.
    assert re.search(rf'<a href="{re.escape(url(site["ja"], help_center))}" hreflang="ja"', html)
    assert 'data-hc-messenger' in html and "Still need help?" in html
    assert f'data-app-id="{help_center.workspace.app_id}"' in html and "/messenger/loader.js" in html


def test_article_in_one_language_has_no_alternates_and_switches_to_the_other_home(
        client: Client, help_center, site) -> None:
    html = client.get(url(site["password"], help_center)).content.decode()
    assert 'hreflang="ja" href="http' not in html
    assert f'<a href="/help/{help_center.slug}/ja/" hreflang="ja"' in html
    # Without a subtitle, the description is the start of the text.
    assert '<meta name="description" content="Request a reset email.">' in html


def test_meta_description_is_cut_at_155_characters(client: Client, workspace, help_center) -> None:
    content = publish(workspace, "en", "Long", "<p>" + "word " * 100 + "</p>")
    html = client.get(url(content, help_center)).content.decode()
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert len(description) <= 155 and description.endswith("…")


def test_wrong_or_old_slug_redirects_permanently(client: Client, workspace, help_center, site) -> None:
    content = site["en"]
    base = f"/help/{help_center.slug}/en/articles/{content.article.number}"
    for address in (f"{base}-old-title", base):
        response = client.get(address)
        assert response.status_code == 301 and response["Location"] == url(content, help_center)
    # A new title publishes a new slug; the old address follows it.
    old = url(content, help_center)
    services.article_draft_save(article=content.article, language="en", title="Invoices, explained",
                                subtitle="", body="<p>x</p>")
    renamed = services.article_publish(content=ArticleContent.objects.for_workspace(workspace).get(pk=content.pk))
    response = client.get(old)
    assert response.status_code == 301 and response["Location"].endswith("-invoices-explained")
    assert client.get(url(renamed, help_center)).status_code == 200


def test_article_404s(client: Client, workspace, other_workspace, help_center, site) -> None:
    base = f"/help/{help_center.slug}/en/articles"
    draft = site["draft"]
    assert client.get(f"{base}/{draft.article.number}-secret-roadmap").status_code == 404
    assert client.get(f"{base}/{draft.article.number}").status_code == 404
    assert client.get(f"{base}/99999-nothing").status_code == 404
    # Unpublished: it was public once, its slug is kept, and it is gone all the same.
    unpublished = site["password"]
    services.article_unpublish(content=unpublished)
    response = client.get(url(unpublished, help_center))
    assert response.status_code == 404 and b"Resetting your password" not in response.content
    # Another workspace's article number, under this help center's address.
    services.help_center_for(workspace=other_workspace)
    for _ in range(20):
        theirs = publish(other_workspace, "en", "Their private plans", "<p>Theirs</p>")
    assert theirs.article.number > 5
    response = client.get(f"{base}/{theirs.article.number}-their-private-plans")
    assert response.status_code == 404 and b"Their private plans" not in response.content
    # Unknown language.
    assert client.get(f"/help/{help_center.slug}/fr/articles/{site['en'].article.number}").status_code == 404


def test_article_in_the_other_language_only_is_404_with_a_link(client: Client, help_center, site) -> None:
    japanese = site["japanese_only"]
    response = client.get(f"/help/{help_center.slug}/en/articles/{japanese.article.number}-anything")
    assert response.status_code == 404
    html = response.content.decode()
    assert "not available in this language" in html
    assert f'href="{url(japanese, help_center)}"' in html and "日本語" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_article_query_count_is_constant(client: Client, workspace, help_center, site,
                                         django_assert_num_queries) -> None:
    billing = site["billing"]
    for count in (3, 30):
        _bulk(workspace, billing, count)
        # The help center, the article's published versions, the view's INSERT.
        with django_assert_num_queries(3):
            assert client.get(url(site["en"], help_center)).status_code == 200


def test_identified_reader_costs_one_query_more(client: Client, workspace, help_center, site,
                                                django_assert_num_queries) -> None:
    contact = ContactFactory(workspace=workspace, role="user")
    client.cookies[access.cookie_name(help_center)] = access.access_token_for(help_center=help_center,
                                                                              contact=contact)
    with django_assert_num_queries(4):
        assert client.get(url(site["en"], help_center)).status_code == 200


# --- safety ------------------------------------------------------------------------------------------

def test_a_body_written_raw_with_a_script_renders_without_it(client: Client, workspace, help_center, site) -> None:
    # Written behind the services' back: the sanitizer on save never saw it.
    ArticleContent.objects.for_workspace(workspace).filter(pk=site["en"].pk).update(
        published_body='<p>Hi</p><script>alert("x")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">go</a>',
        published_title='<script>alert("title")</script>Billing',
    )
    html = client.get(f"/help/{help_center.slug}/en/articles/{site['en'].article.number}-{site['en'].slug}"
                      ).content.decode()
    assert "<p>Hi</p>" in html
    assert "<script>alert" not in html and "onerror" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;Billing" in html


def test_collection_names_are_escaped(client: Client, workspace, help_center) -> None:
    collection = services.collection_create(workspace=workspace, titles={"en": "<b onmouseover=x>Bold</b>"},
                                            descriptions={"en": "<script>bad()</script>"}, icon="book")
    publish(workspace, "en", "Inside", collection=collection)
    html = client.get(f"/help/{help_center.slug}/en/").content.decode()
    assert "<b onmouseover" not in html and "&lt;b onmouseover=x&gt;Bold&lt;/b&gt;" in html
    assert "<script>bad()" not in html


# --- views -------------------------------------------------------------------------------------------

def test_views_are_recorded_anonymous_or_with_the_identified_contact(client: Client, workspace, help_center,
                                                                     site) -> None:
    client.get(url(site["en"], help_center))
    contact = ContactFactory(workspace=workspace, role="user")
    identified = Client()
    identified.cookies[access.cookie_name(help_center)] = access.access_token_for(help_center=help_center,
                                                                                  contact=contact)
    identified.get(url(site["ja"], help_center))
    Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)").get(
        url(site["en"], help_center))
    views = list(ArticleView.objects.for_workspace(workspace).order_by("id").values_list(
        "article_id", "contact_id", "language", "source"))
    assert views == [
        (site["en"].article_id, None, "en", "help_center"),
        (site["en"].article_id, contact.pk, "ja", "help_center"),
    ]


def test_404s_and_redirects_record_no_view(client: Client, workspace, help_center, site) -> None:
    client.get(f"/help/{help_center.slug}/en/articles/{site['en'].article.number}-old")
    client.get(f"/help/{help_center.slug}/en/articles/{site['draft'].article.number}")
    assert not ArticleView.objects.for_workspace(workspace).exists()


# --- sitemap, robots, theme, pictures ------------------------------------------------------------

def test_sitemap_lists_published_articles_in_both_languages_and_collections(
        client: Client, workspace, other_workspace, help_center, site) -> None:
    publish(other_workspace, "en", "Their article")
    response = client.get(f"/help/{help_center.slug}/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    base = f"http://localhost:8000/help/{help_center.slug}"
    for content in (site["en"], site["ja"], site["password"], site["japanese_only"]):
        assert f"http://localhost:8000{url(content, help_center)}" in locs
    assert f"{base}/en/" in locs and f"{base}/ja/" in locs
    assert f"{base}/en/collections/{site['billing'].pk}" in locs
    assert f"{base}/ja/collections/{site['account'].pk}" in locs
    assert not any("secret-roadmap" in loc or "their-article" in loc for loc in locs)
    assert len(locs) == 4 + 2 + 4  # articles, homes, collections per language
    assert xml.count("<lastmod>") == len(locs)
    assert f'hreflang="ja" href="http://localhost:8000{url(site["ja"], help_center)}"' in xml


def test_robots_points_at_the_sitemap(client: Client, help_center) -> None:
    response = client.get(f"/help/{help_center.slug}/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: http://localhost:8000/help/{help_center.slug}/sitemap.xml" in response.content.decode()


def _png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_theme_stylesheet_logo_and_header_picture(client: Client, workspace, help_center, agent) -> None:
    logo = services.help_image_create(workspace=workspace, upload=_png(), uploaded_by=agent)
    header = services.help_image_create(workspace=workspace, upload=_png(), uploaded_by=agent)
    services.help_center_update(help_center=help_center, color="#FFD43B", header_color="#0b7285", logo=logo,
                                header_image=header)
    html = client.get(f"/help/{help_center.slug}/en/").content.decode()
    assert f'src="/help/media/{logo.token}"' in html and 'alt="Acme Help"' in html
    assert "hc-header--image" in html
    theme_url = re.search(r'href="(/help/[^"]+/theme\.css\?v=\d+)"', html).group(1)
    response = client.get(theme_url)
    css = response.content.decode()
    assert response["Content-Type"].startswith("text/css") and "immutable" in response["Cache-Control"]
    assert "--hc-color: #ffd43b;" in css and "--hc-on-color: #111827;" in css  # dark text on yellow
    assert "--hc-header: #0b7285;" in css and "--hc-on-header: #ffffff;" in css
    assert f'url("/help/media/{header.token}")' in css
    picture = client.get(f"/help/media/{logo.token}")
    assert picture.status_code == 200 and picture["Content-Type"] == logo.content_type
    assert client.get("/help/media/no-such-token-0000").status_code == 404


def test_theme_ignores_colours_that_are_not_hex(client: Client, workspace, help_center) -> None:
    # Written raw: whatever a form let through, the stylesheet only carries #rrggbb.
    HelpCenter.objects.for_workspace(workspace).filter(pk=help_center.pk).update(
        color="}*{a:b", header_color="#12345")
    css = client.get(f"/help/{help_center.slug}/theme.css").content.decode()
    assert "}*{" not in css and "#12345;" not in css
    assert "--hc-color: #3b5bdb;" in css and "--hc-header: #1f2a44;" in css


def test_an_outsider_teammate_is_just_a_reader(workspace, help_center, site, outsider) -> None:
    """Signed in to another workspace, nothing changes: the public pages show public content only."""
    member = MembershipFactory(workspace=workspace)
    for who in (outsider, member):
        client = Client()
        client.force_login(who.user, backend="accounts.backends.EmailBackend")
        assert client.get(url(site["en"], help_center)).status_code == 200
        assert client.get(f"/help/{help_center.slug}/en/articles/{site['draft'].article.number}").status_code == 404


def test_home_without_published_articles_says_so(client: Client, workspace, help_center) -> None:
    services.collection_create(workspace=workspace, titles={"en": "Soon"}, descriptions={}, icon="book")
    services.article_create(workspace=workspace, author=None, language="en", title="Draft only")
    html = client.get(f"/help/{help_center.slug}/en/").content.decode()
    assert "No articles yet" in html and "Soon" not in html and "Draft only" not in html
